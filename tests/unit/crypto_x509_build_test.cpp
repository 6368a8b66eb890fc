// Certificates and CSRs built through x509.hpp with an in-process key standing in for the token:
// they verify with their own key, carry exactly what the request asked for, and bad requests are
// refused before anything is signed.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "coldvault/x509.hpp"
#include "crypto_x509_support.hpp"

namespace cv::crypto {
namespace {

using x509_test::ec_signing_key;
using x509_test::parse_der;
using x509_test::rsa_signing_key;

X509Request full_request() {
  X509Request req;
  req.subject = "CN=a.example, O=Contoso, C=US";
  req.dns_names = {"a.example", "*.a.example"};
  req.ip_addresses = {"192.0.2.7", "2001:db8::1"};
  req.emails = {"ops@a.example"};
  req.upns = {"alice@contoso.example"};
  req.ekus = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  req.key_usage = {"digitalSignature", "keyEncipherment"};
  req.validity_months = 24;
  return req;
}

void expect_matches_request(const CertFields& f, const X509Request& req) {
  EXPECT_EQ(f.subject, "CN=a.example,O=Contoso,C=US");
  EXPECT_EQ(f.issuer, f.subject);
  EXPECT_EQ(f.dns_names, req.dns_names);
  EXPECT_EQ(f.ip_addresses, req.ip_addresses);
  EXPECT_EQ(f.emails, req.emails);
  EXPECT_EQ(f.upns, req.upns);
  EXPECT_EQ(f.ekus, req.ekus);
  EXPECT_EQ(f.key_usage, req.key_usage);
  const std::int64_t now = std::time(nullptr);
  EXPECT_NEAR(static_cast<double>(f.not_before), static_cast<double>(now - 300), 60.0);
  // 24 calendar months: 730 or 731 days.
  const auto days = (f.not_after - f.not_before) / 86400;
  EXPECT_GE(days, 730);
  EXPECT_LE(days, 731);
  EXPECT_TRUE(f.self_signed);
  EXPECT_EQ(f.serial_hex.size(), 32u);
  EXPECT_EQ(f.sha1.size(), 20u);
}

struct BuiltCert {
  Bytes der;
  ossl::X509Ptr x509;
};

BuiltCert build(const X509Request& req, const SigningKey& key) {
  auto der = self_signed_certificate(req, key);
  EXPECT_TRUE(der) << der.error().message << " / " << der.error().native;
  if (!der) return {};
  return {*der, parse_der(*der)};
}

TEST(X509Build, SelfSignedRsa_VerifiesAndCarriesTheRequest) {
  EVP_PKEY* key = test_keys::shared_rsa_key();
  int calls = 0;
  const X509Request req = full_request();
  auto cert = build(req, rsa_signing_key(key, &calls));
  ASSERT_TRUE(cert.x509);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(X509_verify(cert.x509.get(), key), 1);
  EXPECT_EQ(X509_get_signature_nid(cert.x509.get()), NID_sha256WithRSAEncryption);
  EXPECT_EQ(X509_get_version(cert.x509.get()), X509_VERSION_3);
  auto fields = certificate_fields(cert.der);
  ASSERT_TRUE(fields) << fields.error().message;
  expect_matches_request(*fields, req);
  EXPECT_EQ(fields->sha256, sha256(cert.der));
  EXPECT_EQ(fields->spki_der, *spki_der(test_keys::rsa_public_of(key)));
}

TEST(X509Build, SelfSigned_HasKeyIdentifiersAndIsNotACa) {
  auto key = test_keys::make_ec_key(Curve::P256);
  auto cert = build(full_request(), ec_signing_key(key.get(), Curve::P256));
  ASSERT_TRUE(cert.x509);
  EXPECT_GE(X509_get_ext_by_NID(cert.x509.get(), NID_subject_key_identifier, -1), 0);
  EXPECT_GE(X509_get_ext_by_NID(cert.x509.get(), NID_authority_key_identifier, -1), 0);
  EXPECT_LT(X509_get_ext_by_NID(cert.x509.get(), NID_basic_constraints, -1), 0);
  EXPECT_EQ(X509_check_ca(cert.x509.get()), 0);
  const int ku = X509_get_ext_by_NID(cert.x509.get(), NID_key_usage, -1);
  ASSERT_GE(ku, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.x509.get(), ku)), 1);
  // The serial is positive and 16 bytes long.
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.x509.get());
  EXPECT_EQ(ASN1_STRING_length(serial), 16);
  EXPECT_EQ(ASN1_STRING_type(serial), V_ASN1_INTEGER);
}

TEST(X509Build, SelfSignedEc_SignsWithTheCurvesHash) {
  for (auto [curve, nid] : {std::pair{Curve::P256, NID_ecdsa_with_SHA256},
                            std::pair{Curve::P384, NID_ecdsa_with_SHA384},
                            std::pair{Curve::P521, NID_ecdsa_with_SHA512}}) {
    SCOPED_TRACE(curve_name(curve));
    auto key = test_keys::make_ec_key(curve);
    const X509Request req = full_request();
    auto cert = build(req, ec_signing_key(key.get(), curve));
    ASSERT_TRUE(cert.x509);
    EXPECT_EQ(X509_verify(cert.x509.get(), key.get()), 1);
    EXPECT_EQ(X509_get_signature_nid(cert.x509.get()), nid);
    auto fields = certificate_fields(cert.der);
    ASSERT_TRUE(fields) << fields.error().message;
    expect_matches_request(*fields, req);
  }
}

TEST(X509Build, Subject_SlashFormIsInEncodingOrder) {
  auto key = test_keys::make_ec_key(Curve::P256);
  X509Request req;
  req.subject = "/C=US/O=Contoso/CN=b.example";
  auto cert = build(req, ec_signing_key(key.get(), Curve::P256));
  auto fields = certificate_fields(cert.der);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->subject, "CN=b.example,O=Contoso,C=US");
  EXPECT_TRUE(fields->dns_names.empty());
  EXPECT_TRUE(fields->key_usage.empty());
  EXPECT_LT(X509_get_ext_by_NID(cert.x509.get(), NID_key_usage, -1), 0);
}

TEST(X509Build, Subject_EscapedCommaStaysInTheValue) {
  auto key = test_keys::make_ec_key(Curve::P256);
  X509Request req;
  req.subject = "CN=Smith\\, John, O=Contoso";
  auto fields = certificate_fields(build(req, ec_signing_key(key.get(), Curve::P256)).der);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->subject, "CN=Smith\\, John,O=Contoso");
}

// Key Vault takes attribute names in any case: the SDKs' default policy asks for "cn=DefaultPolicy".
TEST(X509Build, Subject_AttributeNamesInAnyCase) {
  auto key = test_keys::make_ec_key(Curve::P256);
  for (auto [text, want] : std::vector<std::pair<std::string, std::string>>{
           {"cn=MyCert", "CN=MyCert"},
           {"Cn=x, o=Contoso, Ou=Dev, c=US", "CN=x,O=Contoso,OU=Dev,C=US"},
           {"/c=US/o=Contoso/cn=y", "CN=y,O=Contoso,C=US"},
           {"E=ops@example.test, S=WA, l=Redmond, cn=z", "emailAddress=ops@example.test,ST=WA,L=Redmond,CN=z"},
           {"cn=semi; o=Colon", "CN=semi,O=Colon"}}) {
    X509Request req;
    req.subject = text;
    auto fields = certificate_fields(build(req, ec_signing_key(key.get(), Curve::P256)).der);
    ASSERT_TRUE(fields) << text;
    EXPECT_EQ(fields->subject, want) << text;
  }
}

TEST(X509Build, Subject_MultiValuedRdnIsOneRdn) {
  auto key = test_keys::make_ec_key(Curve::P256);
  X509Request req;
  req.subject = "OU=Dev+CN=multi, O=Contoso";
  auto cert = build(req, ec_signing_key(key.get(), Curve::P256));
  const X509_NAME* name = X509_get_subject_name(cert.x509.get());
  ASSERT_EQ(X509_NAME_entry_count(name), 3);
  // Entries 1 and 2 (OU, CN) share one set; O is a set of its own.
  EXPECT_EQ(X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 1)), X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 2)));
  EXPECT_NE(X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 0)), X509_NAME_ENTRY_set(X509_NAME_get_entry(name, 1)));
  auto fields = certificate_fields(cert.der);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->subject, "CN=multi+OU=Dev,O=Contoso");  // OpenSSL prints a set sorted
}

TEST(X509Build, Subject_QuotedAndHexEscapedValues) {
  auto key = test_keys::make_ec_key(Curve::P256);
  X509Request req;
  req.subject = R"(CN="Smith, John + Co", O=A\2CB ,OU="q\"x")";
  auto fields = certificate_fields(build(req, ec_signing_key(key.get(), Curve::P256)).der);
  ASSERT_TRUE(fields);
  // Printed back in RFC 2253 form: ',' '+' '"' escaped with a backslash.
  EXPECT_EQ(fields->subject, R"(CN=Smith\, John \+ Co,O=A\,B,OU=q\"x)");
}

// Each bad field is refused as BadParameter naming it, before the signer is asked for anything.
TEST(X509Build, BadRequests_AreRefusedNamingTheField) {
  auto key = test_keys::make_ec_key(Curve::P256);
  struct Case {
    const char* what;
    void (*mutate)(X509Request&);
    const char* field;
  };
  const Case cases[] = {
      {"empty subject", [](X509Request& r) { r.subject = "  "; }, "subject"},
      {"no '='", [](X509Request& r) { r.subject = "CN"; }, "subject"},
      {"unknown attribute", [](X509Request& r) { r.subject = "XYZZY=1"; }, "subject"},
      {"empty value", [](X509Request& r) { r.subject = "CN=, O=x"; }, "subject"},
      {"country too long", [](X509Request& r) { r.subject = "CN=a, C=USA"; }, "subject"},
      {"unterminated quote", [](X509Request& r) { r.subject = "CN=\"open, O=x"; }, "subject"},
      {"text after a quote", [](X509Request& r) { r.subject = "CN=\"a\"b"; }, "subject"},
      {"empty AVA in a multi-valued RDN", [](X509Request& r) { r.subject = "CN=a+"; }, "subject"},
      {"unknown key usage", [](X509Request& r) { r.key_usage = {"signEverything"}; }, "key usage"},
      {"bad OID", [](X509Request& r) { r.ekus = {"1.3.6.x"}; }, "extended key usage"},
      {"OID by name", [](X509Request& r) { r.ekus = {"serverAuth"}; }, "extended key usage"},
      {"bad IPv4", [](X509Request& r) { r.ip_addresses = {"300.1.1.1"}; }, "IP address"},
      {"IPv4 with junk", [](X509Request& r) { r.ip_addresses = {"1.2.3.4x"}; }, "IP address"},
      {"bad DNS", [](X509Request& r) { r.dns_names = {"a b.example"}; }, "DNS name"},
      {"bad email", [](X509Request& r) { r.emails = {"nobody"}; }, "email"},
      {"bad UPN", [](X509Request& r) { r.upns = {""}; }, "UPN"},
      {"zero months", [](X509Request& r) { r.validity_months = 0; }, "validity_months"},
      {"too many months", [](X509Request& r) { r.validity_months = 1201; }, "validity_months"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    X509Request req = full_request();
    c.mutate(req);
    int calls = 0;
    for (bool csr : {false, true}) {
      auto sk = ec_signing_key(key.get(), Curve::P256, &calls);
      auto r = csr ? certificate_signing_request(req, sk) : self_signed_certificate(req, sk);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, Errc::BadParameter);
      EXPECT_NE(r.error().message.find(c.field), std::string::npos) << r.error().message;
    }
    EXPECT_EQ(calls, 0);
  }
}

TEST(X509Build, SigningKey_MustBeExactlyOneKind) {
  auto key = test_keys::make_ec_key(Curve::P256);
  SigningKey both = ec_signing_key(key.get(), Curve::P256);
  both.rsa = test_keys::rsa_public_of(test_keys::shared_rsa_key());
  auto r = self_signed_certificate(full_request(), both);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
}

TEST(X509Build, BadTokenSignatures_AreHsmFailures) {
  auto key = test_keys::make_ec_key(Curve::P256);
  auto other = test_keys::make_ec_key(Curve::P256);
  SigningKey wrong_key = ec_signing_key(key.get(), Curve::P256);
  wrong_key.sign = x509_test::ec_signer(other.get(), Curve::P256);
  SigningKey short_sig = ec_signing_key(key.get(), Curve::P256);
  short_sig.sign = [](ByteView) -> Result<Bytes> { return Bytes(63, 1); };
  for (const SigningKey* k : {&wrong_key, &short_sig}) {
    auto cert = self_signed_certificate(full_request(), *k);
    ASSERT_FALSE(cert);
    EXPECT_EQ(cert.error().code, Errc::HsmFailure) << cert.error().message;
    auto csr = certificate_signing_request(full_request(), *k);
    ASSERT_FALSE(csr);
    EXPECT_EQ(csr.error().code, Errc::HsmFailure) << csr.error().message;
  }
  SigningKey rsa = rsa_signing_key(test_keys::shared_rsa_key());
  rsa.sign = [](ByteView) -> Result<Bytes> { return Bytes(256, 0x42); };
  auto cert = self_signed_certificate(full_request(), rsa);
  ASSERT_FALSE(cert);
  EXPECT_EQ(cert.error().code, Errc::HsmFailure);
}

TEST(X509Build, SignerError_IsPassedOn) {
  auto key = test_keys::make_ec_key(Curve::P256);
  SigningKey k = ec_signing_key(key.get(), Curve::P256);
  k.sign = [](ByteView) -> Result<Bytes> { return fail(Errc::HsmLoginFailed, "locked"); };
  auto cert = self_signed_certificate(full_request(), k);
  ASSERT_FALSE(cert);
  EXPECT_EQ(cert.error().code, Errc::HsmLoginFailed);
}

TEST(X509Build, Csr_VerifiesAndCarriesKeyAndExtensions) {
  for (bool rsa : {true, false}) {
    SCOPED_TRACE(rsa ? "RSA" : "EC P-384");
    auto ec = test_keys::make_ec_key(Curve::P384);
    EVP_PKEY* key = rsa ? test_keys::shared_rsa_key() : ec.get();
    auto der = certificate_signing_request(
        full_request(), rsa ? rsa_signing_key(key) : ec_signing_key(key, Curve::P384));
    ASSERT_TRUE(der) << der.error().message << " / " << der.error().native;
    const unsigned char* p = der->data();
    x509_test::X509ReqPtr csr(d2i_X509_REQ(nullptr, &p, static_cast<long>(der->size())));
    ASSERT_TRUE(csr);
    EXPECT_EQ(X509_REQ_verify(csr.get(), key), 1);
    auto pub = csr_public_key(*der);
    ASSERT_TRUE(pub) << pub.error().message;
    EXPECT_EQ(*pub, rsa ? *spki_der(test_keys::rsa_public_of(key))
                        : *spki_der(test_keys::ec_public_of(key, Curve::P384)));
    STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(csr.get());
    ASSERT_TRUE(exts);
    bool has_san = false, has_eku = false, has_ku = false;
    for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i) {
      const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, i)));
      has_san |= nid == NID_subject_alt_name;
      has_eku |= nid == NID_ext_key_usage;
      has_ku |= nid == NID_key_usage;
    }
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    EXPECT_TRUE(has_san && has_eku && has_ku);
  }
}

TEST(X509Build, CsrPublicKey_RefusesTamperedOrGarbage) {
  auto key = test_keys::make_ec_key(Curve::P256);
  auto der = certificate_signing_request(full_request(), ec_signing_key(key.get(), Curve::P256));
  ASSERT_TRUE(der);
  Bytes tampered = *der;
  // The subject's "a.example" sits early in the request info; change one letter of it.
  auto it = std::search(tampered.begin(), tampered.end(), std::begin("a.example"),
                        std::end("a.example") - 1);
  ASSERT_NE(it, tampered.end());
  *it = 'b';
  auto r = csr_public_key(tampered);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  Bytes trailing = *der;
  trailing.push_back(0);
  EXPECT_FALSE(csr_public_key(trailing));
  EXPECT_FALSE(csr_public_key(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}));
}

TEST(X509Build, CertificateFields_RefusesGarbageAndTrailingBytes) {
  auto key = test_keys::make_ec_key(Curve::P256);
  Bytes der = build(full_request(), ec_signing_key(key.get(), Curve::P256)).der;
  der.push_back(0);
  auto r = certificate_fields(der);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_FALSE(certificate_fields(Bytes{1, 2, 3}));
}

// The CSR goes to a CA (made here in software); the certificate it issues chains to the CA.
TEST(X509Build, CsrSignedByACa_ChainVerifies) {
  auto ca_key = test_keys::make_ec_key(Curve::P256);
  ossl::X509Ptr ca(X509_new());
  ossl::X509NamePtr ca_name(X509_NAME_new());
  X509_NAME_add_entry_by_txt(ca_name.get(), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Test CA"), -1, -1, 0);
  X509_set_version(ca.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(ca.get()), 1);
  X509_set_subject_name(ca.get(), ca_name.get());
  X509_set_issuer_name(ca.get(), ca_name.get());
  X509_gmtime_adj(X509_getm_notBefore(ca.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(ca.get()), 86400);
  X509_set_pubkey(ca.get(), ca_key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca.get(), ca.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    ossl::X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    ASSERT_TRUE(ext);
    X509_add_ext(ca.get(), ext.get(), -1);
  }
  ASSERT_GT(X509_sign(ca.get(), ca_key.get(), EVP_sha256()), 0);

  EVP_PKEY* leaf_key = test_keys::shared_rsa_key();
  auto csr_der = certificate_signing_request(full_request(), rsa_signing_key(leaf_key));
  ASSERT_TRUE(csr_der);
  const unsigned char* p = csr_der->data();
  x509_test::X509ReqPtr csr(d2i_X509_REQ(nullptr, &p, static_cast<long>(csr_der->size())));
  ASSERT_TRUE(csr);
  ossl::X509Ptr leaf(X509_new());
  X509_set_version(leaf.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(leaf.get()), 2);
  X509_set_subject_name(leaf.get(), X509_REQ_get_subject_name(csr.get()));
  X509_set_issuer_name(leaf.get(), ca_name.get());
  X509_gmtime_adj(X509_getm_notBefore(leaf.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(leaf.get()), 3600);
  X509_set_pubkey(leaf.get(), X509_REQ_get0_pubkey(csr.get()));
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(csr.get());
  for (int i = 0; i < sk_X509_EXTENSION_num(exts); ++i)
    X509_add_ext(leaf.get(), sk_X509_EXTENSION_value(exts, i), -1);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  ASSERT_GT(X509_sign(leaf.get(), ca_key.get(), EVP_sha256()), 0);

  std::unique_ptr<X509_STORE, ossl::Deleter<X509_STORE_free>> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, ossl::Deleter<X509_STORE_CTX_free>> sctx(X509_STORE_CTX_new());
  X509_STORE_add_cert(store.get(), ca.get());
  ASSERT_EQ(X509_STORE_CTX_init(sctx.get(), store.get(), leaf.get(), nullptr), 1);
  EXPECT_EQ(X509_verify_cert(sctx.get()), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx.get()));

  auto fields = certificate_fields(x509_test::der_of(leaf.get()));
  ASSERT_TRUE(fields);
  EXPECT_FALSE(fields->self_signed);
  EXPECT_EQ(fields->issuer, "CN=Test CA");
  EXPECT_EQ(fields->upns, full_request().upns);
}

}  // namespace
}  // namespace cv::crypto
