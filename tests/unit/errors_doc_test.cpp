// docs/errors.md must agree with src/core/error.cpp row by row.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "coldvault/error.hpp"

#ifndef CV_SOURCE_DIR
#error "CV_SOURCE_DIR must name the source tree"
#endif

TEST(ErrorsDoc, EveryErrcRowMatchesTheCode) {
  std::ifstream in(std::string(CV_SOURCE_DIR) + "/docs/errors.md");
  ASSERT_TRUE(in) << "docs/errors.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  for (cv::Errc c : cv::kAllErrc) {
    std::string name(cv::errc_name(c));
    std::regex row("\\n\\| " + name + " \\| (\\d+) \\| (\\w+) \\| (\\d+) \\|");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(doc, m, row)) << "no row for " << name;
    EXPECT_EQ(std::stoi(m[1]), cv::http_status(c)) << name;
    EXPECT_EQ(m[2].str(), cv::kv_error_code(cv::Error{c, "", {}, {}, {}})) << name;
    EXPECT_EQ(std::stoi(m[3]), cv::exit_code(c)) << name;
  }
}
