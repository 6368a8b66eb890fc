// Whole-vault bundles against a real SoftHSM token: one read snapshot whatever writers do meanwhile, and a
// refused restore that leaves the home as it was (no vault, no token keys, no registry entry).
#include <filesystem>
#include <fstream>

#include "coldvault/bundle.hpp"
#include "coldvault/certificate_issuers.hpp"
#include "coldvault/issuer_rows.hpp"
#include "coldvault/key_rotation.hpp"
#include "coldvault/rotation_rows.hpp"
#include "coldvault/trust.hpp"
#include "hsm/vault_home.hpp"

using namespace cv;
using cvtest::VaultHome;

namespace {

class Bundle : public VaultHome {
 protected:
  std::string file() const { return (dir / "main.cvb").string(); }
  std::size_t live(const std::string& vault) { return vault::Secrets(*svc, vault).list("", 1000)->size(); }
};

}  // namespace

TEST_F(Bundle, ConcurrentWriterDuringBackup_ChangesNothingInTheBundle) {
  auto s = secrets();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.set("s" + std::to_string(i), value("v" + std::to_string(i))));
  auto other = vault::Service::open(opts);  // another connection, as another process or server worker
  ASSERT_TRUE(other) << other.error().message;
  bool wrote = false;
  auto progress = [&](std::uint64_t done, std::uint64_t, std::uint64_t) {
    if (done != 1 || wrote) return;
    vault::Secrets w(*other, "main");
    // Every write commits while the backup is between its first and second object: none may wait for it.
    EXPECT_TRUE(w.set("late", value("new")));
    EXPECT_TRUE(w.set("s3", value("v3-second")));
    EXPECT_TRUE(w.remove("s4"));
    wrote = true;
  };
  auto b = bundle::backup_vault(*svc, "main", file(), progress);
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_TRUE(wrote);
  EXPECT_EQ(b->counts.secrets, 5);
  EXPECT_EQ(b->counts.versions, 5);
  EXPECT_EQ(b->counts.deleted, 0);

  auto r = bundle::restore_vault(*svc, "copy", file());
  ASSERT_TRUE(r) << r.error().message;
  vault::Secrets c(*svc, "copy");
  EXPECT_FALSE(c.get("late", "")) << "written after the snapshot";
  EXPECT_EQ(c.list_versions("s3", "", 10)->size(), 1u) << "the second version came after the snapshot";
  auto s4 = c.get("s4", "");
  ASSERT_TRUE(s4) << "deleted after the snapshot, so live in the bundle";
  EXPECT_EQ(std::string(s4->value->begin(), s4->value->end()), "v4");
  EXPECT_EQ(live("main"), 5u) << "main: s0-s3 and late";
}

TEST_F(Bundle, RefusedRestoreIntoANewVault_LeavesNoVaultNoKeysNoSigner) {
  ASSERT_TRUE(secrets().set("a", value("x")));
  ASSERT_TRUE(bundle::backup_vault(*svc, "main", file()));
  auto signers_before = vault::trusted_signers(*svc)->size();
  // Corrupt the body's only chunk: the restore fails after it made the vault.
  {
    std::fstream f(file(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0);
    char pre[16];
    f.read(pre, 16);
    std::uint32_t header_len = (std::uint8_t(pre[12]) << 24) | (std::uint8_t(pre[13]) << 16) | (std::uint8_t(pre[14]) << 8) |
                               std::uint8_t(pre[15]);
    f.seekg(16 + header_len + 3);
    char c = 0;
    f.get(c);
    f.seekp(16 + header_len + 3);
    f.put(static_cast<char>(c ^ 0x5a));
  }
  auto r = bundle::restore_vault(*svc, "fresh", file());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("chunk 0"), std::string::npos) << r.error().message;
  EXPECT_FALSE(svc->catalog().vault("fresh"));
  EXPECT_FALSE(svc->catalog().deleted_vault("fresh"));
  auto labels = svc->token().object_labels();
  ASSERT_TRUE(labels);
  for (const auto& l : *labels) EXPECT_EQ(l.find("fresh"), std::string::npos) << l;
  EXPECT_EQ(vault::trusted_signers(*svc)->size(), signers_before);
  // And the name is free for the same restore of an intact bundle.
  std::filesystem::remove(file());
  ASSERT_TRUE(bundle::backup_vault(*svc, "main", file()));
  auto again = bundle::restore_vault(*svc, "fresh", file());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->created_vault);
}

TEST_F(Bundle, EmptyVault_RoundTripsWithOneEmptyFinalChunk) {
  ASSERT_TRUE(svc->create_vault({"empty", 30, true}));
  auto b = bundle::backup_vault(*svc, "empty", file());
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->chunks, 1u);
  auto v = bundle::verify(file(), svc->catalog().vault("empty")->signer_cert_pem);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok) << v->report.dump();
  auto r = bundle::restore_vault(*svc, "empty2", file());
  ASSERT_TRUE(r) << r.error().message;
  auto row = svc->catalog().vault("empty2");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->retention_days, 30) << "a new vault takes the bundle's settings";
  EXPECT_TRUE(row->purge_protection);
}

// A bundle holds the vault's settings too: certificate contacts, issuers (the password re-sealed for the target
// vault) and key rotation policies (of live and soft-deleted keys). A whole restore brings them all; a
// restore into a vault that has contacts or an issuer of the same name is refused naming them; a selective
// restore of a key brings its policy.
TEST_F(Bundle, SettingsRoundTrip_ContactsIssuersWithPasswordAndRotationPolicies) {
  ASSERT_TRUE(vault::set_certificate_contacts(*svc, "main", {{"ops@example.com", "Ops", ""}}));
  vault::IssuerChange ic;
  ic.provider = "DigiCert";
  ic.account_id = "acct-1";
  ic.password = SecureString("issuer-pwd-canary-4411");
  ASSERT_TRUE(vault::set_certificate_issuer(*svc, "main", "digicert", ic, false));
  vault::Keys keys(*svc, "main");
  vault::KeySpec ks;
  ks.kty = "EC";
  for (const char* k : {"rotated", "gone"}) ASSERT_TRUE(keys.create(k, ks));
  auto policy = vault::parse_rotation_policy(
      R"({"lifetimeActions":[{"action":{"type":"Rotate"},"trigger":{"timeAfterCreate":"P90D"}}],"attributes":{"expiryTime":"P1Y"}})");
  ASSERT_TRUE(policy) << policy.error().message;
  ASSERT_TRUE(vault::set_rotation_policy(*svc, "main", "rotated", *policy));
  ASSERT_TRUE(vault::set_rotation_policy(*svc, "main", "gone", *policy));
  ASSERT_TRUE(keys.remove("gone"));
  const auto before = store::rotation_policies(svc->catalog(), "main");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->size(), 2u);
  ASSERT_TRUE(bundle::backup_vault(*svc, "main", file()));

  auto r = bundle::restore_vault(*svc, "copy", file());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->counts.keys, 2) << "the settings record is not counted as an object";
  auto contacts = vault::get_certificate_contacts(*svc, "copy");
  ASSERT_TRUE(contacts) << contacts.error().message;
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_EQ((*contacts)[0].email, "ops@example.com");
  auto issuer = vault::get_certificate_issuer(*svc, "copy", "digicert");
  ASSERT_TRUE(issuer) << issuer.error().message;
  EXPECT_EQ(issuer->provider, "DigiCert");
  EXPECT_EQ(issuer->account_id.value_or(""), "acct-1");
  EXPECT_TRUE(issuer->has_password);
  // The password opens under the copy's master key with the copy's AAD: re-sealed, not copied.
  auto row = store::certificate_issuer(svc->catalog(), "copy", "digicert");
  ASSERT_TRUE(row && *row);
  auto copy_keys = svc->vault("copy");
  ASSERT_TRUE(copy_keys);
  auto pwd = svc->token().gcm_decrypt((*copy_keys)->master, (*row)->pwd_iv,
                                      as_bytes(vault::issuer_password_aad("copy", "digicert")), (*row)->pwd_ct);
  ASSERT_TRUE(pwd) << pwd.error().message;
  EXPECT_EQ(std::string(pwd->begin(), pwd->end()), "issuer-pwd-canary-4411");
  auto after = store::rotation_policies(svc->catalog(), "copy");
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 2u) << "the soft-deleted key's policy too";
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*after)[i].name, (*before)[i].name);
    EXPECT_EQ((*after)[i].policy_json, (*before)[i].policy_json);
    EXPECT_EQ((*after)[i].created, (*before)[i].created);
  }
  // The bundle's bytes never hold the password in clear.
  std::ifstream in(file(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(bytes.find("issuer-pwd-canary"), std::string::npos);

  // Into a vault with contacts and an issuer of the same name: refused, naming both, nothing written.
  ASSERT_TRUE(svc->create_vault({"busy", 90, false}));
  ASSERT_TRUE(vault::set_certificate_contacts(*svc, "busy", {{"x@example.com", "", ""}}));
  ASSERT_TRUE(vault::set_certificate_issuer(*svc, "busy", "DIGICERT", ic, false));
  auto refused = bundle::restore_vault(*svc, "busy", file());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::Conflict);
  EXPECT_NE(refused.error().message.find("certificate contacts"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("certificate issuer digicert"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(vault::Keys(*svc, "busy").get("rotated", ""));

  // A selective restore of one key brings its policy, and no contacts or issuers.
  ASSERT_TRUE(svc->create_vault({"one", 90, false}));
  bundle::Selection sel;
  sel.key = "rotated";
  auto one = bundle::restore_vault(*svc, "one", file(), sel);
  ASSERT_TRUE(one) << one.error().message;
  auto p1 = store::rotation_policies(svc->catalog(), "one");
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->size(), 1u);
  EXPECT_EQ((*p1)[0].name, "rotated");
  EXPECT_FALSE(vault::get_certificate_contacts(*svc, "one"));
  EXPECT_FALSE(vault::get_certificate_issuer(*svc, "one", "digicert"));
}

// A vault without settings writes no settings record: one index entry per object, as before settings existed.
// With settings there is one more.
TEST_F(Bundle, SettingsRecordOnlyWhenTheVaultHasSettings) {
  ASSERT_TRUE(secrets().set("a", value("x")));
  ASSERT_TRUE(bundle::backup_vault(*svc, "main", file()));
  auto plain = bundle::inspect(file());
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ((*plain)["indexEntries"], 1) << plain->dump();
  std::filesystem::remove(file());
  ASSERT_TRUE(vault::set_certificate_contacts(*svc, "main", {{"ops@example.com", "", ""}}));
  ASSERT_TRUE(bundle::backup_vault(*svc, "main", file()));
  auto with = bundle::inspect(file());
  ASSERT_TRUE(with) << with.error().message;
  EXPECT_EQ((*with)["indexEntries"], 2) << with->dump();
  EXPECT_EQ((*with)["counts"]["objects"], 1) << "counts stay object counts";
}
