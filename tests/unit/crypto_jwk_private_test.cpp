// Private JWK import parsing: RFC 7515 keys as known answers, keys exported from OpenSSL, and the
// inconsistent or malformed JWKs that must never reach a token.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "crypto_rfc7515_vectors.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

using nlohmann::json;

std::string b64u(ByteView b) { return base64url_encode(b); }
Bytes plain(const SecureBytes& s) { return Bytes(s.begin(), s.end()); }

json rfc_rsa_jwk() {
  return json{{"kty", "RSA"},          {"n", rfc7515::kRsaN},   {"e", rfc7515::kRsaE},
              {"d", rfc7515::kRsaD},   {"p", rfc7515::kRsaP},   {"q", rfc7515::kRsaQ},
              {"dp", rfc7515::kRsaDp}, {"dq", rfc7515::kRsaDq}, {"qi", rfc7515::kRsaQi}};
}

json rfc_ec_jwk() {
  return json{{"kty", "EC"},
              {"crv", "P-256"},
              {"x", rfc7515::kP256X},
              {"y", rfc7515::kP256Y},
              {"d", rfc7515::kP256D}};
}

json rsa_jwk_of(const EVP_PKEY* k) {
  auto m = [k](const char* name) { return b64u(test_keys::bn_param(k, name)); };
  return json{{"kty", "RSA-HSM"},
              {"n", m(OSSL_PKEY_PARAM_RSA_N)},
              {"e", m(OSSL_PKEY_PARAM_RSA_E)},
              {"d", m(OSSL_PKEY_PARAM_RSA_D)},
              {"p", m(OSSL_PKEY_PARAM_RSA_FACTOR1)},
              {"q", m(OSSL_PKEY_PARAM_RSA_FACTOR2)},
              {"dp", m(OSSL_PKEY_PARAM_RSA_EXPONENT1)},
              {"dq", m(OSSL_PKEY_PARAM_RSA_EXPONENT2)},
              {"qi", m(OSSL_PKEY_PARAM_RSA_COEFFICIENT1)}};
}

void expect_bad(const json& j, const char* why) {
  auto r = parse_private_jwk(j.dump());
  ASSERT_FALSE(r) << why;
  EXPECT_EQ(r.error().code, Errc::BadParameter) << why << ": " << r.error().message;
}

TEST(PrivateJwk, ParsesRfc7515RsaKey) {
  auto parts = parse_private_jwk(rfc_rsa_jwk().dump());
  ASSERT_TRUE(parts) << parts.error().message << " / " << parts.error().native;
  EXPECT_TRUE(parts->is_rsa);
  EXPECT_EQ(b64u(parts->rsa.n), rfc7515::kRsaN);
  EXPECT_EQ(b64u(parts->rsa.e), rfc7515::kRsaE);
  EXPECT_EQ(b64u(parts->rsa.d), rfc7515::kRsaD);
  EXPECT_EQ(b64u(parts->rsa.p), rfc7515::kRsaP);
  EXPECT_EQ(b64u(parts->rsa.q), rfc7515::kRsaQ);
  EXPECT_EQ(b64u(parts->rsa.dp), rfc7515::kRsaDp);
  EXPECT_EQ(b64u(parts->rsa.dq), rfc7515::kRsaDq);
  EXPECT_EQ(b64u(parts->rsa.qi), rfc7515::kRsaQi);
}

TEST(PrivateJwk, ParsesOpensslRsaKeyExportedAsRsaHsm) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  auto parts = parse_private_jwk(rsa_jwk_of(key).dump());
  ASSERT_TRUE(parts) << parts.error().message << " / " << parts.error().native;
  ASSERT_TRUE(parts->is_rsa);
  EXPECT_EQ(parts->rsa.n, test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_N));
  EXPECT_EQ(plain(parts->rsa.d), test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_D));
  EXPECT_EQ(plain(parts->rsa.qi), test_keys::bn_param(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
}

TEST(PrivateJwk, RsaWithMissingOrInconsistentPartIsRefused) {
  for (const char* member : {"n", "e", "d", "p", "q", "dp", "dq", "qi"}) {
    json j = rfc_rsa_jwk();
    j.erase(member);
    expect_bad(j, member);
  }
  // A part changed by one bit no longer belongs to the key.
  for (const char* member : {"d", "p", "dp", "dq", "qi"}) {
    json j = rfc_rsa_jwk();
    Bytes v = base64url_decode(j[member].get<std::string>()).value();
    v.back() ^= 0x02;
    j[member] = b64u(v);
    expect_bad(j, member);
  }
  // The private half of another key with the RFC key's public half.
  json mixed = rsa_jwk_of(test_keys::shared_rsa_key());
  mixed["n"] = rfc7515::kRsaN;
  expect_bad(mixed, "mixed keys");
  json num = rfc_rsa_jwk();
  num["d"] = 12345;
  expect_bad(num, "number for d");
}

TEST(PrivateJwk, MultiPrimeRsaIsUnsupported) {
  json j = rfc_rsa_jwk();
  j["oth"] = json::array();
  auto r = parse_private_jwk(j.dump());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Unsupported);
}

TEST(PrivateJwk, ParsesRfc7515EcKeys) {
  auto parts = parse_private_jwk(rfc_ec_jwk().dump());
  ASSERT_TRUE(parts) << parts.error().message << " / " << parts.error().native;
  EXPECT_FALSE(parts->is_rsa);
  EXPECT_EQ(parts->ec.pub.curve, Curve::P256);
  EXPECT_EQ(b64u(parts->ec.d), rfc7515::kP256D);
  EXPECT_EQ(parts->ec.pub.point,
            ec_public_from_jwk("P-256", rfc7515::kP256X, rfc7515::kP256Y).value().point);

  json p521{{"kty", "EC-HSM"},
            {"crv", "P-521"},
            {"x", rfc7515::kP521X},
            {"y", rfc7515::kP521Y},
            {"d", rfc7515::kP521D}};
  auto big = parse_private_jwk(p521.dump());
  ASSERT_TRUE(big) << big.error().message;
  EXPECT_EQ(big->ec.pub.curve, Curve::P521);
  EXPECT_EQ(big->ec.d.size(), 66u);
  EXPECT_EQ(b64u(big->ec.d), rfc7515::kP521D);
}

TEST(PrivateJwk, EcKeyOfEveryCurveMatchesOpenssl) {
  for (Curve c : {Curve::P256, Curve::P384, Curve::P521}) {
    auto key = test_keys::make_ec_key(c);
    auto jwk = jwk_public(test_keys::ec_public_of(key.get(), c)).value();
    const Bytes d = test_keys::bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY);
    json j{{"kty", "EC"}, {"crv", jwk.crv}, {"x", jwk.x}, {"y", jwk.y}, {"d", b64u(d)}};
    auto parts = parse_private_jwk(j.dump());
    ASSERT_TRUE(parts) << curve_name(c) << ": " << parts.error().message;
    EXPECT_EQ(parts->ec.pub.point, test_keys::ec_public_of(key.get(), c).point);
    ASSERT_EQ(parts->ec.d.size(), curve_bytes(c));  // left-padded when d is short
    EXPECT_TRUE(std::equal(d.rbegin(), d.rend(), parts->ec.d.rbegin()));
  }
}

TEST(PrivateJwk, EcWithWrongScalarOrMissingPartIsRefused) {
  json wrong = rfc_ec_jwk();
  Bytes d = base64url_decode(rfc7515::kP256D).value();
  d[5] ^= 0x01;
  wrong["d"] = b64u(d);
  expect_bad(wrong, "d of another key");
  json too_long = rfc_ec_jwk();
  d.insert(d.begin(), 0x01);
  too_long["d"] = b64u(d);
  expect_bad(too_long, "d too long");
  for (const char* member : {"crv", "x", "y", "d"}) {
    json j = rfc_ec_jwk();
    j.erase(member);
    expect_bad(j, member);
  }
  json curve = rfc_ec_jwk();
  curve["crv"] = "P-384";
  expect_bad(curve, "coordinates of another curve");
}

TEST(PrivateJwk, MalformedJsonAndKtyAreBadParameter) {
  for (std::string_view text : {"", "{", "[]", "\"RSA\"", "{\"kty\":\"RSA\"", "{\"kty\":7}", "{}",
                                "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
                                "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}"}) {
    auto r = parse_private_jwk(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Errc::BadParameter) << text;
  }
  EXPECT_FALSE(parse_private_jwk(std::string(70 * 1024, ' ')));
}

TEST(PrivateJwk, ErrorsDoNotEchoKeyMaterial) {
  json j = rfc_rsa_jwk();
  j["d"] = std::string(rfc7515::kRsaD) + "!";
  auto r = parse_private_jwk(j.dump());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find(rfc7515::kRsaD), std::string::npos);
  EXPECT_EQ(r.error().native.find(rfc7515::kRsaD), std::string::npos);
  auto garbage = parse_private_jwk("{\"kty\":\"EC\",\"d\":\"secret-scalar\" oops}");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().message.find("secret-scalar"), std::string::npos);
}

TEST(OctJwk, AcceptsAesKeySizes) {
  for (std::size_t n : {16u, 24u, 32u}) {
    Bytes k(n);
    for (std::size_t i = 0; i < n; ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 1);
    for (const char* kty : {"oct", "oct-HSM"}) {
      auto key = parse_oct_jwk(json{{"kty", kty}, {"k", b64u(k)}}.dump());
      ASSERT_TRUE(key) << n << " " << kty << ": " << key.error().message;
      EXPECT_EQ(plain(*key), k);
    }
  }
}

TEST(OctJwk, RefusesOtherSizesKtysAndEncodings) {
  for (const json& j :
       {json{{"kty", "oct"}, {"k", b64u(Bytes(15))}}, json{{"kty", "oct"}, {"k", b64u(Bytes(64))}},
        json{{"kty", "oct"}, {"k", b64u(Bytes{})}}, json{{"kty", "RSA"}, {"k", b64u(Bytes(32))}},
        json{{"kty", "oct"}, {"k", b64u(Bytes(32)) + "="}}, json{{"kty", "oct"}},
        json{{"k", b64u(Bytes(32))}}, json::array()}) {
    auto r = parse_oct_jwk(j.dump());
    ASSERT_FALSE(r) << j.dump();
    EXPECT_EQ(r.error().code, Errc::BadParameter) << j.dump();
  }
}

}  // namespace
}  // namespace cv::crypto
