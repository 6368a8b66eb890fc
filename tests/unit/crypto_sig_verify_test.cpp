// Signature verification with public parts: RFC 7515 known answers, signatures made in-process by
// OpenSSL for every alg, and the ways a signature, digest or alg can be wrong.
#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "crypto_rfc7515_vectors.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

constexpr SigAlg kRsaAlgs[] = {SigAlg::RS256, SigAlg::RS384, SigAlg::RS512,
                               SigAlg::PS256, SigAlg::PS384, SigAlg::PS512};

Bytes b64u(std::string_view s) {
  auto b = base64url_decode(s);
  EXPECT_TRUE(b) << s;
  return b ? *b : Bytes{};
}

Bytes digest_of(Hash h, std::string_view text) { return digest(h, as_bytes(text)); }

bool is_pss(SigAlg a) { return a == SigAlg::PS256 || a == SigAlg::PS384 || a == SigAlg::PS512; }

// OpenSSL's own signature over a digest; salt_len only matters for PSS.
Bytes openssl_sign(EVP_PKEY* key, SigAlg alg, ByteView digest,
                   int salt_len = RSA_PSS_SALTLEN_DIGEST) {
  const EVP_MD* md = ossl::md_for(sig_alg_hash(alg));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  EXPECT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
  if (EVP_PKEY_is_a(key, "RSA")) {
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(),
                                           is_pss(alg) ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING),
              1);
    EXPECT_EQ(EVP_PKEY_CTX_set_signature_md(ctx.get(), md), 1);
    if (is_pss(alg)) {
      EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md), 1);
      EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), salt_len), 1);
    }
  }
  std::size_t len = 0;
  EXPECT_EQ(EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()), 1);
  sig.resize(len);
  return sig;
}

Bytes ec_sign_raw(EVP_PKEY* key, Curve c, SigAlg alg, ByteView digest) {
  auto raw = ecdsa_der_to_raw(openssl_sign(key, alg, digest), curve_bytes(c));
  EXPECT_TRUE(raw);
  return raw ? *raw : Bytes{};
}

TEST(SigAlgNames, RoundTripEveryAlgorithm) {
  for (std::string_view name :
       {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K"}) {
    auto alg = sig_alg_from_name(name);
    ASSERT_TRUE(alg) << name;
    EXPECT_EQ(sig_alg_name(*alg), name);
  }
}

TEST(SigAlgNames, UnknownNameIsBadParameterListingAllowedNames) {
  for (std::string_view name : {"HS256", "rs256", "es256k", "ES256k", "", "RS256 "}) {
    auto alg = sig_alg_from_name(name);
    ASSERT_FALSE(alg) << name;
    EXPECT_EQ(alg.error().code, Errc::BadParameter);
    EXPECT_NE(alg.error().message.find("RS256"), std::string::npos);
    EXPECT_NE(alg.error().message.find("ES512"), std::string::npos);
  }
}

TEST(SigAlgNames, HashFollowsTheSuffix) {
  EXPECT_EQ(sig_alg_hash(SigAlg::RS256), Hash::Sha256);
  EXPECT_EQ(sig_alg_hash(SigAlg::PS384), Hash::Sha384);
  EXPECT_EQ(sig_alg_hash(SigAlg::ES512), Hash::Sha512);
  EXPECT_EQ(sig_alg_hash(SigAlg::ES256), Hash::Sha256);
  EXPECT_EQ(sig_alg_hash(SigAlg::RS512), Hash::Sha512);
}

TEST(VerifyKnownAnswer, Rfc7515Rs256) {
  auto pub = rsa_public_from_jwk(rfc7515::kRsaN, rfc7515::kRsaE);
  ASSERT_TRUE(pub) << pub.error().message;
  const Bytes digest = sha256(as_bytes(rfc7515::kRs256Input));
  Bytes sig = b64u(rfc7515::kRs256Sig);
  EXPECT_EQ(verify_digest(*pub, SigAlg::RS256, digest, sig), true);
  // The same signature is not a PSS signature.
  EXPECT_EQ(verify_digest(*pub, SigAlg::PS256, digest, sig), false);
  sig[100] ^= 0x01;
  EXPECT_EQ(verify_digest(*pub, SigAlg::RS256, digest, sig), false);
}

TEST(VerifyKnownAnswer, Rfc7515Es256) {
  auto pub = ec_public_from_jwk("P-256", rfc7515::kP256X, rfc7515::kP256Y);
  ASSERT_TRUE(pub) << pub.error().message;
  const Bytes digest = sha256(as_bytes(rfc7515::kEs256Input));
  Bytes sig = b64u(rfc7515::kEs256Sig);
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_EQ(verify_digest(*pub, SigAlg::ES256, digest, sig), true);
  Bytes other = digest;
  other[0] ^= 0x80;
  EXPECT_EQ(verify_digest(*pub, SigAlg::ES256, other, sig), false);
}

TEST(VerifyKnownAnswer, Rfc7515Es512) {
  auto pub = ec_public_from_jwk("P-521", rfc7515::kP521X, rfc7515::kP521Y);
  ASSERT_TRUE(pub) << pub.error().message;
  const Bytes digest = digest_of(Hash::Sha512, rfc7515::kEs512Input);
  Bytes sig = b64u(rfc7515::kEs512Sig);
  ASSERT_EQ(sig.size(), 132u);
  EXPECT_EQ(verify_digest(*pub, SigAlg::ES512, digest, sig), true);
  sig[131] ^= 0x01;
  EXPECT_EQ(verify_digest(*pub, SigAlg::ES512, digest, sig), false);
}

TEST(VerifyRsa, AcceptsOpensslSignaturesForEveryAlg) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  const RsaPublic pub = test_keys::rsa_public_of(key);
  for (SigAlg alg : kRsaAlgs) {
    const Bytes digest =
        digest_of(sig_alg_hash(alg), "message for " + std::string(sig_alg_name(alg)));
    const Bytes sig = openssl_sign(key, alg, digest);
    EXPECT_EQ(verify_digest(pub, alg, digest, sig), true) << sig_alg_name(alg);
    Bytes wrong_digest = digest;
    wrong_digest.back() ^= 0x01;
    EXPECT_EQ(verify_digest(pub, alg, wrong_digest, sig), false) << sig_alg_name(alg);
    Bytes bad_sig = sig;
    bad_sig[sig.size() / 2] ^= 0x40;
    EXPECT_EQ(verify_digest(pub, alg, digest, bad_sig), false) << sig_alg_name(alg);
  }
}

TEST(VerifyRsa, PkcsAndPssSignaturesAreNotInterchangeable) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  const RsaPublic pub = test_keys::rsa_public_of(key);
  const Bytes digest = sha256(to_bytes("x"));
  EXPECT_EQ(verify_digest(pub, SigAlg::PS256, digest, openssl_sign(key, SigAlg::RS256, digest)),
            false);
  EXPECT_EQ(verify_digest(pub, SigAlg::RS256, digest, openssl_sign(key, SigAlg::PS256, digest)),
            false);
}

TEST(VerifyRsa, PssWithAnotherSaltLengthIsRejected) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  const RsaPublic pub = test_keys::rsa_public_of(key);
  const Bytes digest = sha256(to_bytes("salted"));
  EXPECT_EQ(verify_digest(pub, SigAlg::PS256, digest,
                          openssl_sign(key, SigAlg::PS256, digest, RSA_PSS_SALTLEN_MAX)),
            false);
  EXPECT_EQ(verify_digest(pub, SigAlg::PS256, digest, openssl_sign(key, SigAlg::PS256, digest, 0)),
            false);
}

TEST(VerifyRsa, SignatureOfWrongLengthIsFalseNotError) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  const RsaPublic pub = test_keys::rsa_public_of(key);
  const Bytes digest = sha256(to_bytes("y"));
  Bytes sig = openssl_sign(key, SigAlg::RS256, digest);
  EXPECT_EQ(verify_digest(pub, SigAlg::RS256, digest, ByteView(sig).first(sig.size() - 1)), false);
  sig.push_back(0);
  EXPECT_EQ(verify_digest(pub, SigAlg::RS256, digest, sig), false);
  EXPECT_EQ(verify_digest(pub, SigAlg::RS256, digest, Bytes{}), false);
  EXPECT_EQ(verify_digest(pub, SigAlg::PS256, digest, Bytes(256, 0xff)), false);
}

TEST(VerifyRsa, DigestOfWrongLengthOrEcAlgIsBadParameter) {
  const RsaPublic pub = test_keys::rsa_public_of(test_keys::shared_rsa_key());
  const Bytes sig(256, 1);
  auto r = verify_digest(pub, SigAlg::RS384, sha256(to_bytes("z")), sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  r = verify_digest(pub, SigAlg::ES256, sha256(to_bytes("z")), sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  r = verify_digest(RsaPublic{}, SigAlg::RS256, sha256(to_bytes("z")), sig);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
}

struct CurveCase {
  Curve curve;
  SigAlg alg;
};

TEST(VerifyEc, AcceptsOpensslSignaturesOnEveryCurve) {
  for (auto [curve, alg] :
       {CurveCase{Curve::P256, SigAlg::ES256}, CurveCase{Curve::P384, SigAlg::ES384},
        CurveCase{Curve::P521, SigAlg::ES512}}) {
    auto key = test_keys::make_ec_key(curve);
    const EcPublic pub = test_keys::ec_public_of(key.get(), curve);
    const Bytes digest = digest_of(sig_alg_hash(alg), "ecdsa");
    const Bytes sig = ec_sign_raw(key.get(), curve, alg, digest);
    ASSERT_EQ(sig.size(), 2 * curve_bytes(curve));
    EXPECT_EQ(verify_digest(pub, alg, digest, sig), true) << curve_name(curve);
    Bytes wrong = digest;
    wrong[3] ^= 0x10;
    EXPECT_EQ(verify_digest(pub, alg, wrong, sig), false) << curve_name(curve);
    Bytes bad = sig;
    bad[sig.size() - 1] ^= 0x01;  // s
    EXPECT_EQ(verify_digest(pub, alg, digest, bad), false) << curve_name(curve);
  }
}

TEST(VerifyEc, SignatureOfWrongLengthIsFalse) {
  auto key = test_keys::make_ec_key(Curve::P256);
  const EcPublic pub = test_keys::ec_public_of(key.get(), Curve::P256);
  const Bytes digest = sha256(to_bytes("len"));
  Bytes sig = ec_sign_raw(key.get(), Curve::P256, SigAlg::ES256, digest);
  EXPECT_EQ(verify_digest(pub, SigAlg::ES256, digest, ByteView(sig).first(63)), false);
  // A DER signature is not JOSE r||s.
  auto der = ecdsa_raw_to_der(sig);
  ASSERT_TRUE(der);
  EXPECT_EQ(verify_digest(pub, SigAlg::ES256, digest, *der), false);
  // Zero halves and out-of-range halves are not signatures either.
  EXPECT_EQ(verify_digest(pub, SigAlg::ES256, digest, Bytes(64, 0)), false);
  EXPECT_EQ(verify_digest(pub, SigAlg::ES256, digest, Bytes(64, 0xff)), false);
  sig.insert(sig.begin(), 0);
  EXPECT_EQ(verify_digest(pub, SigAlg::ES256, digest, sig), false);
}

TEST(VerifyEc, RsaAlgCurveMismatchOrDigestLengthIsBadParameter) {
  auto key = test_keys::make_ec_key(Curve::P256);
  const EcPublic pub = test_keys::ec_public_of(key.get(), Curve::P256);
  const Bytes sig(64, 1);
  for (auto [alg, digest] : {std::pair{SigAlg::RS256, sha256(to_bytes("a"))},
                             std::pair{SigAlg::PS256, sha256(to_bytes("a"))},
                             std::pair{SigAlg::ES384, digest_of(Hash::Sha384, "a")},
                             std::pair{SigAlg::ES256, digest_of(Hash::Sha384, "a")}}) {
    auto r = verify_digest(pub, alg, digest, sig);
    ASSERT_FALSE(r) << sig_alg_name(alg);
    EXPECT_EQ(r.error().code, Errc::BadParameter) << sig_alg_name(alg);
  }
}

}  // namespace
}  // namespace cv::crypto
