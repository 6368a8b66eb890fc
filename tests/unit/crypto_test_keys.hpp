// Test-only helpers for the crypto tests: in-process OpenSSL keys standing in for token keys, and
// the public parts a token would report for them.
#pragma once

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "coldvault/crypto.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto::test_keys {

inline ossl::PkeyPtr make_ec_key(Curve c) {
  const char* group = c == Curve::P256    ? "P-256"
                      : c == Curve::P384  ? "P-384"
                      : c == Curve::P256K ? "secp256k1"
                                          : "P-521";
  ossl::PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group));
  EXPECT_TRUE(k);
  return k;
}

// RSA-2048 generation is slow (~100 ms), so the tests share one key.
inline EVP_PKEY* shared_rsa_key() {
  static ossl::PkeyPtr k(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
  return k.get();
}

inline Bytes raw_point(const EVP_PKEY* k) {
  unsigned char buf[256];
  std::size_t len = 0;
  EXPECT_EQ(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof buf, &len), 1);
  return Bytes(buf, buf + len);
}

// The public half as PKCS#11 reports it: CKA_EC_PARAMS OID and CKA_EC_POINT as a DER OCTET STRING.
inline EcPublic ec_public_of(const EVP_PKEY* k, Curve c) {
  Bytes raw = raw_point(k);
  Bytes der{0x04};
  if (raw.size() >= 0x80) der.push_back(0x81);
  der.push_back(static_cast<std::uint8_t>(raw.size()));
  der.insert(der.end(), raw.begin(), raw.end());
  return EcPublic{c, ec_params_der(c), der};
}

inline Bytes bn_param(const EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &bn), 1) << name;
  ossl::BnPtr guard(bn);
  return bn ? ossl::bn_bytes(bn) : Bytes{};
}

inline RsaPublic rsa_public_of(const EVP_PKEY* k) {
  return RsaPublic{bn_param(k, OSSL_PKEY_PARAM_RSA_N), bn_param(k, OSSL_PKEY_PARAM_RSA_E)};
}

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// A key file whose public half is not its private half's: OpenSSL reads such a file without complaint, and
// a certificate container only compares the certificate with the public half. The private half of `priv`
// with the public point of `pub`.
inline ossl::PkeyPtr ec_key_with_foreign_public(const EVP_PKEY* priv, const EVP_PKEY* pub) {
  BIGNUM* d = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
  ossl::SecretBnPtr d_owned(d);
  Bytes point = raw_point(pub);
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  ossl::ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* out = nullptr;
  EXPECT_EQ(EVP_PKEY_fromdata_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_KEYPAIR, params.get()), 1);
  return ossl::PkeyPtr(out);
}

}  // namespace cv::crypto::test_keys
