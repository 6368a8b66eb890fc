// RSA encryption with public parts, and OAEP decoding of a raw RSA result (the token's
// CKM_RSA_X_509 path).
#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "coldvault/crypto.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

constexpr std::size_t kModulusBytes = 256;

// What the token returns for CKM_RSA_X_509 decryption: c^d mod n, no padding removed.
Bytes raw_rsa_decrypt(EVP_PKEY* key, ByteView ct) {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  EXPECT_EQ(EVP_PKEY_decrypt_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING), 1);
  std::size_t len = 0;
  EXPECT_EQ(EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ct.data(), ct.size()), 1);
  Bytes out(len);
  EXPECT_EQ(EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ct.data(), ct.size()), 1);
  out.resize(len);
  return out;
}

Bytes openssl_decrypt(EVP_PKEY* key, ByteView ct, int padding, const EVP_MD* md = nullptr) {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  EXPECT_EQ(EVP_PKEY_decrypt_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding), 1);
  if (md) {
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md), 1);
  }
  std::size_t len = 0;
  EXPECT_EQ(EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ct.data(), ct.size()), 1);
  Bytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ct.data(), ct.size()) != 1) return {};
  out.resize(len);
  return out;
}

const Bytes kMessage = to_bytes("a 256-bit content encryption key");

TEST(Oaep, RoundTripsThroughRawRsaForEveryHash) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  const RsaPublic pub = test_keys::rsa_public_of(key);
  for (Hash h : {Hash::Sha1, Hash::Sha256, Hash::Sha384, Hash::Sha512}) {
    auto ct = rsa_encrypt_oaep(pub, h, kMessage);
    ASSERT_TRUE(ct) << ct.error().message;
    ASSERT_EQ(ct->size(), kModulusBytes);
    const Bytes em = raw_rsa_decrypt(key, *ct);
    auto pt = oaep_decode(em, h, kModulusBytes);
    ASSERT_TRUE(pt) << static_cast<int>(h);
    EXPECT_EQ(Bytes(pt->begin(), pt->end()), kMessage);
  }
}

TEST(Oaep, DecodeAcceptsRawResultWithoutLeadingZeros) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  auto ct = rsa_encrypt_oaep(test_keys::rsa_public_of(key), Hash::Sha256, kMessage);
  ASSERT_TRUE(ct);
  Bytes em = raw_rsa_decrypt(key, *ct);
  ASSERT_EQ(em[0], 0x00);  // OAEP's first byte
  em.erase(em.begin());
  auto pt = oaep_decode(em, Hash::Sha256, kModulusBytes);
  ASSERT_TRUE(pt);
  EXPECT_EQ(Bytes(pt->begin(), pt->end()), kMessage);
}

TEST(Oaep, DecodeFailuresShareOneMessage) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  auto ct = rsa_encrypt_oaep(test_keys::rsa_public_of(key), Hash::Sha256, kMessage);
  ASSERT_TRUE(ct);
  const Bytes em = raw_rsa_decrypt(key, *ct);

  std::vector<Result<SecureBytes>> failures;
  failures.push_back(oaep_decode(em, Hash::Sha1, kModulusBytes));  // wrong hash
  Bytes flipped = em;
  flipped[100] ^= 0x01;  // inside the masked data block
  failures.push_back(oaep_decode(flipped, Hash::Sha256, kModulusBytes));
  Bytes high = em;
  high[0] = 0x01;  // leading byte must be zero
  failures.push_back(oaep_decode(high, Hash::Sha256, kModulusBytes));
  failures.push_back(oaep_decode(Bytes(kModulusBytes + 1, 0), Hash::Sha256, kModulusBytes));
  failures.push_back(oaep_decode(em, Hash::Sha512, 64));  // modulus too small for the hash
  for (const auto& f : failures) {
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().code, Errc::BadParameter);
    EXPECT_EQ(f.error().message, "decryption failed");
    EXPECT_TRUE(f.error().native.empty());
  }
}

TEST(Oaep, EncryptionDecryptsWithOpenSsl) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  auto ct = rsa_encrypt_oaep(test_keys::rsa_public_of(key), Hash::Sha256, kMessage);
  ASSERT_TRUE(ct);
  EXPECT_EQ(openssl_decrypt(key, *ct, RSA_PKCS1_OAEP_PADDING, EVP_sha256()), kMessage);
  // Randomised padding: the same message encrypts differently each time.
  EXPECT_NE(*ct, *rsa_encrypt_oaep(test_keys::rsa_public_of(key), Hash::Sha256, kMessage));
}

TEST(Oaep, EncryptRefusesDataTooLongForKey) {
  const Bytes big(kModulusBytes - 2 * 32 - 1, 0xaa);  // one byte over the OAEP-SHA-256 limit
  auto ct =
      rsa_encrypt_oaep(test_keys::rsa_public_of(test_keys::shared_rsa_key()), Hash::Sha256, big);
  ASSERT_FALSE(ct);
  EXPECT_EQ(ct.error().code, Errc::BadParameter);
}

TEST(Pkcs1Encrypt, DecryptsWithOpenSsl) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  auto ct = rsa_encrypt_pkcs1(test_keys::rsa_public_of(key), kMessage);
  ASSERT_TRUE(ct) << ct.error().message;
  EXPECT_EQ(ct->size(), kModulusBytes);
  EXPECT_EQ(openssl_decrypt(key, *ct, RSA_PKCS1_PADDING), kMessage);
}

TEST(RsaEncrypt, RefusesInvalidPublicKey) {
  auto ct = rsa_encrypt_oaep(RsaPublic{{0x0f}, {0x03}}, Hash::Sha256, kMessage);
  ASSERT_FALSE(ct);
}

}  // namespace
}  // namespace cv::crypto
