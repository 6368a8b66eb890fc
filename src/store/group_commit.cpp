#include "store/group_commit.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "coldvault/lineage.hpp"
#include "store/db.hpp"

namespace cv::store {
namespace {

std::mutex g_hook_mu;
std::function<Result<void>(std::size_t)> g_hook;

Result<void> run_hook(std::size_t n) {
  std::function<Result<void>(std::size_t)> hook;
  {
    std::lock_guard lock(g_hook_mu);
    hook = g_hook;
  }
  return hook ? hook(n) : Result<void>{};
}

Result<void> exec(Conn* db, const char* sql, const char* what) {
  return Stmt::execute(db, sql, what);
}

}  // namespace

void set_group_commit_hook(std::function<Result<void>(std::size_t)> before_commit) {
  std::lock_guard lock(g_hook_mu);
  g_hook = std::move(before_commit);
}

std::shared_ptr<GroupCommitter> GroupCommitter::for_catalog(const std::string& location) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<GroupCommitter>> by_catalog;
  // A database no other connection can reach (SQLite in memory) is its own: its rows must never be written
  // by another connection.
  if (location.empty()) return std::make_shared<GroupCommitter>();
  std::error_code ec;
  auto canonical = is_postgres_url(location) ? std::filesystem::path(location)
                                             : std::filesystem::weakly_canonical(location, ec);
  std::string key = ec ? location : canonical.string();
  std::lock_guard lock(mu);
  for (auto it = by_catalog.begin(); it != by_catalog.end();)  // drop committers of catalogues no longer open
    it = it->second.expired() ? by_catalog.erase(it) : std::next(it);
  auto& slot = by_catalog[key];
  auto c = slot.lock();
  if (!c) {
    c = std::make_shared<GroupCommitter>();
    slot = c;
  }
  return c;
}

Result<void> GroupCommitter::run(Conn* db, Write write, WriteKind kind) {
  Item mine{std::move(write), std::nullopt, kind, {}};
  std::unique_lock lock(mu_);
  queued_.push_back(&mine);
  // Either a leader's commit takes this item (wait for it), or no commit runs and this caller leads
  // one. Each caller sleeps on its own condition: a leader wakes the callers of its group, then the
  // first one queued meanwhile (to lead the next group), and nobody else.
  while (!mine.outcome) {
    if (leading_) {
      mine.wake.wait(lock);
      continue;
    }
    leading_ = true;
    std::vector<Item*> group;
    group.swap(queued_);
    lock.unlock();
    std::vector<Result<void>> outcomes;
    try {
      outcomes = commit_group(db, group);
    } catch (...) {  // bad_alloc or a bug: undo, and release the callers waiting on this group
      if (db->in_transaction()) db->rollback();
      lock.lock();
      for (Item* item : group)
        item->outcome = fail(Errc::Internal, "catalogue: the group commit was abandoned");
      hand_over(group);
      throw;
    }
    lock.lock();
    for (std::size_t i = 0; i < group.size(); ++i) group[i]->outcome = std::move(outcomes[i]);
    hand_over(group);
  }
  return std::move(*mine.outcome);
}

void GroupCommitter::hand_over(const std::vector<Item*>& group) {
  leading_ = false;
  for (Item* item : group) item->wake.notify_one();
  if (!queued_.empty()) queued_.front()->wake.notify_one();
}

std::vector<Result<void>> GroupCommitter::commit_group(Conn* db,
                                                       const std::vector<Item*>& items) {
  auto all = [&](const Error& e) {
    return std::vector<Result<void>>(items.size(), std::unexpected(e));
  };
  WriterTurn turn = WriterTurn::take(db);  // given back when the group's COMMIT or ROLLBACK is done
  // Only a group of audit records commits unflushed; the connection is FULL again after it.
  const bool relaxed = std::all_of(items.begin(), items.end(),
                                   [](const Item* i) { return i->kind == WriteKind::AuditRecord; });
  struct Synchronous {
    Conn* db;
    bool relaxed;
    ~Synchronous() {
      if (relaxed) (void)db->set_durable(true);
    }
  } sync{db, relaxed};
  if (relaxed)
    if (auto r = db->set_durable(false); !r) return all(r.error());
  if (auto r = db->begin_write(); !r) return all(r.error());
  std::vector<Result<void>> out;
  bool any_ok = false;
  for (Item* item : items) {
    if (auto r = exec(db, "SAVEPOINT cv_group_item", "savepoint"); !r) {
      out.push_back(std::unexpected(r.error()));
      continue;
    }
    Result<void> r = item->write(db);
    if (!r && !db->in_transaction()) {
      // The engine ended the whole transaction itself (SQLITE_FULL, IOERR, NOMEM roll everything back): the earlier
      // items' writes are gone, and the later ones must not run outside a transaction (each RELEASE would then
      // commit alone while the group's COMMIT fails). Every caller of the group gets this error.
      return all(r.error());
    }
    // Released either way; rolled back first when it failed, so the group keeps only good writes.
    if (!r) (void)exec(db, "ROLLBACK TO cv_group_item", "rollback to savepoint");
    if (auto rel = exec(db, "RELEASE cv_group_item", "release savepoint"); !rel && r)
      r = std::unexpected(rel.error());
    any_ok = any_ok || r.has_value();
    out.push_back(std::move(r));
  }
  if (!any_ok) {
    db->rollback();
    return out;
  }
  Result<void> committed = run_hook(items.size());
  // A group of audit records only leaves the read caches valid (ADR 0028).
  if (committed) committed = relaxed ? db->commit_audit_only() : db->commit();
  if (!committed) {
    // A COMMIT that failed may leave the transaction open: undo it, so no write of this group
    // exists.
    if (db->in_transaction()) db->rollback();
    for (auto& r : out)
      if (r) r = std::unexpected(committed.error());
  }
  return out;
}

}  // namespace cv::store
