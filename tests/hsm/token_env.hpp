// A private PKCS#11 token for one test fixture, on the module the run was started for.
//
// SoftHSM2 (default): makes a fresh folder under /tmp, writes a softhsm2.conf whose token directory
// is inside it, points SOFTHSM2_CONF at it and initialises a token "test" there.
//
// opencryptoki (COLDVAULT_TEST_PKCS11=opencryptoki, set by hsm/opencryptoki/ock-env, which also
// starts pkcsslotd in private namespaces): asks that script for an empty, uninitialised swtok
// (`$COLDVAULT_OCK_ENV reset-token`) and initialises it as "test" with coldvault's own init_token.
// OCK's swtok keeps PINs of 4 to 8 bytes, and its SO PIN is the package default until changed.
//
// Either way the folder is removed in the destructor; tests may put files in dir().
//
// Modules read their configuration at C_Initialize, and the adapter finalises a module when its
// last Token goes away, so fixtures can follow one another in one process as long as every Token of
// a fixture is destroyed before the next TokenEnv is made. Declare the TokenEnv member *before* any
// Token member so it outlives them. Not thread safe (setenv); one TokenEnv at a time.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>

#include "coldvault/hsm.hpp"

namespace cvtest {

// Which PKCS#11 module the hsm tier runs against: $COLDVAULT_TEST_PKCS11, empty or "softhsm2" for
// SoftHSM2, "opencryptoki" for OCK's software token. Anything else is a typo and fails loudly.
enum class TestModule { SoftHsm2, Opencryptoki };

inline TestModule test_module() {
  const char* v = getenv("COLDVAULT_TEST_PKCS11");
  const std::string name = v == nullptr ? "" : v;
  if (name.empty() || name == "softhsm2") return TestModule::SoftHsm2;
  if (name == "opencryptoki") return TestModule::Opencryptoki;
  throw std::runtime_error("COLDVAULT_TEST_PKCS11='" + name +
                           "': expected softhsm2 or opencryptoki");
}

// The module path the tokens of this run live in.
inline std::string test_module_path() {
  if (test_module() == TestModule::SoftHsm2) return cv::hsm::default_module_path();
  const char* m = getenv("COLDVAULT_TEST_PKCS11_MODULE");
  return m != nullptr ? m : "/usr/lib/x86_64-linux-gnu/pkcs11/libopencryptoki.so";
}

class TokenEnv {
 public:
  static constexpr const char* kLabel = "test";
  // 8 bytes: the longest PIN opencryptoki's swtok takes.
  static constexpr const char* kUserPin = "usr-1234";
  static constexpr const char* kSoftHsmSoPin = "so-pin-1234";
  // opencryptoki's documented default SO PIN: a fresh swtok has it, and C_InitToken must give it.
  static constexpr const char* kOckSoPin = "87654321";

  TokenEnv() : module_(test_module()) {
    char tmpl[] = "/tmp/coldvault-hsm-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    if (module_ == TestModule::SoftHsm2) {
      write_softhsm_conf();
    } else if (!reset_ock_token()) {
      return;
    }
    auto r = cv::hsm::init_token(module_path(), kLabel, so_pin(), pin());
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

  TestModule module() const { return module_; }
  bool softhsm() const { return module_ == TestModule::SoftHsm2; }
  std::string module_path() const { return test_module_path(); }
  cv::hsm::TokenSpec spec() const { return {module_path(), kLabel, {}}; }
  // "pkcs11:token=test?module-path=<module>": the token by URI, on this run's module.
  std::string uri() const {
    return std::string("pkcs11:token=") + kLabel + "?module-path=" + module_path();
  }
  cv::SecureBytes pin() const { return cv::to_secure(kUserPin); }
  cv::SecureBytes so_pin() const { return cv::to_secure(softhsm() ? kSoftHsmSoPin : kOckSoPin); }
  const std::filesystem::path& dir() const { return dir_; }

  cv::Result<cv::hsm::Token> try_open() const { return cv::hsm::Token::open(spec(), pin()); }
  // Throws (failing the test) if the token cannot be opened: tests want a Token, not a Result.
  cv::hsm::Token open() const {
    auto t = try_open();
    if (!t) throw std::runtime_error("Token::open failed: " + t.error().message);
    return std::move(*t);
  }

 private:
  // hsm/softhsm2/softhsm2.conf.in with the token folder filled in: the tests use the template an
  // operator gets.
  void write_softhsm_conf() {
    std::filesystem::create_directory(dir_ / "tokens");
    std::ifstream in(std::filesystem::path(CV_SOURCE_DIR) / "hsm/softhsm2/softhsm2.conf.in");
    std::string conf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string placeholder = "@TOKENDIR@";
    const auto at = conf.find(placeholder);
    if (at == std::string::npos) throw std::runtime_error("softhsm2.conf.in: no @TOKENDIR@");
    conf.replace(at, placeholder.size(), (dir_ / "tokens").string());
    const auto path = dir_ / "softhsm2.conf";
    std::ofstream(path) << conf;
    setenv("SOFTHSM2_CONF", path.c_str(), 1);
  }

  // OCK 3.8.1 cannot re-initialise a swtok (the SO cannot log in afterwards), so every fixture gets
  // a wiped token and a restarted pkcsslotd from the script that started the daemon.
  bool reset_ock_token() {
    const char* script = getenv("COLDVAULT_OCK_ENV");
    if (script == nullptr) {
      init_error_ =
          "COLDVAULT_TEST_PKCS11=opencryptoki needs the daemon from hsm/opencryptoki/ock-env: run "
          "the tests as `hsm/opencryptoki/ock-env run -- cv_hsm_tests`";
      return false;
    }
    const std::string cmd = std::string("'") + script + "' reset-token";
    if (int rc = std::system(cmd.c_str()); rc != 0) {
      init_error_ = cmd + " failed (status " + std::to_string(rc) + ")";
      return false;
    }
    return true;
  }

  TestModule module_;
  std::filesystem::path dir_;
  std::string init_error_;
};

// The first of `mechs` the token lacks, as Token::require words it ("the token lacks mechanism
// CKM_..."), or empty when it has them all. Found by asking the token (C_GetMechanismInfo).
inline std::string missing_mechanism(const cv::hsm::Token& t,
                                     std::initializer_list<cv::hsm::Mech> mechs) {
  for (auto m : mechs) {
    if (auto r = t.require(m); !r) return r.error().message;
  }
  return {};
}

}  // namespace cvtest

// Skips the current test (from a TEST body or SetUp) when `token` lacks one of the mechanisms,
// naming the one missing: the tier runs on modules with fewer mechanisms than SoftHSM.
#define CV_SKIP_UNLESS_MECHS(token, ...)                                        \
  do {                                                                          \
    if (auto cv_missing_ = ::cvtest::missing_mechanism((token), {__VA_ARGS__}); \
        !cv_missing_.empty()) {                                                 \
      GTEST_SKIP() << cv_missing_;                                              \
    }                                                                           \
  } while (0)

namespace cvtest {

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
