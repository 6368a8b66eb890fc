// A private SoftHSM2 token for one test fixture.
//
// Makes a fresh folder under /tmp, writes a softhsm2.conf whose token directory is inside it,
// points SOFTHSM2_CONF at it and initialises a token "test" there. The folder is removed in the
// destructor.
//
// SoftHSM reads its configuration at C_Initialize, and the adapter finalises a module when its last
// Token goes away, so fixtures can follow one another in one process as long as every Token of a
// fixture is destroyed before the next TokenEnv is made. Declare the TokenEnv member *before* any
// Token member so it outlives them. Not thread safe (setenv); one TokenEnv at a time.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "coldvault/hsm.hpp"

namespace cvtest {

class TokenEnv {
 public:
  static constexpr const char* kLabel = "test";
  static constexpr const char* kSoPin = "so-pin-1234";
  static constexpr const char* kUserPin = "user-pin-1234";

  TokenEnv() {
    char tmpl[] = "/tmp/coldvault-hsm-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::filesystem::create_directory(dir_ / "tokens");
    const auto conf = dir_ / "softhsm2.conf";
    {
      std::ofstream out(conf);
      out << "directories.tokendir = " << (dir_ / "tokens").string() << "\n"
          << "objectstore.backend = file\n"
          << "log.level = ERROR\n"
          << "slots.removable = false\n";
    }
    setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    auto r = cv::hsm::init_token(cv::hsm::default_module_path(), kLabel, cv::to_secure(kSoPin),
                                 cv::to_secure(kUserPin));
    if (!r) init_error_ = r.error().message;
  }
  TokenEnv(const TokenEnv&) = delete;
  TokenEnv& operator=(const TokenEnv&) = delete;
  ~TokenEnv() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Empty when the token was made; the init_token error otherwise (assert on it in SetUp).
  const std::string& init_error() const { return init_error_; }
  bool ready() const { return init_error_.empty(); }

  cv::hsm::TokenSpec spec() const { return {cv::hsm::default_module_path(), kLabel, {}}; }
  cv::SecureBytes pin() const { return cv::to_secure(kUserPin); }
  cv::SecureBytes so_pin() const { return cv::to_secure(kSoPin); }
  const std::filesystem::path& dir() const { return dir_; }

  cv::Result<cv::hsm::Token> try_open() const { return cv::hsm::Token::open(spec(), pin()); }
  // Throws (failing the test) if the token cannot be opened: tests want a Token, not a Result.
  cv::hsm::Token open() const {
    auto t = try_open();
    if (!t) throw std::runtime_error("Token::open failed: " + t.error().message);
    return std::move(*t);
  }

 private:
  std::filesystem::path dir_;
  std::string init_error_;
};

// A fixture with a fresh token, opened and logged in. The TokenEnv member comes first so the Token
// is destroyed (and the module finalised) before the folder goes.
class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.ready()) << env_.init_error();
    auto t = env_.try_open();
    ASSERT_TRUE(t.has_value()) << t.error().message;
    token_.emplace(std::move(*t));
  }
  void TearDown() override { token_.reset(); }

  cv::hsm::Token& token() { return *token_; }

  TokenEnv env_;
  std::optional<cv::hsm::Token> token_;
};

}  // namespace cvtest
