// The token side of the domain transfer (src/pkcs11/transfer_keys.cpp): only a key the SO marked trusted wraps a
// domain key out; a wrong SO PIN makes nothing and leaves the user logged in; what is unwrapped at the target is
// the same key (same modulus, still only unwraps); a custodian key stops signing once enrolled.
#include <gtest/gtest.h>

#include "coldvault/crypto.hpp"
#include "coldvault/hsm.hpp"
#include "hsm/token_env.hpp"

namespace {

using cv::Errc;
using cv::hsm::KeyType;
using cv::hsm::KeyUsage;
using cv::hsm::Mech;

class TransferKeysTest : public cvtest::TokenTest {
 protected:
  cv::SecureBytes value_ = cv::SecureBytes(32, 0x5a);
};

TEST_F(TransferKeysTest, OnlyASoTrustedKeyWrapsTheDomainKey) {
  CV_SKIP_UNLESS_MECHS(token(), Mech::AesKeyWrapPad, Mech::RsaOaepSha1);
  auto domain = token().create_domain_key("dom", cv::to_bytes("kid"), 2048);
  ASSERT_TRUE(domain) << domain.error().message;
  // A user-made AES key that may wrap: the domain key's CKA_WRAP_WITH_TRUSTED refuses it.
  auto plain = token().generate_secret_key(KeyType::Aes, 256, KeyUsage{.wrap = true, .unwrap = true});
  ASSERT_TRUE(plain) << plain.error().message;
  auto refused = token().wrap(Mech::AesKeyWrapPad, *plain, domain->priv);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::Forbidden) << refused.error().message;

  auto trusted = token().create_trusted_transfer_key(value_, env_.so_pin(), env_.pin());
  ASSERT_TRUE(trusted) << trusted.error().message;
  // After the SO step the user is logged in again: private objects are reachable (found anew).
  auto priv = token().find("dom", "private");
  ASSERT_TRUE(priv) << priv.error().message;
  auto wrapped = token().wrap(Mech::AesKeyWrapPad, *trusted, *priv);
  ASSERT_TRUE(wrapped) << wrapped.error().message;
  EXPECT_GT(wrapped->size(), 1000u);  // PKCS#8 of an RSA-2048 key, wrapped
}

TEST_F(TransferKeysTest, WrongSoPin_MakesNothingAndTheUserStaysLoggedIn) {
  CV_SKIP_UNLESS_MECHS(token(), Mech::AesGcm);
  auto mk = token().create_master_key("mk");
  ASSERT_TRUE(mk);
  auto before = token().object_labels();
  ASSERT_TRUE(before);
  auto r = token().create_trusted_transfer_key(value_, cv::to_secure("not-the-so-pin"), env_.pin());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::HsmLoginFailed);
  EXPECT_NE(r.error().message.find("SO PIN was refused"), std::string::npos) << r.error().message;
  auto again = token().find("mk", "secret");  // a private object: only visible to a logged-in user
  ASSERT_TRUE(again) << again.error().message;
  auto after = token().object_labels();
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, *before);
}

TEST_F(TransferKeysTest, UnwrappedDomainKey_IsTheSameKeyAndStillOnlyUnwraps) {
  CV_SKIP_UNLESS_MECHS(token(), Mech::AesKeyWrapPad, Mech::RsaOaepSha1);
  auto domain = token().create_domain_key("dom", cv::to_bytes("kid"), 2048);
  ASSERT_TRUE(domain);
  auto pub = token().rsa_public(domain->pub);
  ASSERT_TRUE(pub);
  auto trusted = token().create_trusted_transfer_key(value_, env_.so_pin(), env_.pin());
  ASSERT_TRUE(trusted);
  auto priv = token().find("dom", "private");
  ASSERT_TRUE(priv);
  auto wrapped = token().wrap(Mech::AesKeyWrapPad, *trusted, *priv);
  ASSERT_TRUE(wrapped);

  auto kek = token().import_transfer_key(value_);
  ASSERT_TRUE(kek) << kek.error().message;
  auto copy = token().unwrap_domain_key(*kek, *wrapped, *pub, "dom-copy", cv::to_bytes("kid2"));
  ASSERT_TRUE(copy) << copy.error().message;
  auto copy_pub = token().rsa_public(copy->priv);
  ASSERT_TRUE(copy_pub);
  EXPECT_EQ(copy_pub->n, pub->n);
  EXPECT_FALSE(token().value_readable(copy->priv));
  // No CKA_DECRYPT: the copy opens OAEP-wrapped keys into the token and never hands plaintext out.
  auto ct = cv::crypto::rsa_encrypt_oaep(*pub, cv::Hash::Sha1, cv::as_bytes("sixteen byte key"));
  ASSERT_TRUE(ct);
  EXPECT_FALSE(token().decrypt(Mech::RsaOaepSha1, copy->priv, *ct));
  auto unwrapped = token().unwrap(Mech::RsaOaepSha1, copy->priv, *ct, KeyType::Aes, KeyUsage{.encrypt = true});
  EXPECT_TRUE(unwrapped) << unwrapped.error().message;

  // A wrong transfer key fails RFC 5649's integrity check and makes nothing.
  auto wrong = token().import_transfer_key(cv::SecureBytes(32, 0x11));
  ASSERT_TRUE(wrong);
  auto bad = token().unwrap_domain_key(*wrong, *wrapped, *pub, "dom-bad", cv::to_bytes("kid3"));
  EXPECT_FALSE(bad);
  EXPECT_FALSE(token().find("dom-bad", "private"));
}

TEST_F(TransferKeysTest, CustodianKey_SignsOnceThenOnlyDecrypts) {
  CV_SKIP_UNLESS_MECHS(token(), Mech::RsaOaepSha1, Mech::RsaPkcs1);
  auto kp = token().create_custodian_key("alice", 2048);
  ASSERT_TRUE(kp) << kp.error().message;
  auto digest_info = cv::crypto::digest_info(cv::Hash::Sha256, cv::crypto::sha256(cv::as_bytes("cert")));
  EXPECT_TRUE(token().sign(Mech::RsaPkcs1, kp->priv, digest_info));
  auto pub = token().rsa_public(kp->pub);
  ASSERT_TRUE(pub);
  ASSERT_TRUE(token().finish_custodian_key(*kp, cv::to_bytes("alice-id")));
  EXPECT_FALSE(token().sign(Mech::RsaPkcs1, kp->priv, digest_info));
  auto by_id = token().find_by_id(cv::to_bytes("alice-id"), "private");
  ASSERT_TRUE(by_id) << by_id.error().message;
  auto ct = cv::crypto::rsa_encrypt_oaep(*pub, cv::Hash::Sha1, cv::as_bytes("a share"));
  ASSERT_TRUE(ct);
  auto pt = token().decrypt(Mech::RsaOaepSha1, *by_id, *ct);
  ASSERT_TRUE(pt) << pt.error().message;
  EXPECT_EQ(cv::as_chars(*pt), "a share");
  EXPECT_FALSE(token().value_readable(kp->priv));
  auto dup = token().create_custodian_key("alice", 2048);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::Conflict);
}

}  // namespace
