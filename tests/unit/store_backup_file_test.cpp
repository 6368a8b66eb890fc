// store::backup_file (SQLite's online backup): the copy is a catalogue with the same rows, one instant of
// the source, and a refused copy leaves nothing behind.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "coldvault/catalog.hpp"
#include "coldvault/catalog_copy.hpp"
#include "unit/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace cv;
using namespace cv::store;

namespace {

class BackupFileTest : public ::testing::Test {
 protected:
  cvtest::TempDir dir;
  std::string src = (dir.path / "catalog.db").string();
  std::string dst = (dir.path / "copy.db").string();
  Catalog cat = *Catalog::open(src);

  void SetUp() override {
    ASSERT_TRUE(cat.add_domain({"kid-1", {1, 2, 3}, 100}));
    ASSERT_TRUE(cat.add_vault({"Main", "kid-1", "https://main.vault.localhost", 90, false, "PEM", 100, {}, {}}));
    for (int i = 0; i < 50; ++i)
      for (int v = 0; v < 2; ++v) ASSERT_TRUE(cat.add_version("main", ObjType::Secret, "s" + std::to_string(i), ver(i, v)));
  }
  static VersionRow ver(int i, int v) {
    VersionRow r;
    char id[33];
    std::snprintf(id, sizeof id, "%032x", 2 * i + v);
    r.version = id;
    r.created = r.updated = 1000 + i;
    r.iv = Bytes(12, static_cast<std::uint8_t>(v));
    r.ciphertext = Bytes(64 + i, static_cast<std::uint8_t>(i));
    r.tags = {{"n", std::to_string(i)}};
    return r;
  }
  static std::vector<std::string> leftovers(const fs::path& d) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().filename().string().starts_with(".")) out.push_back(e.path().filename().string());
    return out;
  }
};

}  // namespace

TEST_F(BackupFileTest, Copy_OpensAsACatalogueWithTheSameRows) {
  ASSERT_TRUE(backup_file(src, dst));
  auto copy = Catalog::open(dst);
  ASSERT_TRUE(copy) << copy.error().message;
  auto vault = copy->vault("main");
  ASSERT_TRUE(vault) << vault.error().message;
  EXPECT_EQ(vault->base_url, "https://main.vault.localhost");
  auto listed = copy->list("main", ObjType::Secret, false, "", 1000);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 50u);
  for (int i = 0; i < 50; ++i) {
    auto mine = cat.versions("main", ObjType::Secret, "s" + std::to_string(i), "", 10);
    auto theirs = copy->versions("main", ObjType::Secret, "s" + std::to_string(i), "", 10);
    ASSERT_TRUE(mine && theirs);
    ASSERT_EQ(theirs->size(), 2u);
    for (std::size_t v = 0; v < 2; ++v) {
      EXPECT_EQ((*theirs)[v].version, (*mine)[v].version);
      EXPECT_EQ((*theirs)[v].ciphertext, (*mine)[v].ciphertext);
      EXPECT_EQ((*theirs)[v].iv, (*mine)[v].iv);
      EXPECT_EQ((*theirs)[v].tags, (*mine)[v].tags);
    }
  }
  EXPECT_TRUE(leftovers(dir.path).empty());
}

TEST_F(BackupFileTest, Copy_WhileAnotherConnectionHoldsTheWriteLock_HasTheCommittedRows) {
  // Another connection is half way through a write (it holds the write lock): the copy neither waits for it
  // (a copy that took the write lock would fail here after the busy timeout) nor contains its change.
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(src.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE; DELETE FROM versions;", nullptr, nullptr, nullptr), SQLITE_OK);
  auto r = backup_file(src, dst);
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  ASSERT_TRUE(r) << r.error().message;
  auto copy = Catalog::open(dst);
  ASSERT_TRUE(copy);
  auto v = copy->versions("main", ObjType::Secret, "s7", "", 10);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->size(), 2u);
}

TEST_F(BackupFileTest, Copy_RefusesAnExistingTargetAndLeavesIt) {
  { std::ofstream(dst) << "mine"; }
  auto r = backup_file(src, dst);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  std::ifstream in(dst);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "mine");
  EXPECT_TRUE(leftovers(dir.path).empty());
}

TEST_F(BackupFileTest, Copy_OfAFileThatIsNotADatabase_IsStorageFailureAndLeavesNothing) {
  auto junk = (dir.path / "junk.db").string();
  { std::ofstream(junk) << std::string(4096, 'x'); }
  auto r = backup_file(junk, dst);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StorageFailure);
  EXPECT_FALSE(fs::exists(dst));
  EXPECT_TRUE(leftovers(dir.path).empty());

  auto missing = backup_file((dir.path / "absent.db").string(), dst);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::StorageFailure);
  EXPECT_FALSE(fs::exists(dst));
}
