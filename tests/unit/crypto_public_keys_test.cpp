// EC parameters, SubjectPublicKeyInfo built from token-style parts, and PEM armour.
#include <gtest/gtest.h>

#include "coldvault/crypto.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

ossl::PkeyPtr parse_spki(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::PkeyPtr k(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_EQ(p, der.data() + der.size());
  return k;
}

TEST(EcParams, AreTheNamedCurveOids) {
  EXPECT_EQ(to_hex(ec_params_der(Curve::P256)), "06082a8648ce3d030107");
  EXPECT_EQ(to_hex(ec_params_der(Curve::P384)), "06052b81040022");
  EXPECT_EQ(to_hex(ec_params_der(Curve::P521)), "06052b81040023");
  for (Curve c : {Curve::P256, Curve::P384, Curve::P521}) {
    auto back = curve_from_params(ec_params_der(c));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, c);
  }
}

TEST(EcParams, RefusesUnknownCurve) {
  const Bytes secp224r1{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x21};  // a named curve Key Vault has no name for
  auto c = curve_from_params(secp224r1);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::Unsupported);
}

TEST(Spki, EcKeyRoundTripsThroughOpenSsl) {
  for (Curve c : kAllCurves) {
    auto key = test_keys::make_ec_key(c);
    auto der = spki_der(test_keys::ec_public_of(key.get(), c));
    ASSERT_TRUE(der) << curve_name(c) << ": " << der.error().message;
    auto parsed = parse_spki(*der);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key.get()), 1) << curve_name(c);
  }
}

TEST(Spki, EcAcceptsRawUncompressedPoint) {
  auto key = test_keys::make_ec_key(Curve::P256);
  EcPublic pub{Curve::P256, ec_params_der(Curve::P256), test_keys::raw_point(key.get())};
  auto der = spki_der(pub);
  ASSERT_TRUE(der) << der.error().message;
  EXPECT_EQ(*der, *spki_der(test_keys::ec_public_of(key.get(), Curve::P256)));
}

TEST(Spki, EcRefusesPointOffTheCurve) {
  auto key = test_keys::make_ec_key(Curve::P256);
  EcPublic pub = test_keys::ec_public_of(key.get(), Curve::P256);
  pub.point.back() ^= 0x01;
  auto der = spki_der(pub);
  ASSERT_FALSE(der);
  EXPECT_EQ(der.error().code, Errc::BadParameter);
}

TEST(Spki, EcRefusesParamsOfAnotherCurve) {
  auto key = test_keys::make_ec_key(Curve::P256);
  EcPublic pub = test_keys::ec_public_of(key.get(), Curve::P256);
  pub.params = ec_params_der(Curve::P384);
  EXPECT_FALSE(spki_der(pub));
}

TEST(Spki, EcRefusesPointOfWrongLength) {
  auto key = test_keys::make_ec_key(Curve::P256);
  EcPublic pub = test_keys::ec_public_of(key.get(), Curve::P256);
  pub.point.pop_back();
  EXPECT_FALSE(spki_der(pub));
  pub.point = {0x04, 0x00};
  EXPECT_FALSE(spki_der(pub));
}

TEST(Spki, RsaKeyRoundTripsThroughOpenSsl) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  auto der = spki_der(test_keys::rsa_public_of(key));
  ASSERT_TRUE(der) << der.error().message;
  auto parsed = parse_spki(*der);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key), 1);
}

TEST(Spki, RsaRefusesEmptyOrEvenModulus) {
  EXPECT_FALSE(spki_der(RsaPublic{{}, {0x01, 0x00, 0x01}}));
  RsaPublic pub = test_keys::rsa_public_of(test_keys::shared_rsa_key());
  pub.n.back() &= 0xfe;
  EXPECT_FALSE(spki_der(pub));
}

TEST(Pem, EncodesIn64ColumnLinesAndDecodesBack) {
  Bytes der(100);
  for (std::size_t i = 0; i < der.size(); ++i) der[i] = static_cast<std::uint8_t>(i * 7);
  const std::string pem = pem_encode("PUBLIC KEY", der);
  EXPECT_EQ(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_NE(pem.find("\n-----END PUBLIC KEY-----\n"), std::string::npos);
  const auto first_line_end = pem.find('\n', 27);
  EXPECT_EQ(first_line_end - 27, 64u);
  auto back = pem_decode(pem, "PUBLIC KEY");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, der);
}

TEST(Pem, DecodeFindsLabelAmongOtherBlocksAndAcceptsCrlf) {
  const Bytes a{1, 2, 3}, b{4, 5, 6, 7};
  std::string pem = pem_encode("CERTIFICATE", a) + pem_encode("PUBLIC KEY", b);
  std::string crlf;
  for (char c : pem) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto got = pem_decode(crlf, "PUBLIC KEY");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, b);
}

TEST(Pem, DecodeRefusesMissingLabelAndBadBase64) {
  const std::string pem = pem_encode("CERTIFICATE", Bytes{1, 2, 3});
  auto missing = pem_decode(pem, "PUBLIC KEY");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::BadParameter);
  EXPECT_FALSE(pem_decode("-----BEGIN X-----\nAQI*\n-----END X-----\n", "X"));
  EXPECT_FALSE(pem_decode("-----BEGIN X-----\nAQID\n", "X"));
}

TEST(Pem, OpenSslReadsOurPublicKeyPem) {
  auto key = test_keys::make_ec_key(Curve::P384);
  auto der = spki_der(test_keys::ec_public_of(key.get(), Curve::P384));
  ASSERT_TRUE(der);
  const std::string pem = pem_encode("PUBLIC KEY", *der);
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::PkeyPtr parsed(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(EVP_PKEY_eq(parsed.get(), key.get()), 1);
}

}  // namespace
}  // namespace cv::crypto
