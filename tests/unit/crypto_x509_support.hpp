// Test-only: in-process OpenSSL keys standing in for token keys when building certificates through
// the x509.hpp API (signers that answer like the token does), and small DER helpers.
#pragma once

#include <gtest/gtest.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "coldvault/x509.hpp"
#include "crypto/ossl.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto::x509_test {

using X509ReqPtr = std::unique_ptr<X509_REQ, ossl::Deleter<X509_REQ_free>>;

// What the token does with CKM_RSA_PKCS: PKCS#1 v1.5 type-1 padding around the given DigestInfo.
inline DigestSigner rsa_signer(EVP_PKEY* key, int* calls = nullptr) {
  return [key, calls](ByteView digest_info) -> Result<Bytes> {
    if (calls) ++*calls;
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    std::size_t len = 0;
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_sign(ctx.get(), nullptr, &len, digest_info.data(), digest_info.size()) != 1)
      return fail(Errc::HsmFailure, "sign init");
    Bytes sig(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest_info.data(), digest_info.size()) != 1)
      return fail(Errc::HsmFailure, "sign");
    sig.resize(len);
    return sig;
  };
}

// What the token does with CKM_ECDSA: r||s over the digest it is given.
inline DigestSigner ec_signer(EVP_PKEY* key, Curve c, int* calls = nullptr) {
  return [key, c, calls](ByteView digest) -> Result<Bytes> {
    if (calls) ++*calls;
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    std::size_t len = 0;
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1)
      return fail(Errc::HsmFailure, "sign init");
    Bytes der(len);
    if (EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size()) != 1)
      return fail(Errc::HsmFailure, "sign");
    der.resize(len);
    return ecdsa_der_to_raw(der, curve_bytes(c));
  };
}

inline SigningKey rsa_signing_key(EVP_PKEY* key, int* calls = nullptr) {
  return SigningKey{test_keys::rsa_public_of(key), std::nullopt, rsa_signer(key, calls)};
}
inline SigningKey ec_signing_key(EVP_PKEY* key, Curve c, int* calls = nullptr) {
  return SigningKey{std::nullopt, test_keys::ec_public_of(key, c), ec_signer(key, c, calls)};
}

inline ossl::X509Ptr parse_der(ByteView der) {
  const unsigned char* p = der.data();
  return ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

inline Bytes der_of(X509* cert) {
  auto der = ossl::to_der<X509>(cert, i2d_X509, "certificate");
  EXPECT_TRUE(der);
  return der ? *der : Bytes{};
}

// A self-signed certificate for a software key, made through the API under test.
inline Bytes self_signed_for(EVP_PKEY* key, std::string subject) {
  X509Request req;
  req.subject = std::move(subject);
  const bool rsa = EVP_PKEY_is_a(key, "RSA");
  Curve c = Curve::P256;
  if (!rsa) {
    const int bits = EVP_PKEY_get_bits(key);
    c = bits == 384 ? Curve::P384 : bits == 521 ? Curve::P521 : Curve::P256;
  }
  auto der = self_signed_certificate(req, rsa ? rsa_signing_key(key) : ec_signing_key(key, c));
  EXPECT_TRUE(der) << der.error().message << " / " << der.error().native;
  return der ? *der : Bytes{};
}

}  // namespace cv::crypto::x509_test
