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
  EXPECT_EQ(t->module_path(), cv::hsm::default_module_path());
  // Logged in: creating a private token object needs the user.
  EXPECT_TRUE(t->create_master_key("mk").has_value());
}

TEST_F(OpenTest, Open_ByUriWithModulePath) {
  TokenSpec spec{{},
                 {},
                 "pkcs11:token=test;manufacturer=SoftHSM%20project?module-path=" +
                     cv::hsm::default_module_path()};
  auto t = Token::open(spec, env_.pin());
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->label(), "test");
}

TEST_F(OpenTest, Open_RefusesUriCarryingAPinEvenWithTheRightOne) {
  // The URI's PIN is the right one and a PIN is given too: still refused, before any login attempt.
  for (const std::string uri : {"pkcs11:token=test?pin-value=user-pin-1234",
                                "pkcs11:token=test;pin-value=user-pin-1234",
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
  EXPECT_TRUE(Token::open(TokenSpec{{}, {}, "pkcs11:token=test"}, env_.pin()).has_value());
}

TEST_F(OpenTest, Open_UriForOtherTokenIsNotFound) {
  TokenSpec spec{{}, {}, "pkcs11:token=other"};
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
  auto t = Token::open(env_.spec(), cv::to_secure("wrong-pin-0000"));
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::HsmLoginFailed);
  EXPECT_EQ(t.error().message, "PIN incorrect for token 'test'");
  EXPECT_EQ(t.error().native, "CKR_PIN_INCORRECT");
  // One failed attempt only: the right PIN still works (no lockout from hidden retries).
  EXPECT_TRUE(Token::open(env_.spec(), env_.pin()).has_value());
}

TEST_F(OpenTest, Open_NeverPutsThePinInAnError) {
  auto t = Token::open(env_.spec(), cv::to_secure("wrong-pin-0000"));
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().message.find("wrong-pin"), std::string::npos);
  EXPECT_EQ(t.error().native.find("wrong-pin"), std::string::npos);
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
  TokenSpec spec{{}, "nope", {}};
  auto t = Token::open(spec, env_.pin());
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, Errc::NotFound);
  EXPECT_NE(t.error().message.find("'nope'"), std::string::npos);
  EXPECT_NE(t.error().message.find("'test'"), std::string::npos);
}

TEST_F(OpenTest, InitToken_TwiceWithOneLabelIsConflict) {
  auto r = cv::hsm::init_token({}, "test", env_.so_pin(), env_.pin());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::Conflict);
}

TEST_F(OpenTest, InitToken_SecondLabelThenOpenBoth) {
  ASSERT_TRUE(cv::hsm::init_token({}, "second", env_.so_pin(), cv::to_secure("pin-two-5678")));
  // SoftHSM renumbers slots after an init; open must find both by label.
  auto a = Token::open(env_.spec(), env_.pin());
  ASSERT_TRUE(a.has_value()) << a.error().message;
  auto b = Token::open({{}, "second", {}}, cv::to_secure("pin-two-5678"));
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
  auto t = env_.open();
  using cv::hsm::Mech;
  for (Mech m : {Mech::RsaOaepSha1, Mech::RsaPkcs1, Mech::RsaRaw, Mech::RsaPss, Mech::Ecdsa,
                 Mech::AesKeyWrap, Mech::AesKeyWrapPad, Mech::AesGcm}) {
    auto r = t.require(m);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(t.has(m));  // cached answer agrees
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
