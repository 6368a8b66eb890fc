// A fresh embedded coldvault home (its own SoftHSM token folder and catalogue) per test fixture.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>

#include "coldvault/secrets.hpp"
#include "coldvault/vault.hpp"
#include "hsm/catalog_env.hpp"
#include "hsm/token_env.hpp"

namespace cvtest {

class VaultHome : public ::testing::Test {
 protected:
  std::filesystem::path dir;
  cv::vault::HomeOptions opts;
  std::optional<cv::vault::Service> svc;

  void SetUp() override {
    // The embedded home always makes its own SoftHSM token, whatever module the run is for: on
    // another module these tests would only repeat the SoftHSM run.
    if (test_module() != TestModule::SoftHsm2) {
      GTEST_SKIP() << "embedded home (SoftHSM2); this run is for $COLDVAULT_TEST_PKCS11";
    }
    char tmpl[] = "/tmp/cv-home-XXXXXX";
    dir = mkdtemp(tmpl);
    opts.home = (dir / "home").string();
    unsetenv("COLDVAULT_PIN");
    cv::vault::InitOptions io;
    io.catalog = fresh_catalog();
    auto r = cv::vault::init(opts, {"main", 90, false}, io);
    ASSERT_TRUE(r) << r.error().message;
    reopen();
  }
  void TearDown() override {
    svc.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  void reopen() {
    svc.reset();
    auto s = cv::vault::Service::open(opts);
    ASSERT_TRUE(s) << s.error().message;
    svc.emplace(std::move(*s));
  }
  cv::vault::Secrets secrets(const std::string& vault = "main") { return {*svc, vault}; }
  static cv::vault::SetSecret value(const std::string& v) {
    cv::vault::SetSecret s;
    s.value = cv::SecureString(v.begin(), v.end());
    return s;
  }
};

}  // namespace cvtest
