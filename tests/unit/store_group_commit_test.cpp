// Group commit of lineage rows (src/store/group_commit.*, docs/adr/0009-group-commit.md) on a real
// SQLite file: several connections, one durable COMMIT per group, a failing write fails only its
// caller, a failing COMMIT fails every caller of its group and keeps none of their rows.
#include <gtest/gtest.h>

#include "unit/temp_dir.hpp"
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "coldvault/catalog.hpp"
#include "coldvault/lineage.hpp"
#include "store/db.hpp"
#include "store/group_commit.hpp"

namespace fs = std::filesystem;
using namespace cv;
using namespace cv::store;

namespace {

using TempDir = cvtest::TempDir;

BlobEvent event(const std::string& sha) {
  BlobEvent e;
  e.event = "backup";
  e.outcome = "ok";
  e.sha256 = sha;
  e.type = "secret";
  e.name = "n";
  e.time = 1000;
  return e;
}

// Every sha256 in blob_events, read through a connection of its own (what another process would
// see).
std::multiset<std::string> rows_seen_fresh(const fs::path& file) {
  auto db = Db::open(file.string());
  std::multiset<std::string> out;
  auto st = Stmt::prepare(db->get(), "SELECT sha256 FROM blob_events");
  while (*st->step()) out.insert(st->text(0));
  return out;
}

class GroupCommit : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path file = dir.path / "catalog.db";
  void SetUp() override { ASSERT_TRUE(Catalog::open(file.string())); }
  void TearDown() override { set_group_commit_hook({}); }
};

// A table whose CHECK refuses the value "bad", for writes that fail inside a group.
Result<void> insert_value(Conn* db, const std::string& v) {
  auto st = Stmt::prepare(db, "INSERT INTO t(v) VALUES(?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, v);
  return st->run();
}

}  // namespace

TEST_F(GroupCommit, ConcurrentRecordsFromManyConnections_AllDurableAndDistinct) {
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<std::size_t> commits{0};
  set_group_commit_hook([&](std::size_t) {
    ++commits;
    return Result<void>{};
  });
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto cat =
          Catalog::open(file.string());  // one connection per thread, as the server's workers
      if (!cat) return void(++failures);
      for (int i = 0; i < kEach; ++i)
        if (!record_blob_event(*cat, event(std::to_string(t) + "-" + std::to_string(i))))
          ++failures;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  auto seen = rows_seen_fresh(file);
  EXPECT_EQ(seen.size(), std::size_t{kThreads * kEach});
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  EXPECT_LE(commits.load(), std::size_t{kThreads * kEach});  // each row came through a group COMMIT
  EXPECT_GE(commits.load(), 1u);
}

TEST_F(GroupCommit, FailingCommit_FailsEveryCallerAndKeepsNoRow) {
  set_group_commit_hook(
      [](std::size_t) { return fail(Errc::StorageFailure, "injected COMMIT failure"); });
  std::vector<std::future<Result<void>>> calls;
  for (int t = 0; t < 6; ++t)
    calls.push_back(std::async(std::launch::async, [&, t] {
      auto cat = Catalog::open(file.string());
      if (!cat) return Result<void>(std::unexpected(cat.error()));
      return record_blob_event(*cat, event("sha-" + std::to_string(t)));
    }));
  for (auto& c : calls) {
    auto r = c.get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::StorageFailure);
  }
  EXPECT_TRUE(rows_seen_fresh(file).empty());
  // The connections are usable again afterwards: the failed group left no transaction open.
  set_group_commit_hook({});
  auto cat = Catalog::open(file.string());
  ASSERT_TRUE(record_blob_event(*cat, event("after")));
  EXPECT_EQ(rows_seen_fresh(file).count("after"), 1u);
}

TEST_F(GroupCommit, RecordInsideBatch_CommitsWithTheBatchNotTheGroup) {
  std::atomic<int> group_commits{0};
  set_group_commit_hook([&](std::size_t) {
    ++group_commits;
    return Result<void>{};
  });
  auto cat = Catalog::open(file.string());
  {
    auto batch = cat->begin_batch();
    ASSERT_TRUE(batch);
    ASSERT_TRUE(record_blob_event(*cat, event("in-batch")));
    // Not committed yet: a restore's record must vanish with a restore that fails.
  }
  EXPECT_TRUE(rows_seen_fresh(file).empty());
  EXPECT_EQ(group_commits, 0);
}

// The committer itself, with writes that block and fail on purpose, to form a group
// deterministically.
TEST_F(GroupCommit, QueuedCallers_ShareOneCommit_FailingWriteFailsOnlyItsCaller_NoneReturnsEarly) {
  {
    auto db = Db::open(file.string());
    ASSERT_TRUE(db->exec("CREATE TABLE t(v TEXT NOT NULL CHECK (v != 'bad'))"));
  }
  auto committer = GroupCommitter::for_catalog(file.string());
  std::vector<std::size_t> group_sizes;
  set_group_commit_hook([&](std::size_t n) {
    group_sizes.push_back(n);  // groups commit one at a time, so no lock is needed
    return Result<void>{};
  });
  std::promise<void> release_first;
  auto first_released = release_first.get_future().share();
  std::promise<void> first_running;
  auto call = [&](std::string v, bool block) {
    return std::async(std::launch::async, [&, v, block] {
      auto db = Db::open(file.string());
      return committer->run(db->get(), [&, v, block](Conn* leader) {
        if (block) {
          first_running.set_value();
          first_released.wait();  // holds this group open while the others queue behind it
        }
        return insert_value(leader, v);
      });
    });
  };
  auto first = call("first", true);
  first_running.get_future().wait();
  auto a = call("a", false);
  auto bad = call("bad", false);
  auto b = call("b", false);
  while (committer->queued() < 3) std::this_thread::yield();
  // Nobody returns before the commit that holds its row: all four are still waiting.
  for (auto* f : {&first, &a, &bad, &b})
    EXPECT_EQ(f->wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  {
    auto db = Db::open(file.string());
    auto st = Stmt::prepare(db->get(), "SELECT count(*) FROM t");
    ASSERT_TRUE(*st->step());
    EXPECT_EQ(st->integer(0), 0);
  }
  release_first.set_value();
  EXPECT_TRUE(first.get());
  EXPECT_TRUE(a.get());
  auto refused = bad.get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::Conflict);  // the CHECK constraint, its own error
  EXPECT_TRUE(b.get());
  EXPECT_EQ(group_sizes,
            (std::vector<std::size_t>{1, 3}));  // the three queued writes shared one COMMIT
  auto db = Db::open(file.string());
  auto st = Stmt::prepare(db->get(), "SELECT v FROM t ORDER BY v");
  std::vector<std::string> kept;
  while (*st->step()) kept.push_back(st->text(0));
  EXPECT_EQ(kept, (std::vector<std::string>{"a", "b", "first"}));
}
