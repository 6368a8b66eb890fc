// Files of tests/data, read whole.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "coldvault/bytes.hpp"

namespace cv::test {

inline Bytes slurp(const std::string& name) {
  std::ifstream in(std::string(CV_SOURCE_DIR) + "/tests/data/" + name, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::string text(const std::string& name) {
  Bytes b = slurp(name);
  return std::string(b.begin(), b.end());
}

}  // namespace cv::test
