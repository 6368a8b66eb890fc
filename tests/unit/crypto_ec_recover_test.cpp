// ECDSA public key recovery (coldvault/ec_recover.hpp) against OpenSSL's own signatures: the signer's point is
// always among the candidates, and two signatures over different digests share only it.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "coldvault/crypto.hpp"
#include "coldvault/ec_recover.hpp"

namespace cv::crypto {
namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Bytes point_of(EVP_PKEY* k) {
  Bytes p(200);
  std::size_t n = 0;
  EXPECT_EQ(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, p.data(), p.size(), &n), 1);
  p.resize(n);
  return p;
}

// r||s of an OpenSSL ECDSA signature of `digest` (signed as a prehashed value).
Bytes sign_raw(EVP_PKEY* k, const Bytes& digest, std::size_t w) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> c(EVP_PKEY_CTX_new(k, nullptr), EVP_PKEY_CTX_free);
  EXPECT_EQ(EVP_PKEY_sign_init(c.get()), 1);
  Bytes der(200);
  std::size_t n = der.size();
  EXPECT_EQ(EVP_PKEY_sign(c.get(), der.data(), &n, digest.data(), digest.size()), 1);
  der.resize(n);
  auto raw = ecdsa_der_to_raw(der, w);
  EXPECT_TRUE(raw);
  return *raw;
}

TEST(EcRecover, TheSignersPointIsTheOneTwoSignaturesShareOnEveryCurve) {
  for (auto [name, curve] : {std::pair{"P-256", Curve::P256}, std::pair{"P-384", Curve::P384},
                             std::pair{"P-521", Curve::P521}}) {
    Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", name), EVP_PKEY_free);
    ASSERT_TRUE(k);
    const std::size_t w = curve_bytes(curve);
    const Bytes d1(32, 0x5a), d2(48, 0xc3);
    auto a = ecdsa_recover_points(curve, d1, sign_raw(k.get(), d1, w));
    auto b = ecdsa_recover_points(curve, d2, sign_raw(k.get(), d2, w));
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_GE(a->size(), 1u);
    EXPECT_LE(a->size(), 4u);
    std::vector<Bytes> both;
    for (const auto& q : *a)
      if (std::find(b->begin(), b->end(), q) != b->end()) both.push_back(q);
    ASSERT_EQ(both.size(), 1u) << name;
    EXPECT_EQ(both.front(), point_of(k.get())) << name;
  }
}

TEST(EcRecover, ASignatureOfAnotherDigestDoesNotYieldTheSigner) {
  Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  const Bytes d(32, 0x11), other(32, 0x12);
  auto pts = ecdsa_recover_points(Curve::P256, other, sign_raw(k.get(), d, 32));
  ASSERT_TRUE(pts);
  EXPECT_EQ(std::find(pts->begin(), pts->end(), point_of(k.get())), pts->end());
}

TEST(EcRecover, RefusesMalformedSignatures) {
  const Bytes d(32, 1);
  EXPECT_EQ(ecdsa_recover_points(Curve::P256, d, Bytes(63, 1)).error().code, Errc::BadParameter);
  EXPECT_EQ(ecdsa_recover_points(Curve::P256, d, Bytes(64, 0)).error().code, Errc::BadParameter);  // r = s = 0
  EXPECT_EQ(ecdsa_recover_points(Curve::P256, d, Bytes(64, 0xff)).error().code, Errc::BadParameter);  // >= n
  EXPECT_EQ(ecdsa_recover_points(Curve::P256, Bytes(), Bytes(64, 1)).error().code, Errc::BadParameter);
}

}  // namespace
}  // namespace cv::crypto
