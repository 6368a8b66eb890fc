// Importing key parts made by OpenSSL, and checking the token's results against OpenSSL.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <memory>

#include "coldvault/hsm.hpp"
#include "hsm/token_env.hpp"

namespace {

using cv::Bytes;
using cv::Curve;
using cv::SecureBytes;
using cv::hsm::KeyType;
using cv::hsm::Mech;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct CipherFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

template <class B>
B bn_param(EVP_PKEY* k, const char* name, std::size_t pad = 0) {
  BIGNUM* raw = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &raw), 1) << name;
  std::unique_ptr<BIGNUM, BnFree> bn(raw);
  std::size_t n = pad != 0 ? pad : static_cast<std::size_t>(BN_num_bytes(bn.get()));
  B out(n);
  BN_bn2binpad(bn.get(), out.data(), static_cast<int>(n));
  return out;
}

Bytes sha256(std::string_view s) {
  Bytes d(32);
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

class ImportTest : public cvtest::TokenTest {};

TEST_F(ImportTest, ImportRsaPrivate_SignaturesVerifyInOpenSsl) {
  CV_SKIP_UNLESS_MECHS(token(), cv::hsm::Mech::RsaPss);
  Pkey k(EVP_RSA_gen(2048));
  ASSERT_TRUE(k);
  cv::RsaPrivate parts;
  parts.n = bn_param<Bytes>(k.get(), OSSL_PKEY_PARAM_RSA_N);
  parts.e = bn_param<Bytes>(k.get(), OSSL_PKEY_PARAM_RSA_E);
  parts.d = bn_param<SecureBytes>(k.get(), OSSL_PKEY_PARAM_RSA_D);
  parts.p = bn_param<SecureBytes>(k.get(), OSSL_PKEY_PARAM_RSA_FACTOR1);
  parts.q = bn_param<SecureBytes>(k.get(), OSSL_PKEY_PARAM_RSA_FACTOR2);
  parts.dp = bn_param<SecureBytes>(k.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1);
  parts.dq = bn_param<SecureBytes>(k.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2);
  parts.qi = bn_param<SecureBytes>(k.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1);

  auto h = token().import_rsa_private(parts, {.sign = true});
  ASSERT_TRUE(h.has_value()) << h.error().message;
  EXPECT_FALSE(token().value_readable(*h));

  Bytes digest = sha256("imported");
  auto sig = token().sign(Mech::RsaPss, *h, digest, cv::Hash::Sha256);
  ASSERT_TRUE(sig.has_value()) << sig.error().message;

  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new(k.get(), nullptr));
  ASSERT_EQ(EVP_PKEY_verify_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST), 1);
  EXPECT_EQ(EVP_PKEY_verify(ctx.get(), sig->data(), sig->size(), digest.data(), digest.size()), 1);

  // And the public half, imported on its own, verifies in the token.
  auto pub = token().import_rsa_public({parts.n, parts.e});
  ASSERT_TRUE(pub.has_value()) << pub.error().message;
  auto ok = token().verify(Mech::RsaPss, *pub, digest, *sig, cv::Hash::Sha256);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(*ok);
}

TEST_F(ImportTest, ImportEcPrivate_SignsForItsPublicKey) {
  CV_SKIP_UNLESS_MECHS(token(), cv::hsm::Mech::Ecdsa);
  Pkey k(EVP_EC_gen("P-256"));
  ASSERT_TRUE(k);
  cv::EcPrivate parts;
  parts.pub.curve = Curve::P256;
  parts.d = bn_param<SecureBytes>(k.get(), OSSL_PKEY_PARAM_PRIV_KEY, 32);
  unsigned char point[65];
  std::size_t point_len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(k.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                            &point_len),
            1);
  ASSERT_EQ(point_len, 65u);
  parts.pub.point = Bytes{0x04, 0x41};  // DER OCTET STRING around the uncompressed point
  parts.pub.point.insert(parts.pub.point.end(), point, point + point_len);

  auto priv = token().import_ec_private(parts, {.sign = true});
  ASSERT_TRUE(priv.has_value()) << priv.error().message;
  EXPECT_FALSE(token().value_readable(*priv));
  auto pub = token().import_ec_public(parts.pub);
  ASSERT_TRUE(pub.has_value()) << pub.error().message;

  Bytes digest = sha256("imported ec");
  auto sig = token().sign(Mech::Ecdsa, *priv, digest);
  ASSERT_TRUE(sig.has_value()) << sig.error().message;
  auto ok = token().verify(Mech::Ecdsa, *pub, digest, *sig);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(*ok);
  auto read = token().ec_public(*pub);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->point, parts.pub.point);
}

TEST_F(ImportTest, ImportEcPrivate_RejectsWrongScalarLength) {
  cv::EcPrivate parts;
  parts.pub.curve = Curve::P384;
  parts.d = SecureBytes(32, 1);
  auto h = token().import_ec_private(parts, {.sign = true});
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, cv::Errc::BadParameter);
}

TEST_F(ImportTest, ImportSecretKey_GcmMatchesOpenSsl) {
  CV_SKIP_UNLESS_MECHS(token(), cv::hsm::Mech::AesGcm);
  SecureBytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  auto h = token().import_secret_key(KeyType::Aes, key, {.encrypt = true, .decrypt = true});
  ASSERT_TRUE(h.has_value()) << h.error().message;
  EXPECT_FALSE(token().value_readable(*h));

  Bytes iv(12, 0xA5);
  Bytes aad = cv::to_bytes("header");
  Bytes plain = cv::to_bytes("interoperable plaintext");
  auto ct = token().gcm_encrypt(*h, iv, aad, plain);
  ASSERT_TRUE(ct.has_value()) << ct.error().message;

  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> c(EVP_CIPHER_CTX_new());
  ASSERT_EQ(EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv.data()), 1);
  int len = 0;
  ASSERT_EQ(EVP_EncryptUpdate(c.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())), 1);
  Bytes expect(plain.size() + 16);
  ASSERT_EQ(
      EVP_EncryptUpdate(c.get(), expect.data(), &len, plain.data(), static_cast<int>(plain.size())),
      1);
  int fin = 0;
  ASSERT_EQ(EVP_EncryptFinal_ex(c.get(), expect.data() + len, &fin), 1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, 16, expect.data() + plain.size()),
            1);
  EXPECT_EQ(*ct, expect);
}

TEST_F(ImportTest, ImportGenericSecret_Of64Bytes) {
  auto h =
      token().import_secret_key(KeyType::GenericSecret, SecureBytes(64, 7), {.extractable = true});
  ASSERT_TRUE(h.has_value()) << h.error().message;
  EXPECT_FALSE(token().value_readable(*h));
}

}  // namespace
