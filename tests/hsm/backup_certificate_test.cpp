// Certificate blobs against real SoftHSM tokens: the certificate, its key and its secret travel
// together, restore is all-or-nothing, and the blob stays bound to its security domain.
#include "coldvault/backup.hpp"
#include "coldvault/certificates.hpp"
#include "coldvault/keys.hpp"
#include "coldvault/lineage.hpp"
#include "hsm/vault_home.hpp"

using namespace cv;
using cvtest::VaultHome;

namespace {

class CertBackup : public VaultHome {
 protected:
  void SetUp() override {
    VaultHome::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(svc->create_vault({"second", 90, false}));
  }
  vault::Certificates certs(const std::string& vault = "main") { return {*svc, vault}; }
  // A self-signed certificate (or a pending one for issuer Unknown).
  void create(const std::string& name, const std::string& issuer = "Self") {
    vault::CreateCertificate c;
    c.policy = vault::default_certificate_policy();
    c.policy.subject = "CN=" + name + ".example";
    c.policy.dns_names = {name + ".example"};
    c.policy.issuer = issuer;
    c.tags = {{"owner", "tests"}};
    auto op = certs().create(name, c);
    ASSERT_TRUE(op) << op.error().message;
  }
  std::string secret_value(const std::string& vault, const std::string& name,
                           const std::string& version) {
    auto s = vault::Secrets(*svc, vault).get(name, version);
    EXPECT_TRUE(s) << s.error().message;
    return s && s->value ? std::string(s->value->begin(), s->value->end()) : "";
  }
  std::size_t count(vault::Service& s, const std::string& vault) {
    return vault::Certificates(s, vault).list("", 100)->size() +
           vault::Keys(s, vault).list("", 100)->size() +
           vault::Secrets(s, vault).list("", 100)->size();
  }
};

std::string last_segment(const std::string& id) { return id.substr(id.rfind('/') + 1); }

}  // namespace

TEST_F(CertBackup, Certificate_RoundTripKeepsVersionsThumbprintsKeysAndSecrets) {
  create("web");
  create("web");  // a second version
  auto versions = certs().list_versions("web", "", 10);
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 2u);
  auto blob = backup::backup_certificate(*svc, "main", "web");
  ASSERT_TRUE(blob) << blob.error().message;
  auto env = backup::parse_blob(*blob);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->type, "certificate");

  auto restored = backup::restore_certificate(*svc, "second", *blob);
  ASSERT_TRUE(restored) << restored.error().message;
  auto original = certs().get("web", "");
  ASSERT_TRUE(original);
  EXPECT_EQ(restored->x5t, original->x5t);
  EXPECT_EQ(restored->cer, original->cer);
  EXPECT_EQ(restored->meta.version, original->meta.version);
  EXPECT_EQ(restored->meta.tags, original->meta.tags);
  EXPECT_EQ(last_segment(restored->sid), last_segment(original->sid));
  EXPECT_EQ(restored->policy.subject, "CN=web.example");
  for (const auto& v : *versions) {
    auto src = certs().get("web", v.meta.version);
    auto dst = certs("second").get("web", v.meta.version);
    ASSERT_TRUE(src && dst);
    EXPECT_EQ(dst->x5t, src->x5t);
    std::string sv = secret_value("second", "web", v.meta.version);
    EXPECT_FALSE(sv.empty());
    EXPECT_EQ(sv,
              secret_value("main", "web", v.meta.version));  // the PFX, re-sealed for the target
    auto sk = vault::Keys(*svc, "main").get("web", v.meta.version);
    auto dk = vault::Keys(*svc, "second").get("web", v.meta.version);
    ASSERT_TRUE(sk && dk) << (dk ? "" : dk.error().message);
    EXPECT_EQ(vault::key_json(*dk, vault::Shape::Bundle)["key"]["n"],
              vault::key_json(*sk, vault::Shape::Bundle)["key"]["n"]);
  }
  // The restored key is still the certificate's: it cannot be deleted on its own.
  auto del = vault::Keys(*svc, "second").remove("web");
  ASSERT_FALSE(del);
  EXPECT_EQ(del.error().code, Errc::Forbidden);
}

TEST_F(CertBackup, Restore_TwiceIsConflictAndRecorded) {
  create("twice");
  auto blob = *backup::backup_certificate(*svc, "main", "twice");
  ASSERT_TRUE(backup::restore_certificate(*svc, "second", blob));
  auto again = backup::restore_certificate(*svc, "second", blob);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::Conflict);
  EXPECT_NE(again.error().message.find("There was a conflict restoring the certificate"),
            std::string::npos);
  auto events = store::blob_events(svc->catalog(), backup::blob_sha256(blob), 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3u);  // backup, restore ok, restore Conflict
  EXPECT_EQ((*events)[0].outcome, "Conflict");
}

TEST_F(CertBackup, Restore_RefusesWhenASecretOfThatNameExistsAndWritesNothing) {
  create("taken");
  auto blob = *backup::backup_certificate(*svc, "main", "taken");
  ASSERT_TRUE(secrets("second").set("taken", value("plain")));
  std::size_t before = count(*svc, "second");
  auto r = backup::restore_certificate(*svc, "second", blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  EXPECT_EQ(count(*svc, "second"), before);
  EXPECT_FALSE(vault::Keys(*svc, "second").get("taken", ""));
}

TEST_F(CertBackup, Restore_RefusesBlobFromAnotherDomain) {
  create("bound");
  auto blob = *backup::backup_certificate(*svc, "main", "bound");
  svc.reset();  // one SoftHSM configuration per process at a time (as backup_test.cpp does)
  vault::HomeOptions other;
  other.home = (dir / "other").string();
  auto made = vault::init(other, {"main", 90, false});
  ASSERT_TRUE(made) << made.error().message;
  auto o = vault::Service::open(other);
  ASSERT_TRUE(o) << o.error().message;
  auto r = backup::restore_certificate(*o, "main", blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("is not present in this token"), std::string::npos);
  EXPECT_EQ(count(*o, "main"), 0u);
}

TEST_F(CertBackup, Backup_RefusedWhilePendingAndForBackingKeyOrSecret) {
  create("csr", "Unknown");
  auto pending = backup::backup_certificate(*svc, "main", "csr");
  ASSERT_FALSE(pending);
  EXPECT_EQ(pending.error().code, Errc::Forbidden);
  EXPECT_NE(pending.error().message.find("pending"), std::string::npos);
  create("web");
  auto s = backup::backup_secret(*svc, "main", "web");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::Forbidden);
  auto k = backup::backup_key(*svc, "main", "web");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, Errc::Forbidden);
  auto missing = backup::backup_certificate(*svc, "main", "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::NotFound);
}
