// Whole-vault bundles against a real SoftHSM token: one read snapshot whatever writers do meanwhile, and a
// refused restore that leaves the home as it was (no vault, no token keys, no registry entry).
#include <filesystem>
#include <fstream>

#include "coldvault/bundle.hpp"
#include "coldvault/trust.hpp"
#include "hsm/vault_home.hpp"

using namespace cv;
using cvtest::VaultHome;

namespace {

class Bundle : public VaultHome {
 protected:
  std::string file() const { return (dir / "main.cvb").string(); }
  std::size_t live(const std::string& vault) { return vault::Secrets(*svc, vault).list(0, 1000)->size(); }
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
  EXPECT_EQ(c.list_versions("s3", 0, 10)->size(), 1u) << "the second version came after the snapshot";
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
