// Prepared statements kept per connection (src/store/db.cpp): a statement handed out again must behave as
// a freshly prepared one (no old bindings, not part way through its rows), and a connection closes cleanly
// with statements kept.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/db.hpp"

namespace fs = std::filesystem;
using namespace cv;
using namespace cv::store;

namespace {

class KeptStatements : public ::testing::Test {
 protected:
  fs::path dir;
  std::optional<Db> db;
  void SetUp() override {
    char tmpl[] = "/tmp/cv-stmt-XXXXXX";
    dir = mkdtemp(tmpl);
    auto d = Db::open((dir / "t.db").string());
    ASSERT_TRUE(d);
    db.emplace(std::move(*d));
    ASSERT_TRUE(db->exec("PRAGMA journal_mode=WAL; CREATE TABLE t(v TEXT NOT NULL);"
                         " INSERT INTO t VALUES('a'),('b')"));
  }
  void TearDown() override {
    db.reset();
    fs::remove_all(dir);
  }
};

}  // namespace

TEST_F(KeptStatements, ReusedStatementHasNoBindingsOfItsLastUse) {
  {
    auto st = Stmt::prepare(db->get(), "INSERT INTO t(v) VALUES(?)");
    ASSERT_TRUE(st);
    st->bind(1, "x");
    ASSERT_TRUE(st->run());
  }
  auto again = Stmt::prepare(db->get(), "INSERT INTO t(v) VALUES(?)");
  ASSERT_TRUE(again);
  auto r = again->run();  // unbound: NULL, which the column refuses
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
}

TEST_F(KeptStatements, ReusedStatementStartsAgainFromItsFirstRow) {
  const char* sql = "SELECT v FROM t ORDER BY v";
  {
    auto st = Stmt::prepare(db->get(), sql);
    ASSERT_TRUE(st && *st->step());
    EXPECT_EQ(st->text(0), "a");  // left part way through its rows
  }
  auto again = Stmt::prepare(db->get(), sql);
  ASSERT_TRUE(again && *again->step());
  EXPECT_EQ(again->text(0), "a");
}

TEST_F(KeptStatements, SameTextInUseTwiceAtOnceGivesTwoStatements) {
  const char* sql = "SELECT v FROM t ORDER BY v";
  auto outer = Stmt::prepare(db->get(), sql);
  ASSERT_TRUE(outer && *outer->step());
  auto inner = Stmt::prepare(db->get(), sql);
  ASSERT_TRUE(inner && *inner->step());
  EXPECT_EQ(inner->text(0), "a");
  ASSERT_TRUE(*outer->step());
  EXPECT_EQ(outer->text(0), "b");  // the inner use did not move the outer one
}

TEST_F(KeptStatements, ConnectionWithKeptStatementsClosesAndReopens) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Stmt::execute(db->get(), "BEGIN IMMEDIATE", "begin") &&
                                          Stmt::execute(db->get(), "COMMIT", "commit"));
  ASSERT_TRUE(fs::exists(dir / "t.db-wal"));
  // Closing finalizes what it kept: sqlite3_close refuses (SQLITE_BUSY) while statements are left, and then
  // the last connection's checkpoint never runs and the WAL file stays.
  db.reset();
  EXPECT_FALSE(fs::exists(dir / "t.db-wal"));
  auto d = Db::open((dir / "t.db").string());
  ASSERT_TRUE(d);
  auto st = Stmt::prepare(d->get(), "SELECT count(*) FROM t");
  ASSERT_TRUE(st && *st->step());
  EXPECT_EQ(st->integer(0), 2);
}
