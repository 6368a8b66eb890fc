// Self-signed certificates signed through a DigestSigner (an in-process key standing in for the
// token).
#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "coldvault/crypto.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

// Signs a digest the way the token does: ECDSA over the given hash, answered as r||s.
DigestSigner signer_for(EVP_PKEY* key, int* calls = nullptr) {
  return [key, calls](ByteView digest) -> Result<Bytes> {
    if (calls) ++*calls;
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    std::size_t len = 0;
    if (EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1)
      return fail(Errc::HsmFailure, "sign init");
    Bytes der(len);
    if (EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size()) != 1)
      return fail(Errc::HsmFailure, "sign");
    der.resize(len);
    return ecdsa_der_to_raw(der, 32);
  };
}

ossl::X509Ptr parse_pem(const std::string& pem) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return ossl::X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

struct SelfSignedCert : ::testing::Test {
  ossl::PkeyPtr key = test_keys::make_ec_key(Curve::P256);
  EcPublic pub = test_keys::ec_public_of(key.get(), Curve::P256);

  std::string make(std::string_view cn = "coldvault test", int days = 30) {
    auto pem = self_signed_ec_certificate(pub, cn, days, signer_for(key.get()));
    EXPECT_TRUE(pem) << pem.error().message << " / " << pem.error().native;
    return pem ? *pem : std::string{};
  }
};

TEST_F(SelfSignedCert, VerifiesWithItsOwnKey) {
  int calls = 0;
  auto pem = self_signed_ec_certificate(pub, "coldvault test", 30, signer_for(key.get(), &calls));
  ASSERT_TRUE(pem) << pem.error().message << " / " << pem.error().native;
  EXPECT_EQ(calls, 1);
  auto cert = parse_pem(*pem);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
  EXPECT_EQ(X509_verify(cert.get(), key.get()), 1);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()), 1);
}

TEST_F(SelfSignedCert, IsAcceptedByOpensslVerify) {
  const std::string pem = make();
  const auto path = std::filesystem::temp_directory_path() /
                    ("cv_cert_test_" + std::to_string(::getpid()) + ".pem");
  std::ofstream(path) << pem;
  const std::string cmd =
      "openssl verify -CAfile '" + path.string() + "' '" + path.string() + "' >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  std::filesystem::remove(path);
  EXPECT_EQ(rc, 0) << pem;
}

TEST_F(SelfSignedCert, HasThePromisedFields) {
  auto cert = parse_pem(make("vault.example", 10));
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
  const X509_ALGOR* tbs_alg = X509_get0_tbs_sigalg(cert.get());
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, tbs_alg);
  EXPECT_EQ(OBJ_obj2nid(oid), NID_ecdsa_with_SHA256);

  // Serial: positive, 16 bytes.
  ossl::BnPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  EXPECT_FALSE(BN_is_negative(serial.get()));
  EXPECT_EQ(BN_num_bytes(serial.get()), 16);

  // Subject = issuer = CN.
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);
  char cn[64];
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "vault.example");

  // Validity: starts a little before now, lasts `days`.
  int day = 0, sec = 0;
  ASSERT_EQ(
      ASN1_TIME_diff(&day, &sec, X509_get0_notBefore(cert.get()), X509_get0_notAfter(cert.get())),
      1);
  EXPECT_EQ(day, 10);
  EXPECT_EQ(sec, 0);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);

  // Extensions: CA:TRUE and keyUsage, both critical; a subject key identifier.
  int crit = -1;
  auto* bc = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert.get(), NID_basic_constraints, &crit, nullptr));
  ASSERT_NE(bc, nullptr);
  EXPECT_EQ(crit, 1);
  EXPECT_TRUE(bc->ca);
  BASIC_CONSTRAINTS_free(bc);
  EXPECT_EQ(X509_get_key_usage(cert.get()),
            static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_CERT_SIGN));
  EXPECT_EQ(X509_EXTENSION_get_critical(
                X509_get_ext(cert.get(), X509_get_ext_by_NID(cert.get(), NID_key_usage, -1))),
            1);
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
}

TEST_F(SelfSignedCert, SerialsDiffer) {
  auto a = parse_pem(make());
  auto b = parse_pem(make());
  ASSERT_TRUE(a && b);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())), 0);
}

TEST_F(SelfSignedCert, RefusesSignatureFromAnotherKey) {
  auto other = test_keys::make_ec_key(Curve::P256);
  auto pem = self_signed_ec_certificate(pub, "x", 1, signer_for(other.get()));
  ASSERT_FALSE(pem);
  EXPECT_EQ(pem.error().code, Errc::HsmFailure);
}

TEST_F(SelfSignedCert, RefusesSignatureOfWrongSize) {
  auto pem = self_signed_ec_certificate(pub, "x", 1,
                                        [](ByteView) -> Result<Bytes> { return Bytes(63, 1); });
  ASSERT_FALSE(pem);
  EXPECT_EQ(pem.error().code, Errc::HsmFailure);
}

TEST_F(SelfSignedCert, PassesOnTheSignerError) {
  auto pem = self_signed_ec_certificate(pub, "x", 1, [](ByteView) -> Result<Bytes> {
    return fail(Errc::HsmLoginFailed, "not logged in");
  });
  ASSERT_FALSE(pem);
  EXPECT_EQ(pem.error().code, Errc::HsmLoginFailed);
}

TEST_F(SelfSignedCert, RefusesOtherCurvesAndBadArguments) {
  auto p384 = test_keys::make_ec_key(Curve::P384);
  auto r = self_signed_ec_certificate(test_keys::ec_public_of(p384.get(), Curve::P384), "x", 1,
                                      signer_for(p384.get()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Unsupported);
  EXPECT_FALSE(self_signed_ec_certificate(pub, "", 1, signer_for(key.get())));
  EXPECT_FALSE(self_signed_ec_certificate(pub, "x", 0, signer_for(key.get())));
}

TEST(InspectCertificate, ReadsBackWhatWasBuilt) {
  auto key = test_keys::make_ec_key(Curve::P256);
  auto pem = self_signed_ec_certificate(test_keys::ec_public_of(key.get(), Curve::P256),
                                        "inspect me", 365, signer_for(key.get()));
  ASSERT_TRUE(pem);
  auto info = inspect_certificate(*pem);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->subject, "CN=inspect me");
  EXPECT_EQ(info->issuer, "CN=inspect me");
  EXPECT_TRUE(info->self_signature_valid);
  EXPECT_EQ(info->not_before.size(), 20u);  // 2024-01-02T03:04:05Z
  EXPECT_EQ(info->not_before.back(), 'Z');
  EXPECT_LT(info->not_before, info->not_after);
  auto der = pem_decode(*pem, "CERTIFICATE");
  ASSERT_TRUE(der);
  EXPECT_EQ(info->sha256_fingerprint, to_hex(sha256(*der)));
}

TEST(InspectCertificate, DetectsTamperedContent) {
  auto key = test_keys::make_ec_key(Curve::P256);
  auto pem = self_signed_ec_certificate(test_keys::ec_public_of(key.get(), Curve::P256),
                                        "tamper-me", 1, signer_for(key.get()));
  ASSERT_TRUE(pem);
  auto der = *pem_decode(*pem, "CERTIFICATE");
  const std::string needle = "tamper-me";
  auto it = std::search(der.begin(), der.end(), needle.begin(), needle.end());
  ASSERT_NE(it, der.end());
  *it = 'T';
  auto info = inspect_certificate(pem_encode("CERTIFICATE", der));
  ASSERT_TRUE(info) << info.error().message;
  // The first occurrence is the issuer, which precedes the subject in TBSCertificate.
  EXPECT_EQ(info->issuer, "CN=Tamper-me");
  EXPECT_EQ(info->subject, "CN=tamper-me");
  EXPECT_FALSE(info->self_signature_valid);
}

TEST(InspectCertificate, RefusesGarbage) {
  auto info = inspect_certificate(pem_encode("CERTIFICATE", Bytes{0x30, 0x03, 0x02, 0x01, 0x01}));
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::BadParameter);
  EXPECT_FALSE(inspect_certificate("not a pem"));
}

}  // namespace
}  // namespace cv::crypto
