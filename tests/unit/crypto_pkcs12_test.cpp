// Certificate containers: PKCS#12 written by coldvault, by OpenSSL's defaults and with legacy
// algorithms; PEM bundles with plain and encrypted keys; the key must match the leaf; software key
// generation for exportable certificate keys.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "coldvault/x509.hpp"
#include "crypto/x509_internal.hpp"
#include "crypto_x509_support.hpp"

namespace cv::crypto {
namespace {

using Pkcs12Ptr = std::unique_ptr<PKCS12, ossl::Deleter<PKCS12_free>>;
using X509StackPtr = detail::X509StackPtr;

PrivateKeyParts parts_of(EVP_PKEY* key) {
  auto parts = detail::private_parts_of(key);
  EXPECT_TRUE(parts) << parts.error().message;
  return parts ? *parts : PrivateKeyParts{};
}

void expect_same_key(const PrivateKeyParts& a, const PrivateKeyParts& b) {
  ASSERT_EQ(a.is_rsa, b.is_rsa);
  if (a.is_rsa) {
    EXPECT_EQ(a.rsa.n, b.rsa.n);
    EXPECT_EQ(a.rsa.e, b.rsa.e);
    EXPECT_TRUE(a.rsa.d == b.rsa.d);
    EXPECT_TRUE(a.rsa.qi == b.rsa.qi);
  } else {
    EXPECT_EQ(a.ec.pub.curve, b.ec.pub.curve);
    EXPECT_EQ(a.ec.pub.point, b.ec.pub.point);
    EXPECT_TRUE(a.ec.d == b.ec.d);
  }
}

Bytes der_of(const SecureBytes& s) { return Bytes(s.begin(), s.end()); }

// A PFX written by OpenSSL itself (the test's own call), optionally in another library context.
Bytes openssl_pfx(const char* pass, EVP_PKEY* key, const Bytes& leaf, const std::vector<Bytes>& ca,
                  int nid_key = 0, int nid_cert = 0, OSSL_LIB_CTX* libctx = nullptr,
                  const EVP_MD* mac_md = nullptr) {
  X509StackPtr stack(sk_X509_new_null());
  for (const auto& der : ca) sk_X509_push(stack.get(), x509_test::parse_der(der).release());
  auto cert = leaf.empty() ? ossl::X509Ptr() : x509_test::parse_der(leaf);
  Pkcs12Ptr p12(PKCS12_create_ex(pass, nullptr, key, cert.get(), stack.get(), nid_key, nid_cert, 0,
                                 mac_md ? -1 : 0, 0, libctx, nullptr));
  EXPECT_TRUE(p12) << ossl::drain_errors();
  if (!p12) return {};
  if (mac_md) {
    EXPECT_EQ(PKCS12_set_mac(p12.get(), pass, -1, nullptr, 0, 2048, mac_md), 1)
        << ossl::drain_errors();
  }
  auto der = ossl::to_der<PKCS12>(p12.get(), i2d_PKCS12, "PFX");
  return der ? *der : Bytes{};
}

struct Containers : ::testing::Test {
  ossl::PkeyPtr ec_key = test_keys::make_ec_key(Curve::P256);
  ossl::PkeyPtr ca_key = test_keys::make_ec_key(Curve::P384);
  Bytes leaf = x509_test::self_signed_for(ec_key.get(), "CN=leaf.example");
  Bytes other = x509_test::self_signed_for(ca_key.get(), "CN=other.example");
};

TEST_F(Containers, Pkcs12_RoundTripWithKeyKeepsKeyAndOrder) {
  for (bool rsa : {false, true}) {
    SCOPED_TRACE(rsa ? "RSA" : "EC");
    EVP_PKEY* key = rsa ? test_keys::shared_rsa_key() : ec_key.get();
    const Bytes cert = rsa ? x509_test::self_signed_for(key, "CN=rsa.example") : leaf;
    const PrivateKeyParts parts = parts_of(key);
    auto pfx = make_pkcs12(parts, {cert, other});
    ASSERT_TRUE(pfx) << pfx.error().message << " / " << pfx.error().native;
    auto back = parse_pkcs12(der_of(*pfx), SecureString());
    ASSERT_TRUE(back) << back.error().message << " / " << back.error().native;
    ASSERT_TRUE(back->key);
    expect_same_key(*back->key, parts);
    EXPECT_EQ(back->certificates, (std::vector<Bytes>{cert, other}));
  }
}

// What `openssl pkcs12 -export` writes in OpenSSL 3: PBES2 everywhere and a SHA-256 MAC.
TEST_F(Containers, Pkcs12_IsWrittenWithModernAlgorithms) {
  auto pfx = make_pkcs12(parts_of(ec_key.get()), {leaf});
  ASSERT_TRUE(pfx);
  const unsigned char* p = pfx->data();
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(pfx->size())));
  ASSERT_TRUE(p12);
  const X509_ALGOR* mac_alg = nullptr;
  PKCS12_get0_mac(nullptr, &mac_alg, nullptr, nullptr, p12.get());
  ASSERT_TRUE(mac_alg);
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, mac_alg);
  EXPECT_EQ(OBJ_obj2nid(obj), NID_sha256);
  EXPECT_EQ(PKCS12_verify_mac(p12.get(), "", 0), 1);
  STACK_OF(PKCS7)* safes = PKCS12_unpack_authsafes(p12.get());
  ASSERT_TRUE(safes);
  bool saw_encrypted = false;
  for (int i = 0; i < sk_PKCS7_num(safes); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes, i);
    if (PKCS7_type_is_encrypted(p7)) {
      saw_encrypted = true;
      EXPECT_EQ(OBJ_obj2nid(p7->d.encrypted->enc_data->algorithm->algorithm), NID_pbes2);
    }
  }
  sk_PKCS7_pop_free(safes, PKCS7_free);
  EXPECT_TRUE(saw_encrypted);
}

TEST_F(Containers, Pkcs12_CertificatesOnly) {
  auto pfx = make_pkcs12(std::nullopt, {leaf, other});
  ASSERT_TRUE(pfx) << pfx.error().message;
  auto back = parse_pkcs12(der_of(*pfx), SecureString());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(back->key);
  EXPECT_EQ(back->certificates, (std::vector<Bytes>{leaf, other}));
}

TEST_F(Containers, Pkcs12_MakeRefusesAKeyThatDoesNotMatchTheLeaf) {
  auto pfx = make_pkcs12(parts_of(ec_key.get()), {other, leaf});
  ASSERT_FALSE(pfx);
  EXPECT_EQ(pfx.error().code, Errc::BadParameter);
  EXPECT_FALSE(make_pkcs12(std::nullopt, {}));
}

TEST_F(Containers, Pkcs12_OpensslDefaultsWithPassword) {
  const Bytes pfx = openssl_pfx("s3cret pass", ec_key.get(), leaf, {other});
  auto back = parse_pkcs12(pfx, SecureString("s3cret pass"));
  ASSERT_TRUE(back) << back.error().message << " / " << back.error().native;
  ASSERT_TRUE(back->key);
  expect_same_key(*back->key, parts_of(ec_key.get()));
  EXPECT_EQ(back->certificates, (std::vector<Bytes>{leaf, other}));

  for (const char* wrong : {"", "s3cret pas", "S3cret pass"}) {
    auto bad = parse_pkcs12(pfx, SecureString(wrong));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::BadParameter);
    EXPECT_EQ(bad.error().message, "the PFX password is wrong or the PFX is corrupt");
    EXPECT_EQ(bad.error().message.find("s3cret"), std::string::npos);
  }
}

// RC2-40 certificates, 3DES key, SHA-1 MAC: what Windows and OpenSSL 1.x wrote for years. The PFX
// is made in a separate library context so the default one only has the legacy provider if
// parse_pkcs12 loads it.
TEST_F(Containers, Pkcs12_LegacyAlgorithms) {
  std::unique_ptr<OSSL_LIB_CTX, ossl::Deleter<OSSL_LIB_CTX_free>> ctx(OSSL_LIB_CTX_new());
  OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(ctx.get(), "legacy");
  OSSL_PROVIDER* deflt = OSSL_PROVIDER_load(ctx.get(), "default");
  if (!legacy) {
    const std::string why = ossl::drain_errors();
    if (deflt) OSSL_PROVIDER_unload(deflt);
    GTEST_SKIP() << "OpenSSL legacy provider cannot be loaded: " << why;
  }
  const Bytes pfx =
      openssl_pfx("legacy", ec_key.get(), leaf, {other}, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                  NID_pbe_WithSHA1And40BitRC2_CBC, ctx.get(), EVP_sha1());
  OSSL_PROVIDER_unload(legacy);
  OSSL_PROVIDER_unload(deflt);
  ASSERT_FALSE(pfx.empty());
  auto back = parse_pkcs12(pfx, SecureString("legacy"));
  ASSERT_TRUE(back) << back.error().message << " / " << back.error().native;
  ASSERT_TRUE(back->key);
  expect_same_key(*back->key, parts_of(ec_key.get()));
  EXPECT_EQ(back->certificates, (std::vector<Bytes>{leaf, other}));
  auto bad = parse_pkcs12(pfx, SecureString("wrong"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::BadParameter);
}

TEST_F(Containers, Pkcs12_KeyWithoutItsCertificateIsRefused) {
  // A key bag and only someone else's certificate.
  const Bytes pfx = openssl_pfx("pw", ec_key.get(), {}, {other});
  auto r = parse_pkcs12(pfx, SecureString("pw"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_EQ(r.error().message, "the private key does not match the certificate");
}

TEST_F(Containers, Pkcs12_CorruptOrEmptyIsRefused) {
  auto pfx = make_pkcs12(parts_of(ec_key.get()), {leaf});
  ASSERT_TRUE(pfx);
  Bytes cut = der_of(*pfx);
  cut.resize(cut.size() / 2);
  for (const Bytes& bad : {cut, Bytes{}, Bytes{0x30, 0x00}}) {
    auto r = parse_pkcs12(bad, SecureString());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::BadParameter);
  }
}

TEST_F(Containers, PemBundle_RoundTripKeyFirstThenLeaf) {
  const PrivateKeyParts parts = parts_of(ec_key.get());
  auto pem = make_pem_bundle(parts, {leaf, other});
  ASSERT_TRUE(pem) << pem.error().message;
  const std::string text(pem->begin(), pem->end());
  EXPECT_EQ(text.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u) << text.substr(0, 40);
  const auto first_cert = text.find("-----BEGIN CERTIFICATE-----");
  ASSERT_NE(first_cert, std::string::npos);
  EXPECT_NE(text.find("-----BEGIN CERTIFICATE-----", first_cert + 1), std::string::npos);
  auto back = parse_pem_bundle(text, SecureString());
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_TRUE(back->key);
  expect_same_key(*back->key, parts);
  EXPECT_EQ(back->certificates, (std::vector<Bytes>{leaf, other}));

  auto certs_only = make_pem_bundle(std::nullopt, {other});
  ASSERT_TRUE(certs_only);
  EXPECT_EQ(std::string(certs_only->begin(), certs_only->end()).find("PRIVATE KEY"),
            std::string::npos);
}

TEST_F(Containers, PemBundle_MovesTheMatchingCertificateFirst) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), x509_test::parse_der(other).get());
  PEM_write_bio_X509(bio.get(), x509_test::parse_der(leaf).get());
  PEM_write_bio_PrivateKey(bio.get(), ec_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  auto back = parse_pem_bundle(test_keys::bio_text(bio.get()), SecureString());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->certificates, (std::vector<Bytes>{leaf, other}));
}

TEST_F(Containers, PemBundle_KeyThatDoesNotMatchIsRefused) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), ec_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(bio.get(), x509_test::parse_der(other).get());
  auto r = parse_pem_bundle(test_keys::bio_text(bio.get()), SecureString());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_EQ(r.error().message, "the private key does not match the certificate");
}

// A key whose stored public half is the certificate's but whose private half is another key's: the containers
// compare the certificate with the public half only, so the key's own pairwise check must refuse it.
TEST_F(Containers, KeyWhosePrivateHalfIsAnotherKeysIsRefusedInBundleAndPfx) {
  auto stranger = test_keys::make_ec_key(Curve::P256);
  auto mixed = test_keys::ec_key_with_foreign_public(stranger.get(), ec_key.get());
  ASSERT_TRUE(mixed);
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), mixed.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(bio.get(), x509_test::parse_der(leaf).get());
  auto bundle = parse_pem_bundle(test_keys::bio_text(bio.get()), SecureString());
  ASSERT_FALSE(bundle) << "a PEM bundle whose key does not match its own public half was accepted";
  EXPECT_EQ(bundle.error().code, Errc::BadParameter);
  EXPECT_EQ(bundle.error().message.rfind("the private key does not match its own public key", 0), 0u)
      << bundle.error().message;
  auto pfx = parse_pkcs12(openssl_pfx("", mixed.get(), leaf, {}), SecureString());
  ASSERT_FALSE(pfx) << "a PFX whose key does not match its own public half was accepted";
  EXPECT_EQ(pfx.error().code, Errc::BadParameter);
}

TEST_F(Containers, PemBundle_EncryptedPkcs8NeedsItsPassword) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  const char pass[] = "bundle pw";
  PEM_write_bio_X509(bio.get(), x509_test::parse_der(leaf).get());
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), ec_key.get(), EVP_aes_256_cbc(), pass,
                                          sizeof pass - 1, nullptr, nullptr),
            1);
  const std::string text = test_keys::bio_text(bio.get());
  ASSERT_NE(text.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  auto back = parse_pem_bundle(text, SecureString(pass));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_TRUE(back->key);
  expect_same_key(*back->key, parts_of(ec_key.get()));
  for (const char* wrong : {"", "bundle"}) {
    auto r = parse_pem_bundle(text, SecureString(wrong));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::BadParameter);
    EXPECT_EQ(r.error().message.find("bundle pw"), std::string::npos);
  }
}

TEST_F(Containers, PemBundle_RefusesNoCertificateOrTwoKeys) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), ec_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  auto none = parse_pem_bundle(test_keys::bio_text(bio.get()), SecureString());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "no certificate in the PEM bundle");
  PEM_write_bio_PrivateKey(bio.get(), ca_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(bio.get(), x509_test::parse_der(leaf).get());
  auto two = parse_pem_bundle(test_keys::bio_text(bio.get()), SecureString());
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().code, Errc::BadParameter);
  EXPECT_FALSE(parse_pem_bundle("", SecureString()));
}

TEST(KeyGen, GeneratedKeysAreConsistentAndDistinct) {
  for (Curve c : {Curve::P256, Curve::P384, Curve::P521}) {
    auto a = generate_ec_parts(c);
    auto b = generate_ec_parts(c);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->ec.pub.curve, c);
    EXPECT_EQ(a->ec.d.size(), curve_bytes(c));
    EXPECT_FALSE(a->ec.d == b->ec.d);
    EXPECT_TRUE(detail::pkey_from_parts(*a)) << "pairwise check";
  }
  auto rsa = generate_rsa_parts(2048);
  ASSERT_TRUE(rsa);
  EXPECT_TRUE(rsa->is_rsa);
  EXPECT_EQ(rsa->rsa.n.size(), 256u);
  auto pkey = detail::pkey_from_parts(*rsa);
  ASSERT_TRUE(pkey);
  // The parts are a real key pair: a certificate signed with them goes into a PFX and back.
  const Bytes cert = x509_test::self_signed_for(pkey->get(), "CN=gen.example");
  auto pfx = make_pkcs12(*rsa, {cert});
  ASSERT_TRUE(pfx);
  auto back = parse_pkcs12(der_of(*pfx), SecureString());
  ASSERT_TRUE(back && back->key);
  expect_same_key(*back->key, *rsa);
  auto bad = generate_rsa_parts(1024);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::BadParameter);
}

TEST(KeyGen, PartsThatDoNotFormAKeyAreRefused) {
  auto parts = generate_ec_parts(Curve::P256);
  ASSERT_TRUE(parts);
  parts->ec.d[5] ^= 1;
  auto r = detail::pkey_from_parts(*parts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
}

}  // namespace
}  // namespace cv::crypto

// A PFX names its own iteration counts, each paid before its MAC or password can fail: more than 10^6 is
// refused before any key derivation (a MAC of 2^31 iterations took minutes of CPU before).
namespace cv::crypto {
namespace {

Bytes with_mac_iterations(const Bytes& der, long iterations) {
  const unsigned char* p = der.data();
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_TRUE(p12);
  const ASN1_INTEGER* iter = nullptr;
  PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12.get());
  EXPECT_TRUE(iter);
  ASN1_INTEGER_set(const_cast<ASN1_INTEGER*>(iter), iterations);  // the MAC no longer matches: never reached
  auto out = ossl::to_der<PKCS12>(p12.get(), i2d_PKCS12, "PFX");
  return out ? *out : Bytes{};
}

TEST_F(Containers, Pkcs12_IterationCountsBeyondTheLimitAreRefusedBeforeAnyDerivation) {
  auto pfx = make_pkcs12(parts_of(ec_key.get()), {leaf});
  ASSERT_TRUE(pfx);
  auto r = parse_pkcs12(with_mac_iterations(der_of(*pfx), 0x7fffffff), SecureString());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("2147483647 key-derivation iterations for its MAC"), std::string::npos)
      << r.error().message;
  EXPECT_TRUE(parse_pkcs12(with_mac_iterations(der_of(*pfx), 1'000'000), SecureString()).error().message.find(
                  "iterations") == std::string::npos)
      << "at the limit the MAC is checked (and fails: it no longer matches)";

  // The shrouded key (certificates in clear), then the encrypted certificates (key in clear).
  auto make = [&](int nid_key, int nid_cert) {
    auto cert = x509_test::parse_der(leaf);
    Pkcs12Ptr p12(PKCS12_create_ex("pw", nullptr, ec_key.get(), cert.get(), nullptr, nid_key, nid_cert,
                                   1'000'001, 1, 0, nullptr, nullptr));
    EXPECT_TRUE(p12) << ossl::drain_errors();
    auto der = ossl::to_der<PKCS12>(p12.get(), i2d_PKCS12, "PFX");
    return der ? *der : Bytes{};
  };
  auto key = parse_pkcs12(make(NID_aes_256_cbc, -1), SecureString("pw"));
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().message.find("1000001 key-derivation iterations for its private key"), std::string::npos)
      << key.error().message;
  auto certs = parse_pkcs12(make(-1, NID_aes_256_cbc), SecureString("pw"));
  ASSERT_FALSE(certs);
  EXPECT_NE(certs.error().message.find("1000001 key-derivation iterations for its certificates"), std::string::npos)
      << certs.error().message;
}

}  // namespace
}  // namespace cv::crypto
