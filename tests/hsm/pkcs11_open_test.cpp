// Opening tokens: by label, by URI, and every way it can fail.
#include <gtest/gtest.h>

#include "coldvault/hsm.hpp"
#include "hsm/token_env.hpp"

namespace {

using cv::Errc;
using cv::hsm::Token;
using cv::hsm::TokenSpec;
using cvtest::TokenEnv;

class OpenTest : public ::testing::Test {
 protected:
  TokenEnv env_;
  void SetUp() override { ASSERT_TRUE(env_.ready()) << env_.init_error(); }
};

TEST_F(OpenTest, Open_ByLabelLogsIn) {
  auto t = Token::open(env_.spec(), env_.pin());
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->label(), "test");
  EXPECT_EQ(t->module_path(), env_.module_path());
  // Logged in: creating a private token object needs the user.
  EXPECT_TRUE(t->create_master_key("mk").has_value());
}

TEST_F(OpenTest, Open_ByUriWithModulePath) {
  const std::string manufacturer = env_.softhsm() ? "SoftHSM%20project" : "IBM%20Corp.";
  TokenSpec spec{
      {},
      {},
      "pkcs11:token=test;manufacturer=" + manufacturer + "?module-path=" + env_.module_path()};
  auto t = Token::open(spec, env_.pin());
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->label(), "test");
}

TEST_F(OpenTest, Open_RefusesUriCarryingAPinEvenWithTheRightOne) {
  // The URI's PIN is the right one and a PIN is given too: still refused, before any login attempt.
  for (const std::string uri :
       {"pkcs11:token=test?pin-value=user-pin-1234", "pkcs11:token=test;pin-value=user-pin-1234",
        "pkcs11:token=test?pin-source=/tmp/user-pin-1234"}) {
    for (const auto& pin : {cv::SecureBytes{}, env_.pin()}) {
      auto t = Token::open(TokenSpec{{}, {}, uri}, pin);
      ASSERT_FALSE(t.has_value()) << uri;
      EXPECT_EQ(t.error().code, Errc::BadParameter) << uri;
      EXPECT_EQ(t.error().message.find("user-pin-1234"), std::string::npos) << t.error().message;
      EXPECT_EQ(t.error().message.find("pkcs11:"), std::string::npos) << t.error().message;
      EXPECT_NE(t.error().message.find("--pin-file"), std::string::npos) << t.error().message;
    }
  }
  // Nothing was counted against the token: the plain URI still opens.
  EXPECT_TRUE(Token::open(TokenSpec{{}, {}, env_.uri()}, env_.pin()).has_value());
}

TEST_F(OpenTest, Open_UriForOtherTokenIsNotFound) {
  // Without module-path the URI is looked up among p11-kit's registered modules, which on Debian
  // include SoftHSM but not opencryptoki.
  const std::string uri = env_.softhsm() ? std::string("pkcs11:token=other")
                                         : "pkcs11:token=other?module-path=" + env_.module_path();
  TokenSpec spec{{}, {}, uri};
  auto t = Token::open(spec, env_.pin());
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::NotFound);
}

TEST_F(OpenTest, Open_RejectsMalformedUriWithoutEchoingIt) {
  TokenSpec spec{{}, {}, "http://example/?pin-value=secret"};
  auto t = Token::open(spec, env_.pin());
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::BadParameter);
  EXPECT_EQ(t.error().message.find("secret"), std::string::npos);
}

TEST_F(OpenTest, Open_FailsOnceWithWrongPin) {
  // 8 bytes: a PIN opencryptoki's swtok could have, so the token judges it rather than its length.
  auto t = Token::open(env_.spec(), cv::to_secure("wrong-00"));
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::HsmLoginFailed);
  EXPECT_EQ(t.error().message, "PIN incorrect for token 'test'");
  EXPECT_EQ(t.error().native, "CKR_PIN_INCORRECT");
  // One failed attempt only: the right PIN still works (no lockout from hidden retries).
  EXPECT_TRUE(Token::open(env_.spec(), env_.pin()).has_value());
}

TEST_F(OpenTest, Open_NeverPutsThePinInAnError) {
  auto t = Token::open(env_.spec(), cv::to_secure("wrong-00"));
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message.find("wrong-00"), std::string::npos);
  EXPECT_EQ(t.error().native.find("wrong-00"), std::string::npos);
}

TEST_F(OpenTest, Open_RefusesEmptyPin) {
  auto t = Token::open(env_.spec(), {});
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::BadParameter);
}

TEST_F(OpenTest, Open_MissingModuleIsUnavailable) {
  TokenSpec spec{"/nonexistent/libnothing.so", "test", {}};
  auto t = Token::open(spec, env_.pin());
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::HsmUnavailable);
  EXPECT_NE(t.error().message.find("/nonexistent/libnothing.so"), std::string::npos);
}

TEST_F(OpenTest, Open_MissingTokenIsNotFoundAndListsLabels) {
  TokenSpec spec{env_.module_path(), "nope", {}};
  auto t = Token::open(spec, env_.pin());
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::NotFound);
  EXPECT_NE(t.error().message.find("'nope'"), std::string::npos);
  EXPECT_NE(t.error().message.find("'test'"), std::string::npos);
}

TEST_F(OpenTest, InitToken_TwiceWithOneLabelIsConflict) {
  auto r = cv::hsm::init_token(env_.module_path(), "test", env_.so_pin(), env_.pin());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::Conflict);
}

TEST_F(OpenTest, InitToken_SecondLabelThenOpenBoth) {
  auto second =
      cv::hsm::init_token(env_.module_path(), "second", env_.so_pin(), cv::to_secure("pin-5678"));
  // opencryptoki's test configuration has one slot, already used: init_token says so.
  if (!env_.softhsm() && !second && second.error().code == Errc::HsmUnavailable) {
    GTEST_SKIP() << second.error().message;
  }
  ASSERT_TRUE(second) << second.error().message;
  // SoftHSM renumbers slots after an init; open must find both by label.
  auto a = Token::open(env_.spec(), env_.pin());
  ASSERT_TRUE(a.has_value()) << a.error().message;
  auto b = Token::open({env_.module_path(), "second", {}}, cv::to_secure("pin-5678"));
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->label(), "second");
}

TEST_F(OpenTest, Open_TwoTokensShareTheModuleSafely) {
  auto a = Token::open(env_.spec(), env_.pin());
  ASSERT_TRUE(a.has_value());
  {
    auto b = Token::open(env_.spec(), env_.pin());
    ASSERT_TRUE(b.has_value()) << b.error().message;
  }
  // b's end must not have finalised the module under a.
  EXPECT_TRUE(a->random(16).has_value());
}

TEST_F(OpenTest, Require_KnowsEveryMechanismSoftHsmHas) {
  if (!env_.softhsm())
    GTEST_SKIP() << "asks SoftHSM's mechanism list; this run is on another module";
  auto t = env_.open();
  using cv::hsm::Mech;
  for (Mech m : {Mech::RsaOaepSha1, Mech::RsaPkcs1, Mech::RsaRaw, Mech::RsaPss, Mech::Ecdsa,
                 Mech::AesKeyWrap, Mech::AesKeyWrapPad, Mech::AesGcm}) {
    auto r = t.require(m);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(t.has(m));  // cached answer agrees
  }
}

// On any module: each mechanism is either there or refused as Unsupported naming its CKM_ constant,
// and has() agrees with require().
TEST_F(OpenTest, Require_RefusalNamesTheMissingMechanism) {
  auto t = env_.open();
  using cv::hsm::Mech;
  for (Mech m : {Mech::RsaOaepSha1, Mech::RsaPkcs1, Mech::RsaRaw, Mech::RsaPss, Mech::Ecdsa,
                 Mech::AesKeyWrap, Mech::AesKeyWrapPad, Mech::AesGcm}) {
    auto r = t.require(m);
    EXPECT_EQ(t.has(m), r.has_value());
    if (r) continue;
    EXPECT_EQ(r.error().code, Errc::Unsupported);
    EXPECT_NE(r.error().message.find("CKM_"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().native, "CKR_MECHANISM_INVALID");
  }
}

TEST_F(OpenTest, Random_GivesRequestedLength) {
  auto t = env_.open();
  auto a = t.random(32);
  auto b = t.random(32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

}  // namespace
