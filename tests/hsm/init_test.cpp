// `init` on an external token that fails part way leaves no coldvault objects on the token, so a
// retry works; the embedded home's SO PIN is shown once, read from a file, or (--dev) stored.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "coldvault/vault.hpp"
#include "hsm/token_env.hpp"

using namespace cv;
namespace fs = std::filesystem;

namespace {

// An external SoftHSM token ("test", from TokenEnv) that init provisions through --module/--token.
class InitExternal : public ::testing::Test {
 protected:
  cvtest::TokenEnv env_;
  vault::HomeOptions opts;

  void SetUp() override {
    ASSERT_TRUE(env_.ready()) << env_.init_error();
    unsetenv("COLDVAULT_PIN");
    auto pin = env_.dir() / "user.pin";
    std::ofstream(pin) << cvtest::TokenEnv::kUserPin << "\n";
    opts.home = (env_.dir() / "home").string();
    opts.pin_file = pin.string();
    opts.module = env_.module_path();
    opts.token = cvtest::TokenEnv::kLabel;
    // What vault::init requires of a token (src/vault/init.cpp); a module without one of them is
    // refused by init, which Init_RefusesTokenLackingAMechanismNamingIt checks.
    auto t = env_.open();
    CV_SKIP_UNLESS_MECHS(t, hsm::Mech::RsaOaepSha1, hsm::Mech::AesGcm, hsm::Mech::AesKeyWrapPad,
                         hsm::Mech::Ecdsa);
  }

  // Labels of the token's objects that coldvault made (coldvault-domain-*, -master-*, -sign-*).
  std::vector<std::string> coldvault_labels() {
    auto t = env_.open();
    auto all = t.object_labels();
    if (!all) throw std::runtime_error(all.error().message);
    std::vector<std::string> mine;
    for (auto& l : *all)
      if (l.rfind("coldvault-", 0) == 0) mine.push_back(l);
    std::sort(mine.begin(), mine.end());
    return mine;
  }

  static vault::InitOptions failing_at(std::string step) {
    vault::InitOptions io;
    io.fault = [step](std::string_view at) -> Result<void> {
      if (at == step) return fail(Errc::StorageFailure, "injected failure after " + step);
      return {};
    };
    return io;
  }

  void expect_retry_succeeds() {
    auto again = vault::init(opts, {"main", 90, false});
    ASSERT_TRUE(again) << again.error().message;
    auto labels = coldvault_labels();
    // Domain key pair (2), integrity key, master key, signing key pair (2).
    EXPECT_EQ(labels.size(), 6u);
    EXPECT_EQ(
        std::count_if(labels.begin(), labels.end(),
                      [](const std::string& l) { return l.starts_with("coldvault-integrity-"); }),
        1);
    EXPECT_EQ(std::count(labels.begin(), labels.end(), "coldvault-master-main"), 1);
    auto svc = vault::Service::open(opts);
    ASSERT_TRUE(svc) << svc.error().message;
    EXPECT_TRUE(svc->vault("main"));
  }
};

TEST_F(InitExternal, FailureAfterTheVaultKeysRemovesEveryObjectItMade) {
  auto r = vault::init(opts, {"main", 90, false}, failing_at("vault"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StorageFailure);
  EXPECT_TRUE(coldvault_labels().empty());
  EXPECT_FALSE(fs::exists(opts.home + "/config.json"));
  EXPECT_FALSE(fs::exists(opts.home + "/catalog.db"));
  expect_retry_succeeds();
}

TEST_F(InitExternal, FailureAfterTheDomainKeyRemovesIt) {
  auto r = vault::init(opts, {"main", 90, false}, failing_at("domain"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StorageFailure);
  EXPECT_TRUE(coldvault_labels().empty());
  expect_retry_succeeds();
}

TEST_F(InitExternal, ClashingMasterKeyLabelFailsAndLeavesOnlyTheClashingKey) {
  {
    auto t = env_.open();
    ASSERT_TRUE(t.create_master_key("coldvault-master-main"));
  }
  auto r = vault::init(opts, {"main", 90, false});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  // The domain key made before the clash is gone; the planted key is untouched.
  EXPECT_EQ(coldvault_labels(), std::vector<std::string>{"coldvault-master-main"});
  {
    auto t = env_.open();
    auto planted = t.find("coldvault-master-main", "secret");
    ASSERT_TRUE(planted);
    ASSERT_TRUE(t.destroy(*planted));
  }
  expect_retry_succeeds();
}

TEST_F(InitExternal, SoPinOptionsAreRefusedForAnExternalTokenAndNothingIsMade) {
  vault::InitOptions dev;
  dev.dev = true;
  vault::InitOptions file;
  file.so_pin_file = (env_.dir() / "user.pin").string();
  for (const auto& io : {dev, file}) {
    auto r = vault::init(opts, {"main", 90, false}, io);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::BadParameter);
    EXPECT_FALSE(fs::exists(opts.home));
  }
  EXPECT_TRUE(coldvault_labels().empty());
}

TEST_F(InitExternal, ReportsTheUnwrapTemplateAndNoSoPin) {
  auto r = vault::init(opts, {"main", 90, false});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->unwrap_template, "enforced");
  EXPECT_FALSE(r->so_pin.has_value());
  EXPECT_FALSE(r->so_pin_stored);
}

// On a module lacking a mechanism init needs (opencryptoki's swtok: CKM_AES_GCM and more), init
// refuses with Unsupported naming it, and leaves no coldvault object on the token. Skipped on a
// module that has them all (SoftHSM), where the InitExternal tests run instead.
TEST(InitOnModule, RefusesTokenLackingAMechanismNamingIt) {
  cvtest::TokenEnv env;
  ASSERT_TRUE(env.ready()) << env.init_error();
  std::string missing;
  {
    auto t = env.open();
    missing = cvtest::missing_mechanism(
        t, {hsm::Mech::RsaOaepSha1, hsm::Mech::AesGcm, hsm::Mech::AesKeyWrapPad, hsm::Mech::Ecdsa});
  }
  if (missing.empty()) GTEST_SKIP() << "the module has every mechanism init needs";
  unsetenv("COLDVAULT_PIN");
  auto pin = env.dir() / "user.pin";
  std::ofstream(pin) << cvtest::TokenEnv::kUserPin << "\n";
  vault::HomeOptions opts;
  opts.home = (env.dir() / "home").string();
  opts.pin_file = pin.string();
  opts.module = env.module_path();
  opts.token = cvtest::TokenEnv::kLabel;
  auto r = vault::init(opts, {"main", 90, false});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::Unsupported);
  EXPECT_EQ(r.error().message, missing);
  auto t = env.open();
  auto labels = t.object_labels();
  ASSERT_TRUE(labels) << labels.error().message;
  EXPECT_TRUE(labels->empty());
}

// The embedded home (its own SoftHSM token folder).
class InitEmbedded : public ::testing::Test {
 protected:
  fs::path dir;
  vault::HomeOptions opts;
  void SetUp() override {
    if (cvtest::test_module() != cvtest::TestModule::SoftHsm2) {
      GTEST_SKIP() << "embedded home (SoftHSM2); this run is for $COLDVAULT_TEST_PKCS11";
    }
    char tmpl[] = "/tmp/cv-init-XXXXXX";
    dir = mkdtemp(tmpl);
    opts.home = (dir / "home").string();
    unsetenv("COLDVAULT_PIN");
  }
  void TearDown() override {
    if (!dir.empty()) fs::remove_all(dir);
  }
};

TEST_F(InitEmbedded, GeneratedSoPinIsReportedOnceAndNotStored) {
  auto r = vault::init(opts, {"main", 90, false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->so_pin.has_value());
  EXPECT_EQ(r->so_pin->size(), 32u);
  EXPECT_FALSE(r->so_pin_stored);
  EXPECT_FALSE(fs::exists(opts.home + "/so.pin"));
  EXPECT_EQ(r->unwrap_template, "enforced");
  // Nothing needs the SO PIN afterwards.
  EXPECT_TRUE(vault::Service::open(opts));
}

TEST_F(InitEmbedded, DevStoresTheSoPinPrivately) {
  vault::InitOptions io;
  io.dev = true;
  auto r = vault::init(opts, {"main", 90, false}, io);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->so_pin_stored);
  EXPECT_FALSE(r->so_pin.has_value());
  struct stat st {};
  ASSERT_EQ(stat((opts.home + "/so.pin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(InitEmbedded, SoPinFromFileIsNeitherReportedNorStored) {
  auto file = dir / "so.pin";
  std::ofstream(file) << "my-own-so-pin\n";
  vault::InitOptions io;
  io.so_pin_file = file.string();
  auto r = vault::init(opts, {"main", 90, false}, io);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->so_pin.has_value());
  EXPECT_FALSE(r->so_pin_stored);
  EXPECT_FALSE(fs::exists(opts.home + "/so.pin"));
}

TEST_F(InitEmbedded, MissingSoPinFileIsBadParameterAndMakesNothing) {
  vault::InitOptions io;
  io.so_pin_file = (dir / "absent.pin").string();
  auto r = vault::init(opts, {"main", 90, false}, io);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_FALSE(fs::exists(opts.home));
}

}  // namespace
