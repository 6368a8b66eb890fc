// The embedded home writes its softhsm2.conf itself (src/vault/home.cpp); the operator's template
// in hsm/softhsm2/softhsm2.conf.in, which the hsm tests and hsm/provision-token use, must say the
// same.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "vault/home.hpp"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The settings of a softhsm2.conf: its lines without comments and blank lines.
std::vector<std::string> settings(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

TEST(SoftHsmConfTemplate, EmbeddedHomeWritesTheTemplatesSettings) {
  char tmpl[] = "/tmp/cv-conf-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path home = tmpl;
  ASSERT_TRUE(cv::vault::write_softhsm_conf(home.string()));

  std::string expected = slurp(fs::path(CV_SOURCE_DIR) / "hsm/softhsm2/softhsm2.conf.in");
  const std::string placeholder = "@TOKENDIR@";
  const auto at = expected.find(placeholder);
  ASSERT_NE(at, std::string::npos);
  expected.replace(at, placeholder.size(), (home / "tokens").string());

  const auto written = settings(slurp(home / "softhsm2.conf"));
  EXPECT_FALSE(written.empty());
  EXPECT_EQ(written, settings(expected));
  fs::remove_all(home);
}

}  // namespace
