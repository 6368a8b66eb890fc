// ECDSA r||s <-> DER conversions.
#include <gtest/gtest.h>

#include "coldvault/crypto.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

Bytes filled(std::size_t n, std::uint8_t v) { return Bytes(n, v); }

TEST(Ecdsa, RawToDerAndBackRoundTrips) {
  Bytes raw = filled(32, 0x11);
  const Bytes s = filled(32, 0xf0);  // high bit set: DER needs a leading zero byte
  raw.insert(raw.end(), s.begin(), s.end());
  auto der = ecdsa_raw_to_der(raw);
  ASSERT_TRUE(der) << der.error().message;
  EXPECT_EQ((*der)[0], 0x30);
  auto back = ecdsa_der_to_raw(*der, 32);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, raw);
}

TEST(Ecdsa, DerToRawPadsShortIntegers) {
  // r = 1, s = 0x0100: both shorter than the coordinate size.
  const Bytes der{0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01, 0x00};
  auto raw = ecdsa_der_to_raw(der, 32);
  ASSERT_TRUE(raw) << raw.error().message;
  ASSERT_EQ(raw->size(), 64u);
  EXPECT_EQ((*raw)[31], 0x01);
  EXPECT_EQ((*raw)[62], 0x01);
  EXPECT_EQ((*raw)[63], 0x00);
  auto again = ecdsa_raw_to_der(*raw);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, der);
}

TEST(Ecdsa, DerToRawRefusesTrailingBytes) {
  Bytes der{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x00};
  auto raw = ecdsa_der_to_raw(der, 32);
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.error().code, Errc::BadParameter);
}

TEST(Ecdsa, DerToRawRefusesNonCanonicalLength) {
  // Long-form length for a short sequence is valid BER but not DER.
  const Bytes der{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
  EXPECT_FALSE(ecdsa_der_to_raw(der, 32));
}

TEST(Ecdsa, DerToRawRefusesIntegersWiderThanTheCurve) {
  Bytes raw = filled(48, 0x22);
  raw.resize(96, 0x33);
  auto der = ecdsa_raw_to_der(raw);
  ASSERT_TRUE(der);
  EXPECT_FALSE(ecdsa_der_to_raw(*der, 32));
}

TEST(Ecdsa, RawToDerRefusesOddOrEmptyInput) {
  EXPECT_FALSE(ecdsa_raw_to_der(filled(63, 1)));
  EXPECT_FALSE(ecdsa_raw_to_der(Bytes{}));
  EXPECT_FALSE(ecdsa_raw_to_der(filled(64, 0)));
}

TEST(Ecdsa, OpenSslSignatureSurvivesRoundTripAndVerifies) {
  for (Curve c : {Curve::P256, Curve::P384, Curve::P521}) {
    auto key = test_keys::make_ec_key(c);
    const Bytes md = sha256(as_bytes("payload"));
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    ASSERT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
    std::size_t len = 0;
    ASSERT_EQ(EVP_PKEY_sign(ctx.get(), nullptr, &len, md.data(), md.size()), 1);
    Bytes der(len);
    ASSERT_EQ(EVP_PKEY_sign(ctx.get(), der.data(), &len, md.data(), md.size()), 1);
    der.resize(len);

    auto raw = ecdsa_der_to_raw(der, curve_bytes(c));
    ASSERT_TRUE(raw) << raw.error().message;
    EXPECT_EQ(raw->size(), 2 * curve_bytes(c));
    auto der2 = ecdsa_raw_to_der(*raw);
    ASSERT_TRUE(der2);
    EXPECT_EQ(*der2, der);
    ossl::PkeyCtxPtr vctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    ASSERT_EQ(EVP_PKEY_verify_init(vctx.get()), 1);
    EXPECT_EQ(EVP_PKEY_verify(vctx.get(), der2->data(), der2->size(), md.data(), md.size()), 1);
  }
}

}  // namespace
}  // namespace cv::crypto
