// Offline certificate checks: a CA, an intermediate and leaves made here with OpenSSL, verified
// against trusted, unrelated and partial anchors, plus ES256 over a leaf's key.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "coldvault/crypto.hpp"
#include "crypto_test_keys.hpp"

namespace cv::crypto {
namespace {

struct Issued {
  ossl::PkeyPtr key;
  ossl::X509Ptr cert;
  Bytes der;
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  ASSERT_TRUE(ext);
  ASSERT_EQ(X509_add_ext(cert, ext.get(), -1), 1);
}

// A certificate for a new key of `curve`, signed by `issuer` (self-signed when null). `valid_from`
// and `valid_to` are seconds from now.
Issued make_cert(const char* cn, const Issued* issuer, bool ca, Curve curve = Curve::P256,
                 long valid_from = -60, long valid_to = 86400, long serial = 1) {
  Issued out;
  out.key = test_keys::make_ec_key(curve);
  out.cert.reset(X509_new());
  X509* c = out.cert.get();
  EXPECT_EQ(X509_set_version(c, X509_VERSION_3), 1);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  ossl::X509NamePtr name(X509_NAME_new());
  X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_subject_name(c, name.get());
  X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer->cert.get()) : name.get());
  X509_gmtime_adj(X509_getm_notBefore(c), valid_from);
  X509_gmtime_adj(X509_getm_notAfter(c), valid_to);
  X509_set_pubkey(c, out.key.get());
  X509* issuer_cert = issuer ? issuer->cert.get() : c;
  add_ext(c, issuer_cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(c, issuer_cert, NID_key_usage,
          ca ? "critical,keyCertSign,cRLSign,digitalSignature" : "critical,digitalSignature");
  add_ext(c, issuer_cert, NID_subject_key_identifier, "hash");
  add_ext(c, issuer_cert, NID_authority_key_identifier, "keyid:always");
  EVP_PKEY* signer = issuer ? issuer->key.get() : out.key.get();
  EXPECT_GT(X509_sign(c, signer, EVP_sha256()), 0);
  unsigned char* buf = nullptr;
  const int len = i2d_X509(c, &buf);
  EXPECT_GT(len, 0);
  out.der.assign(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

std::string pem_of(const Issued& i) { return pem_encode("CERTIFICATE", i.der); }

struct Chain : ::testing::Test {
  Issued root = make_cert("Test Root", nullptr, true);
  Issued inter = make_cert("Test Intermediate", &root, true);
  Issued leaf = make_cert("vault signer", &inter, false);
  Issued stranger = make_cert("Unrelated Root", nullptr, true);

  ChainVerdict verify(std::vector<Bytes> chain, const std::string& trust) {
    auto v = verify_chain(chain, trust);
    EXPECT_TRUE(v) << v.error().message;
    return v ? *v : ChainVerdict{};
  }
};

TEST_F(Chain, AcceptsLeafAndIntermediateUnderTrustedRoot) {
  auto v = verify({leaf.der, inter.der}, pem_of(root));
  EXPECT_TRUE(v.chain_ok) << v.error;
  EXPECT_TRUE(v.error.empty());
  EXPECT_EQ(v.subject, "CN=vault signer");
  EXPECT_EQ(v.issuer, "CN=Test Intermediate");
  EXPECT_EQ(v.sha256_fingerprint, to_hex(sha256(leaf.der)));
}

TEST_F(Chain, RejectsUnrelatedAnchorWithOpensslsReason) {
  auto v = verify({leaf.der, inter.der}, pem_of(stranger));
  EXPECT_FALSE(v.chain_ok);
  EXPECT_EQ(v.error, "unable to get local issuer certificate");
  EXPECT_EQ(v.subject, "CN=vault signer");  // still described, for the error report
}

TEST_F(Chain, RejectsChainMissingItsIntermediate) {
  auto v = verify({leaf.der}, pem_of(root));
  EXPECT_FALSE(v.chain_ok);
  EXPECT_FALSE(v.error.empty());
}

TEST_F(Chain, AcceptsTrustedIntermediateAsAnchor) {
  EXPECT_TRUE(verify({leaf.der}, pem_of(inter)).chain_ok);
  EXPECT_TRUE(verify({leaf.der, inter.der}, pem_of(inter)).chain_ok);
}

TEST_F(Chain, AcceptsAnchorAnywhereInABundle) {
  EXPECT_TRUE(verify({leaf.der, inter.der}, pem_of(stranger) + "\n" + pem_of(root)).chain_ok);
  EXPECT_FALSE(verify({leaf.der, inter.der}, pem_of(stranger) + pem_of(stranger)).chain_ok);
}

TEST_F(Chain, AcceptsSelfSignedLeafAsItsOwnAnchorOnly) {
  Issued self = make_cert("self signer", nullptr, false);
  EXPECT_TRUE(verify({self.der}, pem_of(self)).chain_ok);
  auto v = verify({self.der}, pem_of(stranger));
  EXPECT_FALSE(v.chain_ok);
  EXPECT_EQ(v.error, "self-signed certificate");
}

TEST_F(Chain, AcceptsCertificateFromSelfSignedEcCertificate) {
  // The vault's own signing certificate, built through a DigestSigner, anchors itself.
  auto key = test_keys::make_ec_key(Curve::P256);
  auto pem = self_signed_ec_certificate(
      test_keys::ec_public_of(key.get(), Curve::P256), "coldvault backup", 30,
      [&](ByteView digest) -> Result<Bytes> {
        ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
        std::size_t len = 0;
        EVP_PKEY_sign_init(ctx.get());
        EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size());
        Bytes der(len);
        EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size());
        der.resize(len);
        return ecdsa_der_to_raw(der, 32);
      });
  ASSERT_TRUE(pem);
  auto der = certificate_der_from_pem(*pem);
  ASSERT_TRUE(der);
  EXPECT_TRUE(verify({*der}, *pem).chain_ok);
}

TEST_F(Chain, RejectsExpiredAndNotYetValidLeaves) {
  Issued expired = make_cert("old", &root, false, Curve::P256, -7200, -3600, 2);
  auto v = verify({expired.der}, pem_of(root));
  EXPECT_FALSE(v.chain_ok);
  EXPECT_EQ(v.error, "certificate has expired");
  Issued future = make_cert("new", &root, false, Curve::P256, 3600, 7200, 3);
  v = verify({future.der}, pem_of(root));
  EXPECT_FALSE(v.chain_ok);
  EXPECT_EQ(v.error, "certificate is not yet valid");
}

TEST_F(Chain, RejectsTamperedLeaf) {
  // Flip a byte inside the subject name: still parses, signature no longer matches.
  Bytes tampered = leaf.der;
  const std::string cn = "vault signer";
  auto at = std::search(tampered.begin(), tampered.end(), cn.begin(), cn.end());
  ASSERT_NE(at, tampered.end());
  *at = 'V';
  auto v = verify({tampered, inter.der}, pem_of(root));
  EXPECT_FALSE(v.chain_ok);
  EXPECT_EQ(v.error, "certificate signature failure");
}

TEST_F(Chain, UnparsableInputIsBadParameter) {
  const std::string trust = pem_of(root);
  for (const auto& [chain, anchors] :
       {std::pair{std::vector<Bytes>{}, trust},
        std::pair{std::vector<Bytes>{Bytes{1, 2, 3}}, trust},
        std::pair{std::vector<Bytes>{leaf.der, Bytes(10, 0x30)}, trust},
        std::pair{std::vector<Bytes>{leaf.der}, std::string("no certificates here")},
        std::pair{std::vector<Bytes>{leaf.der},
                  std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")},
        std::pair{std::vector<Bytes>{leaf.der}, trust.substr(0, trust.size() - 30)}}) {
    auto v = verify_chain(chain, anchors);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::BadParameter);
  }
}

TEST(CertificatePem, RoundTripsAndRefusesGarbage) {
  Issued c = make_cert("round trip", nullptr, true);
  auto pem = certificate_pem_from_der(c.der);
  ASSERT_TRUE(pem);
  EXPECT_EQ(pem->rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  auto der = certificate_der_from_pem("leading text\n" + *pem + "trailing text\n");
  ASSERT_TRUE(der);
  EXPECT_EQ(*der, c.der);

  Bytes trailing = c.der;
  trailing.push_back(0);
  EXPECT_EQ(certificate_pem_from_der(trailing).error().code, Errc::BadParameter);
  EXPECT_EQ(certificate_pem_from_der(Bytes{0x30, 0x00}).error().code, Errc::BadParameter);
  EXPECT_EQ(certificate_der_from_pem(pem_encode("PUBLIC KEY", c.der)).error().code,
            Errc::BadParameter);
  EXPECT_EQ(certificate_der_from_pem(pem_encode("CERTIFICATE", trailing)).error().code,
            Errc::BadParameter);
}

TEST(CertificateKey, ReturnsTheLeafsEcPublicKey) {
  for (Curve curve : {Curve::P256, Curve::P384}) {
    Issued c = make_cert("key holder", nullptr, false, curve);
    auto pub = certificate_ec_public(c.der);
    ASSERT_TRUE(pub) << pub.error().message;
    const EcPublic want = test_keys::ec_public_of(c.key.get(), curve);
    EXPECT_EQ(pub->curve, curve);
    EXPECT_EQ(pub->params, want.params);
    EXPECT_EQ(pub->point, want.point);
  }
  EXPECT_EQ(certificate_ec_public(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}).error().code,
            Errc::BadParameter);
}

TEST(CertificateKey, RsaCertificateIsBadParameter) {
  ossl::X509Ptr c(X509_new());
  X509_set_version(c.get(), X509_VERSION_3);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 60);
  X509_set_pubkey(c.get(), test_keys::shared_rsa_key());
  ASSERT_GT(X509_sign(c.get(), test_keys::shared_rsa_key(), EVP_sha256()), 0);
  unsigned char* buf = nullptr;
  const int len = i2d_X509(c.get(), &buf);
  const Bytes der(buf, buf + len);
  OPENSSL_free(buf);
  auto pub = certificate_ec_public(der);
  ASSERT_FALSE(pub);
  EXPECT_EQ(pub.error().code, Errc::BadParameter);
  EXPECT_EQ(verify_es256(der, to_bytes("x"), Bytes(64, 1)).error().code, Errc::BadParameter);
}

TEST(VerifyEs256, AcceptsSignatureByTheCertificatesKey) {
  Issued c = make_cert("blob signer", nullptr, false);
  const Bytes input = to_bytes("header.payload of a backup blob");
  const Bytes digest = sha256(input);
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, c.key.get(), nullptr));
  ASSERT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
  std::size_t len = 0;
  ASSERT_EQ(EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()), 1);
  Bytes der(len);
  ASSERT_EQ(EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size()), 1);
  der.resize(len);
  const Bytes sig = ecdsa_der_to_raw(der, 32).value();

  EXPECT_EQ(verify_es256(c.der, input, sig), true);
  Bytes other_input = input;
  other_input.push_back('!');
  EXPECT_EQ(verify_es256(c.der, other_input, sig), false);
  Issued other = make_cert("someone else", nullptr, false);
  EXPECT_EQ(verify_es256(other.der, input, sig), false);
  EXPECT_EQ(verify_es256(c.der, input, ByteView(sig).first(63)), false);
}

TEST(VerifyEs256, CertificateWithP384KeyIsBadParameter) {
  Issued c = make_cert("p384", nullptr, false, Curve::P384);
  auto r = verify_es256(c.der, to_bytes("x"), Bytes(64, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
}

TEST(RandomBytes, HasTheAskedLengthAndDiffers) {
  EXPECT_TRUE(random_bytes(0).empty());
  const Bytes a = random_bytes(32), b = random_bytes(32);
  ASSERT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_NE(a, Bytes(32, 0));
  EXPECT_EQ(random_bytes(3 * 1024 * 1024 + 5).size(), 3u * 1024 * 1024 + 5);
}

}  // namespace
}  // namespace cv::crypto
