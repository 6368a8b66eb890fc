// Certificate import (PFX with password, current and legacy encryption; PEM) and the life cycle that
// moves the certificate, its key and its secret together; the backing key and secret refuse direct use.
#include "hsm/certificates_fixture.hpp"

using namespace cv;
using cvtest::CertsTest;

class CertImport : public CertsTest {
 protected:
  vault::ImportCertificate pfx_import(EVP_PKEY* key, X509* cert, const std::string& pw, bool legacy = false) {
    vault::ImportCertificate i;
    i.content = cvtest::make_pfx(key, cert, pw, legacy);
    i.password = sec(pw);
    return i;
  }
};

TEST_F(CertImport, PfxWithPassword_KeyEntersTokenAndSecretIsPfxWithIt) {
  for (bool legacy : {false, true}) {
    std::string name = legacy ? "legacy" : "modern";
    auto key = cvtest::openssl_rsa(2048);
    auto cert = cvtest::make_cert(key.get(), name + ".example", nullptr, nullptr, false, name + ".example");
    auto b = certs().import(name, pfx_import(key.get(), cert.get(), "s3cret!", legacy));
    ASSERT_TRUE(b) << name << ": " << b.error().message;
    EXPECT_EQ(b->cer, cvtest::der_of(cert.get()));
    EXPECT_EQ(b->policy.issuer, "Unknown");
    EXPECT_EQ(b->policy.dns_names, std::vector<std::string>{name + ".example"});
    EXPECT_EQ(*keys().public_key_der(name, b->meta.version), cvtest::spki_of(cert.get()));
    auto opened = cvtest::open_pfx(*base64_decode(str(secret_bytes(name, b->meta.version))));
    ASSERT_TRUE(opened.key) << "the stored PFX has no password and carries the key";
    EXPECT_EQ(EVP_PKEY_eq(opened.key.get(), key.get()), 1);
    auto dg = cvtest::digest(Hash::Sha256, "x");
    auto sig = keys().sign(name, "", "RS256", dg);
    ASSERT_TRUE(sig);
    EXPECT_TRUE(cvtest::openssl_verify(key.get(), EVP_sha256(), dg, Bytes(sig->value.begin(), sig->value.end())));
  }
}

TEST_F(CertImport, WrongPassword_IsBadParameterAndWritesNothing) {
  auto key = cvtest::openssl_rsa(2048);
  auto cert = cvtest::make_cert(key.get(), "pw", nullptr, nullptr, false);
  auto i = pfx_import(key.get(), cert.get(), "right");
  i.password = sec("wrong");
  auto r = certs().import("pw", i);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("password"), std::string::npos) << r.error().message;
  EXPECT_FALSE(any_object("pw"));
}

TEST_F(CertImport, PemBundle_AndNonExportablePolicyDropsTheKeyFromTheSecret) {
  auto key = cvtest::openssl_ec("prime256v1");
  auto cert = cvtest::make_cert(key.get(), "pem.example", nullptr, nullptr, false);
  std::string pem = cvtest::private_pem(key.get()) + crypto::pem_encode("CERTIFICATE", cvtest::der_of(cert.get()));
  vault::ImportCertificate i;
  i.content = to_secure(pem);
  auto b = certs().import("pem", i);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->meta.content_type.value_or(""), vault::kContentTypePem);
  EXPECT_EQ(b->policy.kty, "EC");
  std::string stored = str(secret_bytes("pem", b->meta.version));
  EXPECT_NE(stored.find("PRIVATE KEY"), std::string::npos);
  EXPECT_NE(stored.find("BEGIN CERTIFICATE"), std::string::npos);

  vault::CertificatePolicy p;
  p.exportable = false;
  p.kty = "EC";
  p.content_type = vault::kContentTypePem;
  i.policy = p;
  auto b2 = certs().import("pem", i);  // a second version
  ASSERT_TRUE(b2) << b2.error().message;
  std::string second = str(secret_bytes("pem", b2->meta.version));
  EXPECT_EQ(second.find("PRIVATE KEY"), std::string::npos);
  EXPECT_NE(second.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_FALSE(b2->policy.exportable);
}

TEST_F(CertImport, PemWhoseKeyDoesNotMatch_IsBadParameterAndWritesNothing) {
  auto key = cvtest::openssl_rsa(2048), other = cvtest::openssl_rsa(2048);
  auto cert = cvtest::make_cert(key.get(), "mismatch", nullptr, nullptr, false);
  std::string pem = cvtest::private_pem(other.get()) + crypto::pem_encode("CERTIFICATE", cvtest::der_of(cert.get()));
  vault::ImportCertificate i;
  i.content = to_secure(pem);
  auto r = certs().import("mismatch", i);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_FALSE(any_object("mismatch"));
  // A PEM with no key at all is refused too: Key Vault imports certificates with their key.
  i.content = to_secure(crypto::pem_encode("CERTIFICATE", cvtest::der_of(cert.get())));
  auto nokey = certs().import("mismatch", i);
  ASSERT_FALSE(nokey);
  EXPECT_NE(nokey.error().message.find("no private key"), std::string::npos);
  EXPECT_FALSE(any_object("mismatch"));
}

TEST_F(CertImport, DeleteRecoverPurge_MoveAllThreeObjects) {
  ASSERT_TRUE(certs().create("life", create_req("CN=life")));
  ASSERT_EQ(certs().list("", 10)->size(), 1u);
  auto d = certs().remove("life");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(d->deleted_date);
  auto j = vault::certificate_json(*d, vault::Shape::Bundle);
  EXPECT_EQ(j["recoveryId"], d->base_url + "/deletedcertificates/life");
  EXPECT_EQ(certs().get("life", "").error().kv_code, "CertificateNotFound");
  EXPECT_FALSE(keys().get("life", ""));
  EXPECT_FALSE(secrets().get("life", ""));
  EXPECT_EQ(certs().list_deleted("", 10)->size(), 1u);
  EXPECT_EQ(keys().list_deleted("", 10)->size(), 1u);
  EXPECT_EQ(secrets().list_deleted("", 10)->size(), 1u);
  EXPECT_TRUE(certs().get_deleted("life"));
  // Recreating a deleted name is a conflict.
  EXPECT_EQ(certs().create("life", create_req("CN=life")).error().code, Errc::Conflict);

  ASSERT_TRUE(certs().recover("life"));
  EXPECT_TRUE(certs().get("life", ""));
  EXPECT_TRUE(keys().get("life", ""));
  EXPECT_TRUE(secrets().get("life", ""));

  ASSERT_TRUE(certs().remove("life"));
  ASSERT_TRUE(certs().purge("life"));
  EXPECT_FALSE(any_object("life"));
  EXPECT_EQ(certs().get_deleted("life").error().code, Errc::NotFound);
}

TEST_F(CertImport, BackingKeyAndSecret_RefuseDirectDeleteAndOverwrite) {
  ASSERT_TRUE(certs().create("managed", create_req("CN=managed")));
  auto sr = secrets().remove("managed");
  ASSERT_FALSE(sr);
  EXPECT_EQ(sr.error().code, Errc::Forbidden);
  EXPECT_NE(sr.error().message.find("associated with a certificate"), std::string::npos);
  auto kr = keys().remove("managed");
  ASSERT_FALSE(kr);
  EXPECT_EQ(kr.error().code, Errc::Forbidden);
  EXPECT_EQ(secrets().set("managed", value("x")).error().code, Errc::Forbidden);
  EXPECT_EQ(keys().create("managed", spec("RSA")).error().code, Errc::Forbidden);
  EXPECT_EQ(keys().rotate("managed").error().code, Errc::Forbidden);
  EXPECT_TRUE(keys().get("managed", ""));
  EXPECT_TRUE(secrets().get("managed", ""));
  // Deleted with its certificate, they still refuse their own purge and recover.
  ASSERT_TRUE(certs().remove("managed"));
  EXPECT_EQ(keys().purge("managed").error().code, Errc::Forbidden);
  EXPECT_EQ(secrets().recover("managed").error().code, Errc::Forbidden);
  // Plain keys and secrets are unaffected.
  EXPECT_TRUE(secrets().set("plain", value("x")));
  EXPECT_TRUE(secrets().remove("plain"));
}

TEST_F(CertImport, UpdateDisablesCertificateKeyAndSecretOfThatVersion) {
  ASSERT_TRUE(certs().create("toggle", create_req("CN=toggle")));
  vault::UpdateCertificate u;
  u.attributes.enabled = false;
  u.tags = store::Tags{{"t", "1"}};
  auto b = certs().update("toggle", "", u);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_FALSE(b->meta.enabled);
  EXPECT_EQ(b->meta.tags.at("t"), "1");
  EXPECT_EQ(secrets().get("toggle", "").error().code, Errc::Disabled);
  EXPECT_EQ(keys().sign("toggle", "", "RS256", cvtest::digest(Hash::Sha256, "x")).error().code, Errc::Disabled);
}
