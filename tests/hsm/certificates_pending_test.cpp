// Issuer Unknown: the CSR, a CA made here with OpenSSL signs it, merge completes the version; merges for
// another key are refused; delete of the pending operation.
#include "hsm/certificates_fixture.hpp"

using namespace cv;
using cvtest::CertsTest;

class CertPending : public CertsTest {
 protected:
  cvtest::Pkey ca_key = cvtest::openssl_ec("P-256");
  cvtest::X509Ptr ca = cvtest::make_cert(ca_key.get(), "Test CA", nullptr, nullptr, true);

  vault::CreateCertificate unknown(const std::string& subject) {
    auto c = create_req(subject);
    c.policy.issuer = "Unknown";
    return c;
  }
};

TEST_F(CertPending, Csr_SignedByCaAndMerged_ChainVerifies) {
  auto op = certs().create("issued", unknown("CN=issued.example"));
  ASSERT_TRUE(op) << op.error().message;
  EXPECT_EQ(op->status, "inProgress");
  EXPECT_EQ(op->issuer, "Unknown");
  EXPECT_EQ(op->request_id.size(), 32u);
  ASSERT_FALSE(op->csr.empty());
  auto j = vault::certificate_operation_json(*op);
  EXPECT_EQ(j["id"], op->base_url + "/certificates/issued/pending");
  EXPECT_EQ(j["csr"], base64_encode(op->csr));

  // While pending: the certificate has no cer, the key exists, the secret does not.
  auto pend = certs().get("issued", "");
  ASSERT_TRUE(pend) << pend.error().message;
  EXPECT_TRUE(pend->cer.empty());
  EXPECT_FALSE(vault::certificate_json(*pend, vault::Shape::Bundle).contains("x5t"));
  EXPECT_TRUE(keys().get("issued", pend->meta.version));
  EXPECT_FALSE(secrets().get("issued", ""));
  auto again = certs().pending("issued");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->csr, op->csr);
  EXPECT_EQ(certs().create("issued", unknown("CN=issued.example")).error().code, Errc::Conflict);

  Bytes leaf = cvtest::ca_sign_csr(op->csr, ca_key.get(), ca.get());
  ASSERT_FALSE(leaf.empty());
  auto merged = certs().merge("issued", {leaf, cvtest::der_of(ca.get())}, {{"merged", "yes"}}, {});
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(merged->cer, leaf);
  EXPECT_EQ(merged->meta.version, pend->meta.version);
  auto x = cvtest::x509_of(leaf);
  EXPECT_TRUE(cvtest::chain_verifies(x.get(), ca.get()));
  EXPECT_EQ(certs().pending("issued").error().code, Errc::NotFound);
  auto b = certs().get("issued", "");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->cer, leaf);
  EXPECT_EQ(b->meta.tags.at("merged"), "yes");
  // The secret holds the chain, no private key (the key never left the token).
  auto pfx = base64_decode(str(secret_bytes("issued", b->meta.version)));
  ASSERT_TRUE(pfx);
  const unsigned char* p = pfx->data();
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(pfx->size()));
  ASSERT_TRUE(p12);
  EVP_PKEY* k = nullptr;
  X509* c = nullptr;
  STACK_OF(X509)* more = nullptr;
  ASSERT_EQ(PKCS12_parse(p12, "", &k, &c, &more), 1);
  EXPECT_EQ(k, nullptr);
  int certs_in = (c ? 1 : 0) + (more ? sk_X509_num(more) : 0);
  EXPECT_EQ(certs_in, 2);
  EVP_PKEY_free(k);
  X509_free(c);
  sk_X509_pop_free(more, X509_free);
  PKCS12_free(p12);
  // The token key signs for the merged certificate's public key.
  auto dg = cvtest::digest(Hash::Sha256, "hello");
  auto sig = keys().sign("issued", b->meta.version, "RS256", dg);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_TRUE(cvtest::openssl_verify(X509_get0_pubkey(x.get()), EVP_sha256(), dg,
                                     Bytes(sig->value.begin(), sig->value.end())));
}

TEST_F(CertPending, MergeWithCertificateForAnotherKey_IsBadParameterAndChangesNothing) {
  ASSERT_TRUE(certs().create("other", unknown("CN=other")));
  auto stranger = cvtest::openssl_rsa(2048);
  auto wrong = cvtest::make_cert(stranger.get(), "other", ca_key.get(), ca.get(), false);
  auto r = certs().merge("other", {cvtest::der_of(wrong.get())}, {}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("issued for another key"), std::string::npos);
  EXPECT_TRUE(certs().pending("other"));
  EXPECT_TRUE(certs().get("other", "")->cer.empty());
  EXPECT_FALSE(svc->catalog().object("main", store::ObjType::Secret, "other"));
  auto garbage = certs().merge("other", {Bytes{1, 2, 3}}, {}, {});
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::BadParameter);
}

TEST_F(CertPending, DeletePending_OnlyVersionRemovesCertificateAndKey) {
  ASSERT_TRUE(certs().create("gone", unknown("CN=gone")));
  auto op = certs().delete_pending("gone");
  ASSERT_TRUE(op) << op.error().message;
  EXPECT_FALSE(any_object("gone"));
  EXPECT_EQ(certs().pending("gone").error().code, Errc::NotFound);
  // The name is free again.
  EXPECT_TRUE(certs().create("gone", create_req("CN=gone")));
}

TEST_F(CertPending, DeletePending_WithOlderVersionPointsBackToIt) {
  ASSERT_TRUE(certs().create("kept", create_req("CN=kept")));
  auto first = certs().get("kept", "");
  ASSERT_TRUE(certs().update_policy("kept", {{"issuer", {{"name", "Unknown"}}}}));
  ASSERT_TRUE(certs().create("kept", unknown("CN=kept")));
  EXPECT_TRUE(certs().get("kept", "")->cer.empty());
  auto cancelled = certs().cancel_pending("kept");
  ASSERT_TRUE(cancelled);
  EXPECT_TRUE(cancelled->cancellation_requested);
  ASSERT_TRUE(certs().delete_pending("kept"));
  auto now = certs().get("kept", "");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->meta.version, first->meta.version);
  EXPECT_EQ(now->cer, first->cer);
  EXPECT_EQ(keys().get("kept", "")->meta.version, first->meta.version);
  EXPECT_EQ(certs().list_versions("kept", "", 10)->size(), 1u);
}
