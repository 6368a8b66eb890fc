// Certificates created from a policy against a real SoftHSM token: self-signed (exportable RSA,
// non-exportable EC), versions, reuse_key, policy checks.
#include "hsm/certificates_fixture.hpp"

using namespace cv;
using cvtest::CertsTest;

class CertCreate : public CertsTest {};

TEST_F(CertCreate, SelfSignedRsa_CertificateMatchesPolicyAndVerifiesWithItsOwnKey) {
  auto c = create_req("CN=app.example, O=Contoso");
  c.policy.dns_names = {"app.example", "www.app.example"};
  c.policy.ip_addresses = {"10.0.0.1"};
  c.policy.ekus = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  c.policy.key_usage = {"digitalSignature", "keyEncipherment"};
  c.policy.validity_months = 6;
  c.tags = {{"env", "test"}};
  auto op = certs().create("web", c);
  ASSERT_TRUE(op) << op.error().message;
  EXPECT_EQ(op->status, "completed");

  auto b = certs().get("web", "");
  ASSERT_TRUE(b) << b.error().message;
  auto x = cvtest::x509_of(b->cer);
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_verify(x.get(), X509_get0_pubkey(x.get())), 1) << "signed in the token by its own key";
  EXPECT_NE(cvtest::subject_of(x.get()).find("CN=app.example"), std::string::npos);
  EXPECT_EQ(cvtest::san_dns(x.get()), (std::vector<std::string>{"app.example", "www.app.example"}));
  EXPECT_EQ(cvtest::ekus_of(x.get()), c.policy.ekus);

  // kid and sid are the same version as the certificate, and the key is the certificate's key.
  const std::string& ver = b->meta.version;
  EXPECT_TRUE(b->kid.ends_with("/keys/web/" + ver));
  EXPECT_TRUE(b->sid.ends_with("/secrets/web/" + ver));
  auto spki = keys().public_key_der("web", ver);
  ASSERT_TRUE(spki) << spki.error().message;
  EXPECT_EQ(*spki, cvtest::spki_of(x.get()));

  // The secret is a PFX (base64) that OpenSSL opens without password, with the matching private key.
  auto s = secrets().get("web", ver);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->meta.content_type.value_or(""), vault::kContentTypePkcs12);
  auto pfx = base64_decode(std::string(s->value->begin(), s->value->end()));
  ASSERT_TRUE(pfx);
  auto opened = cvtest::open_pfx(*pfx);
  ASSERT_TRUE(opened.key && opened.cert);
  EXPECT_EQ(EVP_PKEY_eq(opened.key.get(), X509_get0_pubkey(x.get())), 1);
  EXPECT_EQ(cvtest::der_of(opened.cert.get()), b->cer);

  auto j = vault::certificate_json(*b, vault::Shape::Bundle);
  EXPECT_EQ(j["id"], b->base_url + "/certificates/web/" + ver);
  EXPECT_EQ(j["x5t"], base64url_encode(crypto::digest(Hash::Sha1, b->cer)));
  EXPECT_EQ(j["cer"], base64_encode(b->cer));
  EXPECT_EQ(j["contentType"], vault::kContentTypePkcs12);
  EXPECT_EQ(j["tags"]["env"], "test");
  EXPECT_EQ(j["policy"]["id"], b->base_url + "/certificates/web/policy");
  EXPECT_EQ(j["policy"]["key_props"]["kty"], "RSA");
  EXPECT_EQ(j["policy"]["key_props"]["key_size"], 2048);
  EXPECT_EQ(j["policy"]["x509_props"]["sans"]["dns_names"].size(), 2u);
  EXPECT_EQ(j["policy"]["x509_props"]["validity_months"], 6);
  EXPECT_EQ(j["policy"]["issuer"]["name"], "Self");
  // nbf/exp are the certificate's validity, about six months apart.
  auto nbf = j["attributes"]["nbf"].get<std::int64_t>(), exp = j["attributes"]["exp"].get<std::int64_t>();
  EXPECT_GT(exp - nbf, 170 * 86400);
  EXPECT_LT(exp - nbf, 190 * 86400);
  auto item = vault::certificate_json(*b, vault::Shape::Item);
  EXPECT_EQ(item["id"], b->base_url + "/certificates/web");
  EXPECT_FALSE(item.contains("cer"));
}

TEST_F(CertCreate, EcNonExportable_SecretHasNoPrivateKeyAndTheKeySignsInTheToken) {
  auto c = create_req("CN=signer", "EC");
  c.policy.crv = "P-384";
  c.policy.exportable = false;
  c.policy.content_type = vault::kContentTypePem;
  auto op = certs().create("ec-cert", c);
  ASSERT_TRUE(op) << op.error().message;
  auto b = certs().get("ec-cert", "");
  ASSERT_TRUE(b);
  auto x = cvtest::x509_of(b->cer);
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_verify(x.get(), X509_get0_pubkey(x.get())), 1);
  std::string pem = str(secret_bytes("ec-cert", b->meta.version));
  EXPECT_NE(pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_EQ(pem.find("PRIVATE KEY"), std::string::npos);
  auto dg = cvtest::digest(Hash::Sha384, "message");
  auto sig = keys().sign("ec-cert", b->meta.version, "ES384", dg);
  ASSERT_TRUE(sig) << sig.error().message;
  auto der_sig = crypto::ecdsa_raw_to_der(Bytes(sig->value.begin(), sig->value.end()));
  ASSERT_TRUE(der_sig);
  EXPECT_TRUE(cvtest::openssl_verify(X509_get0_pubkey(x.get()), EVP_sha384(), dg, *der_sig));
  EXPECT_EQ(vault::certificate_json(*b, vault::Shape::Bundle)["policy"]["key_props"]["crv"], "P-384");
}

TEST_F(CertCreate, SecondCreate_IsANewVersionOfAllThreeAndUpdatedPolicyAppliesToIt) {
  ASSERT_TRUE(certs().create("multi", create_req("CN=first")));
  auto first = certs().get("multi", "");
  ASSERT_TRUE(first);
  auto p = certs().update_policy("multi", {{"x509_props", {{"subject", "CN=second"}}}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->subject, "CN=second");
  // The current certificate is unchanged until the next version.
  EXPECT_EQ(certs().get("multi", "")->cer, first->cer);
  auto c = vault::CreateCertificate{};
  c.policy = *certs().policy("multi");
  ASSERT_TRUE(certs().create("multi", c));
  auto second = certs().get("multi", "");
  ASSERT_TRUE(second);
  EXPECT_NE(second->meta.version, first->meta.version);
  EXPECT_NE(cvtest::subject_of(cvtest::x509_of(second->cer).get()).find("CN=second"), std::string::npos);
  EXPECT_EQ(certs().list_versions("multi", "", 10)->size(), 2u);
  EXPECT_EQ(keys().list_versions("multi", "", 10)->size(), 2u);
  EXPECT_EQ(secrets().list_versions("multi", "", 10)->size(), 2u);
  EXPECT_EQ(keys().get("multi", "")->meta.version, second->meta.version);
  // The old version is still there by id.
  EXPECT_EQ(certs().get("multi", first->meta.version)->cer, first->cer);
  // New key material (reuse_key is off).
  EXPECT_NE(*keys().public_key_der("multi", first->meta.version), *keys().public_key_der("multi", second->meta.version));
}

TEST_F(CertCreate, ReuseKey_NewVersionKeepsTheKeyAndThePfxStillCarriesIt) {
  auto c = create_req("CN=reuse");
  c.policy.reuse_key = true;
  ASSERT_TRUE(certs().create("reuse", c));
  auto first = certs().get("reuse", "");
  auto op = certs().create("reuse", c);
  ASSERT_TRUE(op) << op.error().message;
  auto second = certs().get("reuse", "");
  ASSERT_NE(first->meta.version, second->meta.version);
  EXPECT_EQ(*keys().public_key_der("reuse", first->meta.version), *keys().public_key_der("reuse", second->meta.version));
  auto pfx = base64_decode(str(secret_bytes("reuse", second->meta.version)));
  ASSERT_TRUE(pfx);
  auto opened = cvtest::open_pfx(*pfx);
  ASSERT_TRUE(opened.key);
  EXPECT_EQ(EVP_PKEY_eq(opened.key.get(), X509_get0_pubkey(cvtest::x509_of(second->cer).get())), 1);
}

TEST_F(CertCreate, BadPolicies_AreBadParameterNamingTheFieldAndWriteNothing) {
  auto unknown_kty = vault::certificate_policy_from_json({{"key_props", {{"kty", "DSA"}}}});
  ASSERT_FALSE(unknown_kty);
  EXPECT_EQ(unknown_kty.error().code, Errc::BadParameter);
  EXPECT_NE(unknown_kty.error().message.find("key_props.kty"), std::string::npos);

  auto empty_subject = certs().create("nosubject", create_req(""));
  ASSERT_FALSE(empty_subject);
  EXPECT_EQ(empty_subject.error().code, Errc::BadParameter);
  EXPECT_NE(empty_subject.error().message.find("subject"), std::string::npos);
  EXPECT_FALSE(any_object("nosubject"));

  auto hsm = create_req("CN=x", "RSA-HSM");
  hsm.policy.exportable = true;
  auto r = certs().create("hsm", hsm);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("exportable"), std::string::npos);
  EXPECT_FALSE(any_object("hsm"));

  auto small = vault::certificate_policy_from_json({{"key_props", {{"kty", "RSA"}, {"key_size", 1024}}}});
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("key_props.key_size"), std::string::npos);
}

TEST_F(CertCreate, PolicyFile_AzDefaultPolicyShapeIsAccepted) {
  auto j = nlohmann::json::parse(R"({
    "issuerParameters": {"certificateTransparency": null, "name": "Self"},
    "keyProperties": {"curve": null, "exportable": true, "keySize": 3072, "keyType": "RSA", "reuseKey": true},
    "lifetimeActions": [{"action": {"actionType": "AutoRenew"}, "trigger": {"daysBeforeExpiry": 90}}],
    "secretProperties": {"contentType": "application/x-pem-file"},
    "x509CertificateProperties": {"keyUsage": ["digitalSignature"], "subject": "CN=CLIGetDefaultPolicy",
      "subjectAlternativeNames": {"dnsNames": ["a.example"]}, "validityInMonths": 24}})");
  auto p = vault::certificate_policy_from_json(j);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(*p->key_size, 3072u);
  EXPECT_TRUE(p->reuse_key);
  EXPECT_EQ(p->content_type, vault::kContentTypePem);
  EXPECT_EQ(p->dns_names, std::vector<std::string>{"a.example"});
  EXPECT_EQ(p->validity_months, 24);
  EXPECT_EQ(p->lifetime_actions.size(), 1u);
  // The REST shape round-trips.
  auto again = vault::certificate_policy_from_json(vault::certificate_policy_json(*p, "x"));
  ASSERT_TRUE(again);
  EXPECT_EQ(vault::certificate_policy_json(*again, "x"), vault::certificate_policy_json(*p, "x"));
  auto d = vault::default_certificate_policy();
  EXPECT_EQ(d.subject, "CN=CLIGetDefaultPolicy");
  EXPECT_TRUE(vault::certificate_policy_from_json(vault::certificate_policy_json(d, "")));
}

TEST_F(CertCreate, StandaloneKeyOrSecretOfThatName_IsConflict) {
  ASSERT_TRUE(keys().create("taken", spec("RSA")));
  auto r = certs().create("taken", create_req("CN=x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  EXPECT_FALSE(svc->catalog().object("main", store::ObjType::Certificate, "taken"));
}
