// Audit checkpoints against a real token and catalogue (docs/audit.md §3): each checkpoint keeps the tree's
// frontier, the automatic (SinceLast) checkpoint hashes only the records after the latest one, and neither
// recheck signs over a log that does not hash to what it holds.
#include <atomic>
#include <bit>
#include <span>
#include <thread>

#include "coldvault/audit.hpp"
#include "coldvault/audit_log.hpp"
#include "coldvault/merkle.hpp"
#include "hsm/catalog_env.hpp"
#include "hsm/catalog_sql.hpp"
#include "hsm/vault_home.hpp"

using namespace cv;
using cvtest::VaultHome;

namespace {

class AuditCheckpoints : public VaultHome {
 protected:
  std::string db() const { return vault::catalog_path((dir / "home").string()); }
  // n read records, each in a transaction of its own, as the REST server writes a GET's.
  void reads(int n) {
    for (int i = 0; i < n; ++i) ASSERT_EQ(read_on(*svc, "s" + std::to_string(i)), "");
  }
  // One read's record through `on`, in a transaction of its own: "" or the error.
  std::string read_on(vault::Service& on, const std::string& name) {
    audit::Record rec;
    rec.time = vault::Service::now();
    rec.via = "rest";
    rec.operation = "GetSecret";
    rec.vault = "main";
    rec.name = name;
    audit::Scope scope(rec, db());
    audit::bind(scope, &on);
    auto f = scope.finish(200);
    audit::bind(scope, nullptr);
    return f ? "" : f.error().message;
  }
  std::uint64_t size() { return store::audit_state(svc->catalog())->size; }
  // The root of every stored record, recomputed here from the lines.
  merkle::Hash recomputed_root() {
    auto leaves = store::audit_leaves(svc->catalog(), size());
    EXPECT_TRUE(leaves) << leaves.error().message;
    return leaves ? merkle::root_of(*leaves) : merkle::Hash{};
  }
  // Runs SQL on the catalogue as someone with write access to it (not to the token) would: `sqlite` on a
  // SQLite catalogue, `pg` (the same edit) on a PostgreSQL one; one statement when both read it alike.
  void sql(const std::string& sqlite, const std::string& pg) {
    ASSERT_EQ(cvtest::run_catalog_sql(db(), sqlite, pg), "") << sqlite;
  }
  void sql(const std::string& both) { sql(both, both); }
  // Turns record `seq`, a read, into a write (the same in both dialects).
  static std::string edit_record(std::uint64_t seq) {
    return "UPDATE audit_records SET record = replace(record, 'GetSecret', 'SetSecret') WHERE seq = " +
           std::to_string(seq) + " AND record LIKE '%GetSecret%'";
  }
};

TEST_F(AuditCheckpoints, EachKeepsItsFrontierAndSinceLastSignsTheWholeLogsRoot) {
  reads(20);
  auto first = audit::checkpoint(*svc);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->frontier);
  auto last = store::audit_last_checkpoint(svc->catalog());
  ASSERT_TRUE(last && *last);
  ASSERT_TRUE((*last)->frontier) << "the frontier is stored with the checkpoint";
  EXPECT_EQ((*last)->size, first->size);
  EXPECT_EQ(merkle::Frontier::of((*last)->size, *(*last)->frontier)->root(), first->root);

  reads(37);
  auto second = audit::checkpoint(*svc, audit::Recheck::SinceLast);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->size, size());
  EXPECT_EQ(second->root, recomputed_root()) << "hashing only the new records onto the frontier gives the same root";
  auto again = audit::checkpoint(*svc, audit::Recheck::SinceLast);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->note, second->note) << "an unchanged log returns its latest checkpoint";
}

TEST_F(AuditCheckpoints, SinceLastRefusesARecordEditedAfterTheLatestCheckpoint) {
  reads(10);
  ASSERT_TRUE(audit::checkpoint(*svc));
  const auto signed_size = size();
  reads(10);
  sql(edit_record(signed_size + 3));
  for (auto how : {audit::Recheck::SinceLast, audit::Recheck::Whole}) {
    auto cp = audit::checkpoint(*svc, how);
    ASSERT_FALSE(cp) << "a checkpoint was signed over an edited record";
    EXPECT_EQ(cp.error().code, Errc::Corruption);
  }
  auto latest = store::audit_last_checkpoint(svc->catalog());
  EXPECT_EQ((*latest)->size, signed_size) << "nothing was signed";
}

TEST_F(AuditCheckpoints, AnEditBeforeTheLatestCheckpointIsLeftToTheWholeRecheck) {
  reads(10);
  ASSERT_TRUE(audit::checkpoint(*svc));
  reads(5);
  sql(edit_record(2));
  auto whole = audit::checkpoint(*svc, audit::Recheck::Whole);
  ASSERT_FALSE(whole);
  EXPECT_EQ(whole.error().code, Errc::Corruption);
  // SinceLast does not re-read record 2 (that is its point); what it signs still commits to the record as it
  // was appended, so the edit stays visible to any later whole recheck or export.
  auto since = audit::checkpoint(*svc, audit::Recheck::SinceLast);
  ASSERT_TRUE(since) << since.error().message;
  EXPECT_NE(since->root, recomputed_root()) << "the signed root is the appended log's, not the edited one's";
  EXPECT_FALSE(audit::checkpoint(*svc, audit::Recheck::Whole))
      << "a whole recheck at an unchanged size still re-reads the log and sees the edit";
}

// Someone with write access to the catalogue rewrites the latest checkpoint's root and frontier to match an
// edited history: the signed note still states the old root, so the automatic checkpoint refuses to go on.
TEST_F(AuditCheckpoints, ALatestCheckpointWhoseRowDisagreesWithItsSignedNoteIsRefused) {
  reads(8);
  auto signed_cp = audit::checkpoint(*svc);
  ASSERT_TRUE(signed_cp);
  reads(2);
  // Another tree of the same size: as many made-up frontier hashes as the size has 1-bits, and their root.
  std::vector<merkle::Hash> fake(static_cast<std::size_t>(std::popcount(signed_cp->size)));
  for (std::size_t i = 0; i < fake.size(); ++i) fake[i].fill(static_cast<unsigned char>(0x41 + i));
  auto fake_tree = merkle::Frontier::of(signed_cp->size, fake);
  ASSERT_TRUE(fake_tree);
  const merkle::Hash fake_root = fake_tree->root();
  std::string frontier_hex;
  for (const auto& h : fake) frontier_hex += to_hex(ByteView(h.data(), h.size()));
  const std::string root_hex = to_hex(ByteView(fake_root.data(), fake_root.size()));
  const std::string where = " WHERE size = " + std::to_string(signed_cp->size);
  sql("UPDATE audit_checkpoints SET root = x'" + root_hex + "', frontier = x'" + frontier_hex + "'" + where,
      "UPDATE audit_checkpoints SET root = '\\x" + root_hex + "'::bytea, frontier = '\\x" + frontier_hex + "'::bytea" +
          where);
  auto cp = audit::checkpoint(*svc, audit::Recheck::SinceLast);
  ASSERT_FALSE(cp) << "a checkpoint row that is not its signed note's was trusted";
  EXPECT_EQ(cp.error().code, Errc::Corruption);
  EXPECT_NE(cp.error().message.find("is not the one its signed note states"), std::string::npos)
      << cp.error().message;
}

// Records appended by another connection while checkpoints are signed: every stored checkpoint's size, root
// and frontier must describe one and the same tree, the first `size` records as stored.
TEST_F(AuditCheckpoints, CheckpointsSignedDuringAppendsAreEachOneConsistentTree) {
  reads(5);
  std::atomic<bool> stop{false};
  std::string why;
  std::thread writer([&] {
    auto other = vault::Service::open(opts);
    if (!other) {
      why = other.error().message;
      return;
    }
    for (int i = 0; !stop && why.empty(); ++i) why = read_on(*other, "w" + std::to_string(i));
  });
  for (int i = 0; i < 12; ++i) {
    auto cp = audit::checkpoint(*svc, i % 2 ? audit::Recheck::SinceLast : audit::Recheck::Whole);
    ASSERT_TRUE(cp) << cp.error().message;
  }
  stop = true;
  writer.join();
  ASSERT_EQ(why, "");
  auto cps = store::audit_checkpoints(svc->catalog());
  ASSERT_TRUE(cps);
  auto leaves = store::audit_leaves(svc->catalog(), size());
  ASSERT_TRUE(leaves);
  for (const auto& cp : *cps) {
    std::span<const merkle::Hash> first(leaves->data(), cp.size);
    EXPECT_EQ(cp.root, merkle::root_of(first)) << "checkpoint of size " << cp.size << " signs another tree's root";
  }
  auto last = store::audit_last_checkpoint(svc->catalog());
  ASSERT_TRUE(last && *last && (*last)->frontier);
  EXPECT_EQ(merkle::Frontier::of((*last)->size, *(*last)->frontier)->root(), (*last)->root);
}

TEST_F(AuditCheckpoints, ATamperedStoredFrontierIsRefused) {
  reads(12);
  ASSERT_TRUE(audit::checkpoint(*svc));
  reads(3);
  const std::string latest = " WHERE size = (SELECT max(size) FROM audit_checkpoints)";
  sql("UPDATE audit_checkpoints SET frontier = zeroblob(length(frontier))" + latest,
      "UPDATE audit_checkpoints SET frontier = decode(repeat('00', length(frontier)), 'hex')" + latest);
  auto cp = audit::checkpoint(*svc, audit::Recheck::SinceLast);
  ASSERT_FALSE(cp);
  EXPECT_EQ(cp.error().code, Errc::Corruption);
  EXPECT_NE(cp.error().message.find("does not hash to that checkpoint's root"), std::string::npos)
      << cp.error().message;
}

TEST_F(AuditCheckpoints, ALatestCheckpointWithoutAFrontierGetsTheWholeRecheck) {
  reads(10);
  ASSERT_TRUE(audit::checkpoint(*svc));
  sql("UPDATE audit_checkpoints SET frontier = NULL");  // as signed before schema step 9
  reads(4);
  sql(edit_record(1));
  auto cp = audit::checkpoint(*svc, audit::Recheck::SinceLast);
  ASSERT_FALSE(cp) << "without a frontier the automatic checkpoint must recheck every record";
  EXPECT_EQ(cp.error().code, Errc::Corruption);
}

TEST_F(AuditCheckpoints, CheckpointIfDueSignsOnlyAfterAThousandRecords) {
  ASSERT_TRUE(audit::checkpoint(*svc));
  const auto base = size();
  reads(static_cast<int>(audit::kCheckpointEvery) - 1);
  ASSERT_TRUE(audit::checkpoint_if_due(*svc));
  EXPECT_EQ((*store::audit_last_checkpoint(svc->catalog()))->size, base) << "not due yet";
  reads(1);
  ASSERT_TRUE(audit::checkpoint_if_due(*svc));
  auto latest = store::audit_last_checkpoint(svc->catalog());
  EXPECT_EQ((*latest)->size, size());
  ASSERT_TRUE((*latest)->frontier);
  EXPECT_EQ((*latest)->root, recomputed_root());
}

}  // namespace
