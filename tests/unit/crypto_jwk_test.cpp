// Public JWK members and SubjectPublicKeyInfo parsing: RFC 7515 keys as known answers, round trips
// through OpenSSL keys, and the malformed inputs that must be refused.
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "crypto_rfc7515_vectors.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

constexpr Curve kCurves[] = {Curve::P256, Curve::P384, Curve::P521};

std::string b64u_of(ByteView b) { return base64url_encode(b); }

TEST(JwkPublic, RsaMembersAreMinimalBase64url) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  const RsaPublic pub = test_keys::rsa_public_of(key);
  auto jwk = jwk_public(pub);
  ASSERT_TRUE(jwk) << jwk.error().message;
  EXPECT_EQ(jwk->kty, "RSA");
  EXPECT_EQ(jwk->e, "AQAB");  // 65537
  EXPECT_EQ(base64url_decode(jwk->n).value(), pub.n);
  EXPECT_TRUE(jwk->crv.empty() && jwk->x.empty() && jwk->y.empty());
  // A token reporting the modulus with a sign byte still yields the minimal encoding.
  RsaPublic padded = pub;
  padded.n.insert(padded.n.begin(), 0);
  EXPECT_EQ(jwk_public(padded).value().n, jwk->n);
}

TEST(JwkPublic, RsaRoundTripsAndMatchesRfc7515) {
  auto pub = rsa_public_from_jwk(rfc7515::kRsaN, rfc7515::kRsaE);
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(pub->n.size(), 256u);
  EXPECT_EQ(pub->e, (Bytes{0x01, 0x00, 0x01}));
  auto jwk = jwk_public(*pub);
  ASSERT_TRUE(jwk);
  EXPECT_EQ(jwk->n, rfc7515::kRsaN);
  EXPECT_EQ(jwk->e, rfc7515::kRsaE);
}

TEST(JwkPublic, RsaFromJwkStripsLeadingZerosAndRefusesBadModulus) {
  const Bytes n = base64url_decode(rfc7515::kRsaN).value();
  Bytes padded{0, 0};
  padded.insert(padded.end(), n.begin(), n.end());
  auto pub = rsa_public_from_jwk(b64u_of(padded), "AQAB");
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->n, n);

  Bytes even = n;
  even.back() &= 0xfe;
  for (auto [nn, e] : {std::pair{b64u_of(even), std::string("AQAB")},
                       std::pair{std::string(rfc7515::kRsaN), std::string("AQA+")},
                       std::pair{std::string(rfc7515::kRsaN) + "=", std::string("AQAB")},
                       std::pair{std::string(""), std::string("AQAB")},
                       std::pair{b64u_of(Bytes(4096, 0xff)), std::string("AQAB")}}) {
    auto r = rsa_public_from_jwk(nn, e);
    ASSERT_FALSE(r) << nn.substr(0, 10) << " " << e;
    EXPECT_EQ(r.error().code, Errc::BadParameter);
  }
}

TEST(JwkPublic, EcCoordinatesAreFullWidthAndRoundTrip) {
  for (Curve c : kCurves) {
    auto key = test_keys::make_ec_key(c);
    const EcPublic pub = test_keys::ec_public_of(key.get(), c);
    auto jwk = jwk_public(pub);
    ASSERT_TRUE(jwk) << jwk.error().message;
    EXPECT_EQ(jwk->kty, "EC");
    EXPECT_EQ(jwk->crv, curve_name(c));
    const Bytes raw = test_keys::raw_point(key.get());
    const std::size_t w = curve_bytes(c);
    EXPECT_EQ(base64url_decode(jwk->x).value(), Bytes(raw.begin() + 1, raw.begin() + 1 + w));
    EXPECT_EQ(base64url_decode(jwk->y).value(), Bytes(raw.begin() + 1 + w, raw.end()));
    EXPECT_TRUE(jwk->n.empty() && jwk->e.empty());

    auto back = ec_public_from_jwk(jwk->crv, jwk->x, jwk->y);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->curve, c);
    EXPECT_EQ(back->params, pub.params);
    EXPECT_EQ(back->point, pub.point);  // the DER OCTET STRING form a token reports
  }
}

TEST(JwkPublic, EcXWithLeadingZeroStaysFullWidth) {
  // About one P-256 key in 256 has x < 2^248; keep generating until one does.
  for (int i = 0; i < 5000; ++i) {
    auto key = test_keys::make_ec_key(Curve::P256);
    const Bytes raw = test_keys::raw_point(key.get());
    if (raw[1] != 0) continue;
    auto jwk = jwk_public(test_keys::ec_public_of(key.get(), Curve::P256));
    ASSERT_TRUE(jwk);
    EXPECT_EQ(jwk->x.size(), 43u);
    EXPECT_EQ(base64url_decode(jwk->x).value().size(), 32u);
    EXPECT_EQ(base64url_decode(jwk->x).value()[0], 0);
    return;
  }
  FAIL() << "no key with a leading zero in x";
}

TEST(JwkPublic, EcFromJwkAcceptsRfc7515Keys) {
  auto p256 = ec_public_from_jwk("P-256", rfc7515::kP256X, rfc7515::kP256Y);
  ASSERT_TRUE(p256) << p256.error().message;
  EXPECT_EQ(p256->point.size(), 2u + 65u);
  auto p521 = ec_public_from_jwk("P-521", rfc7515::kP521X, rfc7515::kP521Y);
  ASSERT_TRUE(p521) << p521.error().message;
  EXPECT_EQ(p521->curve, Curve::P521);
  auto jwk = jwk_public(*p521);
  ASSERT_TRUE(jwk);
  EXPECT_EQ(jwk->x, rfc7515::kP521X);
  EXPECT_EQ(jwk->y, rfc7515::kP521Y);
}

TEST(JwkPublic, EcFromJwkRefusesBadInput) {
  Bytes y = base64url_decode(rfc7515::kP256Y).value();
  y.back() ^= 0x01;  // no longer on the curve
  const Bytes x = base64url_decode(rfc7515::kP256X).value();
  const std::string good_x = rfc7515::kP256X, good_y = rfc7515::kP256Y;
  struct Case {
    std::string crv, x, y;
  };
  for (const Case& c : {Case{"P-256", good_x, b64u_of(y)}, Case{"P-256K", good_x, good_y},
                        Case{"p-256", good_x, good_y}, Case{"P-384", good_x, good_y},
                        Case{"P-256", b64u_of(ByteView(x).subspan(1)), good_y},
                        Case{"P-256", good_x + "A", good_y}, Case{"P-256", good_x, good_y + "="}}) {
    auto r = ec_public_from_jwk(c.crv, c.x, c.y);
    ASSERT_FALSE(r) << c.crv << " " << c.x << " " << c.y;
    EXPECT_EQ(r.error().code, Errc::BadParameter);
  }
}

TEST(JwkPublic, InvalidPublicPartsAreRefused) {
  EcPublic off_curve = ec_public_from_jwk("P-256", rfc7515::kP256X, rfc7515::kP256Y).value();
  off_curve.point.back() ^= 0x01;
  auto r = jwk_public(off_curve);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  auto rsa = jwk_public(RsaPublic{});
  ASSERT_FALSE(rsa);
  EXPECT_EQ(rsa.error().code, Errc::BadParameter);
}

TEST(SpkiParse, RsaRoundTripsThroughDer) {
  const RsaPublic pub = test_keys::rsa_public_of(test_keys::shared_rsa_key());
  auto der = spki_der(pub);
  ASSERT_TRUE(der);
  auto back = rsa_public_from_spki(*der);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->n, pub.n);
  EXPECT_EQ(back->e, pub.e);
  auto wrong_type = ec_public_from_spki(*der);
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().code, Errc::BadParameter);
}

TEST(SpkiParse, EcRoundTripsThroughDerOnEveryCurve) {
  for (Curve c : kCurves) {
    auto key = test_keys::make_ec_key(c);
    const EcPublic pub = test_keys::ec_public_of(key.get(), c);
    auto der = spki_der(pub);
    ASSERT_TRUE(der);
    auto back = ec_public_from_spki(*der);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->curve, c);
    EXPECT_EQ(back->params, pub.params);
    EXPECT_EQ(back->point, pub.point);
    auto wrong_type = rsa_public_from_spki(*der);
    ASSERT_FALSE(wrong_type);
    EXPECT_EQ(wrong_type.error().code, Errc::BadParameter);
  }
}

TEST(SpkiParse, CompressedPointComesBackUncompressed) {
  auto key = test_keys::make_ec_key(Curve::P256);
  const EcPublic pub = test_keys::ec_public_of(key.get(), Curve::P256);
  ASSERT_EQ(EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                           "compressed"),
            1);
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(key.get(), &out);
  ASSERT_GT(len, 0);
  const Bytes der(out, out + len);
  OPENSSL_free(out);
  ASSERT_LT(der.size(), spki_der(pub).value().size());  // really compressed
  auto back = ec_public_from_spki(der);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->point, pub.point);
}

TEST(SpkiParse, MalformedOrTrailingBytesAreBadParameter) {
  Bytes der = spki_der(test_keys::rsa_public_of(test_keys::shared_rsa_key())).value();
  der.push_back(0);
  EXPECT_EQ(rsa_public_from_spki(der).error().code, Errc::BadParameter);
  der.pop_back();
  der.resize(der.size() / 2);
  EXPECT_EQ(rsa_public_from_spki(der).error().code, Errc::BadParameter);
  EXPECT_EQ(ec_public_from_spki(Bytes{}).error().code, Errc::BadParameter);
}

}  // namespace
}  // namespace cv::crypto
