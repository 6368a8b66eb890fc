// Private key PEM parsing for import: every PEM form OpenSSL writes, passwords, and refusals.
#include <gtest/gtest.h>
#include <openssl/param_build.h>

#include "coldvault/crypto.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

enum class Form { Traditional, TraditionalEncrypted, Pkcs8, Pkcs8Encrypted };
constexpr char kPassword[] = "correct horse battery staple";

std::string write_pem(EVP_PKEY* key, Form form) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  auto* pw = reinterpret_cast<const unsigned char*>(kPassword);
  const int pwlen = static_cast<int>(sizeof kPassword - 1);
  int ok = 0;
  switch (form) {
    case Form::Traditional:
      ok = PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                                nullptr);
      break;
    case Form::TraditionalEncrypted:
      ok = PEM_write_bio_PrivateKey_traditional(bio.get(), key, EVP_aes_128_cbc(), pw, pwlen,
                                                nullptr, nullptr);
      break;
    case Form::Pkcs8:
      ok = PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
      break;
    case Form::Pkcs8Encrypted:
      ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), kPassword, pwlen,
                                         nullptr, nullptr);
      break;
  }
  EXPECT_EQ(ok, 1);
  return test_keys::bio_text(bio.get());
}

SecureString password() { return SecureString(kPassword); }

Bytes plain(const SecureBytes& b) { return Bytes(b.begin(), b.end()); }

void expect_rsa_parts(EVP_PKEY* key, const PrivateKeyParts& parts) {
  ASSERT_TRUE(parts.is_rsa);
  const RsaPrivate& r = parts.rsa;
  EXPECT_EQ(r.n, test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_N));
  EXPECT_EQ(r.e, (Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(plain(r.d), test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_D));
  EXPECT_EQ(plain(r.p), test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1));
  EXPECT_EQ(plain(r.q), test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2));
  EXPECT_EQ(plain(r.dp), test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT1));
  EXPECT_EQ(plain(r.dq), test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT2));
  EXPECT_EQ(plain(r.qi), test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  EXPECT_NE(r.n.front(), 0x00);
}

void expect_ec_parts(EVP_PKEY* key, Curve c, const PrivateKeyParts& parts) {
  ASSERT_FALSE(parts.is_rsa);
  const EcPrivate& e = parts.ec;
  EXPECT_EQ(e.pub.curve, c);
  EXPECT_EQ(e.pub.params, ec_params_der(c));
  EXPECT_EQ(e.pub.point, test_keys::ec_public_of(key, c).point);
  ASSERT_EQ(e.d.size(), curve_bytes(c));
  Bytes d = test_keys::bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY);
  d.insert(d.begin(), curve_bytes(c) - d.size(), 0x00);
  EXPECT_EQ(plain(e.d), d);
  // The parts describe a usable public key.
  auto spki = spki_der(e.pub);
  EXPECT_TRUE(spki);
}

class ParseRsaKey : public ::testing::TestWithParam<Form> {};
TEST_P(ParseRsaKey, YieldsAllParts) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  auto parts = parse_private_key_pem(write_pem(key, GetParam()), password());
  ASSERT_TRUE(parts) << parts.error().message << " / " << parts.error().native;
  expect_rsa_parts(key, *parts);
}
INSTANTIATE_TEST_SUITE_P(AllForms, ParseRsaKey,
                         ::testing::Values(Form::Traditional, Form::TraditionalEncrypted,
                                           Form::Pkcs8, Form::Pkcs8Encrypted));

class ParseEcKey : public ::testing::TestWithParam<std::tuple<Form, Curve>> {};
TEST_P(ParseEcKey, YieldsCurvePointAndPaddedScalar) {
  auto [form, curve] = GetParam();
  auto key = test_keys::make_ec_key(curve);
  auto parts = parse_private_key_pem(write_pem(key.get(), form), password());
  ASSERT_TRUE(parts) << parts.error().message << " / " << parts.error().native;
  expect_ec_parts(key.get(), curve, *parts);
}
INSTANTIATE_TEST_SUITE_P(
    AllForms, ParseEcKey,
    ::testing::Combine(::testing::Values(Form::Traditional, Form::TraditionalEncrypted, Form::Pkcs8,
                                         Form::Pkcs8Encrypted),
                       ::testing::Values(Curve::P256, Curve::P384, Curve::P521)));

TEST(ParsePrivateKey, PemLabelsAreTheExpectedForms) {
  EVP_PKEY* rsa = test_keys::shared_rsa_key();
  auto ec = test_keys::make_ec_key(Curve::P256);
  EXPECT_NE(write_pem(rsa, Form::Traditional).find("BEGIN RSA PRIVATE KEY"), std::string::npos);
  EXPECT_NE(write_pem(ec.get(), Form::Traditional).find("BEGIN EC PRIVATE KEY"), std::string::npos);
  EXPECT_NE(write_pem(rsa, Form::Pkcs8).find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_NE(write_pem(rsa, Form::Pkcs8Encrypted).find("BEGIN ENCRYPTED PRIVATE KEY"),
            std::string::npos);
}

TEST(ParsePrivateKey, WrongPasswordIsBadParameterWithoutSecrets) {
  for (Form form : {Form::Pkcs8Encrypted, Form::TraditionalEncrypted}) {
    auto parts = parse_private_key_pem(write_pem(test_keys::shared_rsa_key(), form),
                                       SecureString("hunter2"));
    ASSERT_FALSE(parts);
    EXPECT_EQ(parts.error().code, Errc::BadParameter);
    EXPECT_EQ(parts.error().message, "wrong password or not a private key");
    EXPECT_EQ(parts.error().native.find("hunter2"), std::string::npos);
  }
}

TEST(ParsePrivateKey, EncryptedKeyWithEmptyPasswordFails) {
  auto ec = test_keys::make_ec_key(Curve::P256);
  auto parts = parse_private_key_pem(write_pem(ec.get(), Form::Pkcs8Encrypted), SecureString());
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().code, Errc::BadParameter);
}

TEST(ParsePrivateKey, PlainKeyIgnoresPassword) {
  auto ec = test_keys::make_ec_key(Curve::P256);
  auto parts = parse_private_key_pem(write_pem(ec.get(), Form::Pkcs8), SecureString());
  ASSERT_TRUE(parts);
  expect_ec_parts(ec.get(), Curve::P256, *parts);
}

TEST(ParsePrivateKey, RefusesNonKeys) {
  EXPECT_FALSE(parse_private_key_pem("hello", SecureString()));
  EXPECT_FALSE(parse_private_key_pem("", SecureString()));
  auto der = spki_der(test_keys::rsa_public_of(test_keys::shared_rsa_key()));
  ASSERT_TRUE(der);
  auto parts = parse_private_key_pem(pem_encode("PUBLIC KEY", *der), SecureString());
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().code, Errc::BadParameter);
}

TEST(ParsePrivateKey, RefusesOtherKeyTypes) {
  ossl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  auto parts = parse_private_key_pem(write_pem(ed.get(), Form::Pkcs8), SecureString());
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().code, Errc::Unsupported);
}

TEST(ParsePrivateKey, RefusesAKeyWhosePublicHalfIsAnotherKeys) {
  auto a = test_keys::make_ec_key(Curve::P256);
  auto b = test_keys::make_ec_key(Curve::P256);
  auto mixed = test_keys::ec_key_with_foreign_public(a.get(), b.get());
  ASSERT_TRUE(mixed);
  for (Form form : {Form::Traditional, Form::Pkcs8}) {
    auto parts = parse_private_key_pem(write_pem(mixed.get(), form), SecureString());
    ASSERT_FALSE(parts) << "a private key that does not match its own public key was accepted";
    EXPECT_EQ(parts.error().code, Errc::BadParameter);
  }
  // The same key made whole is accepted.
  auto whole = test_keys::ec_key_with_foreign_public(a.get(), a.get());
  EXPECT_TRUE(parse_private_key_pem(write_pem(whole.get(), Form::Pkcs8), SecureString()));
}

}  // namespace
}  // namespace cv::crypto
