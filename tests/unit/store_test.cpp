// Catalogue tests on a real SQLite file in a temp folder (no HSM needed).
#include <gtest/gtest.h>

#include "unit/temp_dir.hpp"
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "coldvault/audit_log.hpp"
#include "coldvault/catalog.hpp"

namespace fs = std::filesystem;
using namespace cv;
using namespace cv::store;

namespace {

using TempDir = cvtest::TempDir;

class CatalogTest : public ::testing::Test {
 protected:
  TempDir dir;
  Catalog cat = *Catalog::open((dir.path / "catalog.db").string());
  void SetUp() override {
    ASSERT_TRUE(cat.add_domain({"kid-1", {1, 2, 3}, 100}));
    ASSERT_TRUE(cat.add_vault({"Main", "kid-1", "https://main.vault.localhost", 90, false, "PEM", 100, {}, {}}));
  }
  VersionRow ver(const std::string& id) {
    VersionRow v;
    v.version = id;
    v.created = v.updated = 1000;
    v.ciphertext = {9, 9};
    v.tags = {{"a", "b"}};
    return v;
  }
};

}  // namespace

TEST_F(CatalogTest, Open_AppliesLatestSchema) { EXPECT_GE(cat.schema_version(), 1); }

TEST_F(CatalogTest, Open_OfAnUpToDateCatalogue_NeedsNoWriteLock) {
  // Another process holds the write lock (a long writer). Opening and reading must not wait for it: the
  // migration check of an up-to-date file is a read (issue 23). Before, open began BEGIN IMMEDIATE and
  // failed here with "database is locked" once the busy timeout ran out.
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "catalog.db").c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE; UPDATE vaults SET created=101;", nullptr, nullptr, nullptr), SQLITE_OK);
  auto reader = Catalog::open((dir.path / "catalog.db").string());
  ASSERT_TRUE(reader) << reader.error().message;
  auto v = reader->vault("main");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->created, 100);  // the writer's change is not committed
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
}

TEST_F(CatalogTest, AddVault_RefusesDuplicateNameCaseInsensitively) {
  auto r = cat.add_vault({"MAIN", "kid-1", "x", 90, false, "PEM", 1, {}, {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
}

TEST_F(CatalogTest, AddVersion_LatestBecomesCurrent) {
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "S1", ver("aa")));
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s1", ver("bb")));
  auto cur = cat.version("Main", ObjType::Secret, "S1", "");
  ASSERT_TRUE(cur);
  EXPECT_EQ(cur->version, "bb");
  EXPECT_EQ(cur->tags.at("a"), "b");
  auto all = cat.versions("main", ObjType::Secret, "S1", "", 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].version, "aa");
  EXPECT_EQ(cat.object("main", ObjType::Secret, "s1")->name, "S1");
}

TEST_F(CatalogTest, AddVersion_ConflictOnSoftDeletedName) {
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("aa")));
  ASSERT_TRUE(cat.mark_deleted("main", ObjType::Secret, "s", 5, 10));
  auto r = cat.add_version("main", ObjType::Secret, "s", ver("bb"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  EXPECT_EQ(r.error().inner, "ObjectIsDeletedButRecoverable");
  // nothing was written
  EXPECT_EQ(cat.version("main", ObjType::Secret, "s", "")->version, "aa");
}

TEST_F(CatalogTest, DeleteRecoverPurge_FollowTheLifeCycle) {
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("aa")));
  EXPECT_EQ(cat.list("main", ObjType::Secret, false, "", 10)->size(), 1u);
  ASSERT_TRUE(cat.mark_deleted("main", ObjType::Secret, "s", 5, 10));
  EXPECT_EQ(cat.list("main", ObjType::Secret, false, "", 10)->size(), 0u);
  EXPECT_EQ(cat.list("main", ObjType::Secret, true, "", 10)->size(), 1u);
  EXPECT_FALSE(cat.mark_deleted("main", ObjType::Secret, "s", 5, 10));
  ASSERT_TRUE(cat.recover("main", ObjType::Secret, "s"));
  EXPECT_FALSE(cat.purge("main", ObjType::Secret, "s"));  // purge needs a deleted object
  ASSERT_TRUE(cat.mark_deleted("main", ObjType::Secret, "s", 5, 10));
  ASSERT_TRUE(cat.purge("main", ObjType::Secret, "s"));
  auto gone = cat.object("main", ObjType::Secret, "s");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::NotFound);
}

TEST_F(CatalogTest, InsertObject_RefusesExistingNameAndWritesNothing) {
  ASSERT_TRUE(cat.add_version("main", ObjType::Key, "k", ver("aa")));
  auto r = cat.insert_object("main", ObjType::Key, "K", "cc", {ver("bb"), ver("cc")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  EXPECT_EQ(cat.versions("main", ObjType::Key, "k", "", 10)->size(), 1u);
  ASSERT_TRUE(cat.insert_object("main", ObjType::Key, "k2", "bb", {ver("bb"), ver("cc")}));
  EXPECT_EQ(cat.version("main", ObjType::Key, "k2", "")->version, "bb");
}

TEST_F(CatalogTest, Batch_UncommittedUndoesEveryWrite) {
  {
    auto b = cat.begin_batch();
    ASSERT_TRUE(b);
    ASSERT_TRUE(cat.insert_object("main", ObjType::Key, "kek", "aa", {ver("aa")}));
    ASSERT_TRUE(cat.insert_object("main", ObjType::Secret, "bek", "bb", {ver("bb")}));
    // A failing write inside the batch undoes only itself; the batch is still usable.
    EXPECT_FALSE(cat.insert_object("main", ObjType::Key, "kek", "cc", {ver("cc")}));
    EXPECT_TRUE(cat.object("main", ObjType::Secret, "bek"));
  }
  EXPECT_FALSE(cat.object("main", ObjType::Key, "kek"));
  EXPECT_FALSE(cat.object("main", ObjType::Secret, "bek"));
}

TEST_F(CatalogTest, Batch_CommitKeepsEveryWrite) {
  auto b = cat.begin_batch();
  ASSERT_TRUE(b);
  ASSERT_TRUE(cat.insert_object("main", ObjType::Key, "kek", "aa", {ver("aa")}));
  {
    // A batch inside a batch is a savepoint: undone alone, or handed to the outer one.
    auto undone = cat.begin_batch();
    ASSERT_TRUE(undone);
    ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "gone", ver("dd")));
  }
  EXPECT_FALSE(cat.object("main", ObjType::Secret, "gone"));
  {
    auto kept = cat.begin_batch();
    ASSERT_TRUE(kept);
    ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "inner", ver("ee")));
    ASSERT_TRUE(kept->commit());
  }
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "bek", ver("bb")));
  ASSERT_TRUE(b->commit());
  EXPECT_EQ(cat.object("main", ObjType::Key, "kek")->current_version, "aa");
  EXPECT_EQ(cat.object("main", ObjType::Secret, "bek")->current_version, "bb");
  EXPECT_EQ(cat.object("main", ObjType::Secret, "inner")->current_version, "ee");
}

TEST_F(CatalogTest, RemoveVersion_CurrentFallsBackToNewestRemaining) {
  ASSERT_TRUE(cat.add_version("main", ObjType::Certificate, "c", ver("aa")));
  ASSERT_TRUE(cat.add_version("main", ObjType::Certificate, "c", ver("bb")));
  ASSERT_TRUE(cat.add_version("main", ObjType::Certificate, "c", ver("cc")));
  ASSERT_TRUE(cat.remove_version("main", ObjType::Certificate, "c", "cc"));
  EXPECT_EQ(cat.object("main", ObjType::Certificate, "c")->current_version, "bb");
  EXPECT_EQ(cat.versions("main", ObjType::Certificate, "c", "", 10)->size(), 2u);
  // A version that is not current goes without moving the pointer.
  ASSERT_TRUE(cat.remove_version("main", ObjType::Certificate, "c", "aa"));
  EXPECT_EQ(cat.object("main", ObjType::Certificate, "c")->current_version, "bb");
  EXPECT_EQ(cat.remove_version("main", ObjType::Certificate, "c", "aa").error().code, Errc::NotFound);
  // A new version after a removal still gets a fresh seq and becomes current.
  ASSERT_TRUE(cat.add_version("main", ObjType::Certificate, "c", ver("dd")));
  EXPECT_EQ(cat.version("main", ObjType::Certificate, "c", "")->version, "dd");
}

TEST_F(CatalogTest, RemoveVersion_LastVersionRemovesTheObjectAndDeletedIsRefused) {
  ASSERT_TRUE(cat.add_version("main", ObjType::Key, "k", ver("aa")));
  ASSERT_TRUE(cat.remove_version("main", ObjType::Key, "k", "aa"));
  EXPECT_EQ(cat.object("main", ObjType::Key, "k").error().code, Errc::NotFound);
  ASSERT_TRUE(cat.add_version("main", ObjType::Key, "k", ver("bb")));  // the name is free again
  ASSERT_TRUE(cat.mark_deleted("main", ObjType::Key, "k", 1, 2));
  EXPECT_EQ(cat.remove_version("main", ObjType::Key, "k", "bb").error().code, Errc::NotFound);
  EXPECT_TRUE(cat.version("main", ObjType::Key, "k", "bb"));
}

TEST_F(CatalogTest, UpdateVersion_ChangesOnlyThatVersion) {
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("aa")));
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("bb")));
  auto v = *cat.version("main", ObjType::Secret, "s", "aa");
  v.enabled = false;
  v.content_type = "text/plain";
  ASSERT_TRUE(cat.update_version("main", ObjType::Secret, "s", v));
  EXPECT_FALSE(cat.version("main", ObjType::Secret, "s", "aa")->enabled);
  EXPECT_TRUE(cat.version("main", ObjType::Secret, "s", "bb")->enabled);
  v.version = "zz";
  EXPECT_EQ(cat.update_version("main", ObjType::Secret, "s", v).error().code, Errc::NotFound);
}

TEST_F(CatalogTest, TwoConnections_BothWritesLand) {
  auto other = Catalog::open((dir.path / "catalog.db").string());
  ASSERT_TRUE(other);
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("aa")));
  ASSERT_TRUE(other->add_version("main", ObjType::Secret, "s", ver("bb")));
  EXPECT_EQ(cat.versions("main", ObjType::Secret, "s", "", 10)->size(), 2u);
}

// Row cache (issue 23): a connection keeps the rows it read while the catalogue is unchanged. Every write path,
// made by another connection (another worker or process) or by this one, must be seen by the next read.
class RowCacheTest : public CatalogTest {
 protected:
  Catalog writer = *Catalog::open((dir.path / "catalog.db").string());  // another worker or process
  void SetUp() override {
    CatalogTest::SetUp();
    ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("aa")));
    warm();
  }
  // Reads through every cached lookup, twice, so the next read would be served from the cache.
  void warm() {
    for (int i = 0; i < 2; ++i) {
      (void)cat.object("main", ObjType::Secret, "s");
      (void)cat.version("main", ObjType::Secret, "s", "");
      (void)cat.object_version("main", ObjType::Secret, "s", "aa");
    }
  }
};

TEST_F(RowCacheTest, NewVersionByAnotherConnection_BecomesCurrentForTheReader) {
  ASSERT_TRUE(writer.add_version("main", ObjType::Secret, "s", ver("bb")));
  EXPECT_EQ(cat.object("main", ObjType::Secret, "s")->current_version, "bb");
  EXPECT_EQ(cat.version("main", ObjType::Secret, "s", "")->version, "bb");
}

TEST_F(RowCacheTest, AttributeUpdateByAnotherConnection_IsSeen) {
  auto v = ver("aa");
  v.enabled = false;
  v.tags = {{"new", "tag"}};
  ASSERT_TRUE(writer.update_version("main", ObjType::Secret, "s", v));
  auto got = cat.object_version("main", ObjType::Secret, "s", "aa");
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->version.enabled);
  EXPECT_EQ(got->version.tags, (Tags{{"new", "tag"}}));
  EXPECT_FALSE(cat.version("main", ObjType::Secret, "s", "")->enabled);
}

TEST_F(RowCacheTest, DeleteRecoverPurgeAndRestoreByAnotherConnection_AreSeen) {
  ASSERT_TRUE(writer.mark_deleted("main", ObjType::Secret, "s", 5, 10));
  EXPECT_TRUE(cat.object_version("main", ObjType::Secret, "s", "")->object.deleted_date);
  warm();
  ASSERT_TRUE(writer.recover("main", ObjType::Secret, "s"));
  EXPECT_FALSE(cat.object("main", ObjType::Secret, "s")->deleted_date);
  ASSERT_TRUE(writer.mark_deleted("main", ObjType::Secret, "s", 5, 10));
  warm();
  ASSERT_TRUE(writer.purge("main", ObjType::Secret, "s"));
  EXPECT_EQ(cat.object("main", ObjType::Secret, "s").error().code, Errc::NotFound);
  EXPECT_EQ(cat.version("main", ObjType::Secret, "s", "aa").error().code, Errc::NotFound);
  ASSERT_TRUE(writer.insert_object("main", ObjType::Secret, "s", "cc", {ver("cc")}));  // a restore
  EXPECT_EQ(cat.version("main", ObjType::Secret, "s", "")->version, "cc");
}

TEST_F(RowCacheTest, OwnWrites_AreSeenWithoutAnotherConnection) {
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("bb")));
  EXPECT_EQ(cat.version("main", ObjType::Secret, "s", "")->version, "bb");
  auto v = ver("bb");
  v.enabled = false;
  ASSERT_TRUE(cat.update_version("main", ObjType::Secret, "s", v));
  EXPECT_FALSE(cat.version("main", ObjType::Secret, "s", "")->enabled);
}

TEST_F(RowCacheTest, RowsReadInsideARolledBackBatch_AreNotServedAfterwards) {
  {
    auto b = cat.begin_batch();
    ASSERT_TRUE(b);
    ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("bb")));
    EXPECT_EQ(cat.version("main", ObjType::Secret, "s", "")->version, "bb");  // uncommitted, seen inside only
  }  // rolled back
  EXPECT_EQ(cat.version("main", ObjType::Secret, "s", "")->version, "aa");
  EXPECT_EQ(cat.object("main", ObjType::Secret, "s")->current_version, "aa");
}

TEST_F(RowCacheTest, RawSqlEditByAnotherConnection_IsSeen) {
  // A raw SQL edit through another sqlite3 connection (as the sqlite3 shell would make it) moves data_version too.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "catalog.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE versions SET enabled=0", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  EXPECT_FALSE(cat.version("main", ObjType::Secret, "s", "aa")->enabled);
}

namespace {
// Runs `sql` on a raw sqlite3 connection to the fixture's file (as the sqlite3 shell would).
void raw_sql(const fs::path& file, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(raw);
}
}  // namespace

TEST_F(RowCacheTest, AuditRecords_LeaveTheGenerationAndTheCachedRowsAlone) {
  // Every REST request, reads included, commits an audit record (ADR 0028): were that a change to the read caches,
  // every request would empty them. An audit append by another connection, and one this connection commits itself
  // (it leads the group), leave data_version as it was and the rows cached.
  const auto before = cat.data_version();
  ASSERT_GE(before, 0);
  AuditRecord r;
  r.operation = "SecretGet";
  ASSERT_TRUE(audit_append(writer, r));
  EXPECT_EQ(cat.data_version(), before);
  ASSERT_TRUE(audit_append(cat, r));
  EXPECT_EQ(cat.data_version(), before);
  // Proof that the rows are still served from the cache: change the row behind the generation's back (without the
  // trigger), and the cached row is what the next read answers; a write that moves the generation ends that.
  raw_sql(dir.path / "catalog.db",
          "DROP TRIGGER cache_gen_versions_update; UPDATE versions SET enabled=0;");
  EXPECT_TRUE(cat.version("main", ObjType::Secret, "s", "aa")->enabled);
  EXPECT_TRUE(cat.object_version("main", ObjType::Secret, "s", "")->version.enabled);
  ASSERT_TRUE(writer.mark_deleted("main", ObjType::Secret, "s", 5, 10));
  EXPECT_NE(cat.data_version(), before);
  EXPECT_FALSE(cat.version("main", ObjType::Secret, "s", "aa")->enabled);
}

TEST_F(CatalogTest, EveryTableButTheAuditLogs_MovesTheCacheGeneration) {
  // Schema step 10: a table added later without its triggers would let the read caches serve stale rows.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "catalog.db").c_str(), &raw), SQLITE_OK);
  auto names = [&](const char* sql) {
    std::set<std::string> out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &st, nullptr), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) out.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    return out;
  };
  auto tables = names("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'");
  auto triggers = names("SELECT name FROM sqlite_master WHERE type='trigger'"
                        " AND sql LIKE '%UPDATE cache_generation SET value=value+1 WHERE id=1;%'");
  const std::set<std::string> unwatched = {"audit_records", "audit_state", "audit_checkpoints", "cache_generation"};
  ASSERT_GT(tables.size(), unwatched.size() + 10);
  for (const auto& t : tables) {
    if (unwatched.count(t)) continue;
    for (const char* op : {"insert", "update", "delete"}) {
      // Inserts into the tables a restore fills in bulk cannot make a cached row stale (ADR 0028).
      if (std::string(op) == "insert" && (t == "objects" || t == "versions")) continue;
      EXPECT_TRUE(triggers.count("cache_gen_" + t + "_" + op)) << t << " has no " << op << " trigger";
    }
  }
  sqlite3_close(raw);
  // And they work: a raw edit of a table no cache reads moves the generation too.
  const auto before = cat.data_version();
  raw_sql(dir.path / "catalog.db", "UPDATE domains SET created=created+1");
  EXPECT_NE(cat.data_version(), before);
}

TEST_F(CatalogTest, ACatalogueOfTheStepBefore_GetsTheCacheGenerationOnOpenWithItsRowsKept) {
  // An upgrade: the home of the previous release (schema 9, no cache_generation) opened by this one.
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("aa")));
  const auto file = dir.path / "catalog.db";
  std::string undo = "BEGIN;";
  for (const char* t : {"domains", "vaults", "objects", "versions", "api_tokens", "blob_events", "blob_archive",
                        "trusted_signers", "lifecycle_events", "admin_tokens", "custodians", "domain_events",
                        "key_rotation_policies", "certificate_contacts", "certificate_issuers"})
    for (const char* op : {"insert", "update", "delete"})
      undo += std::string("DROP TRIGGER IF EXISTS cache_gen_") + t + "_" + op + ";";
  undo += "DROP TABLE cache_generation; PRAGMA user_version=9; COMMIT;";
  raw_sql(file, undo);
  auto old = Catalog::open(file.string());
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->schema_version(), 10);
  EXPECT_EQ(old->version("main", ObjType::Secret, "s", "")->version, "aa");
  const auto before = old->data_version();
  ASSERT_GE(before, 0);
  ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s", ver("bb")));  // the other connection's write is seen
  EXPECT_NE(old->data_version(), before);
  EXPECT_EQ(old->version("main", ObjType::Secret, "s", "")->version, "bb");
}
