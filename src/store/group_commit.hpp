// Group commit: small independent writes from several connections of one process to one catalogue
// file share one durable transaction. Private to src/store; design in
// docs/adr/0009-group-commit.md.
//
// Each write costs little; its COMMIT (an fdatasync of the WAL, synchronous=FULL) costs most of the
// call. Callers that arrive while a commit is under way queue; when it returns, one of them (the
// leader) takes every queued write, runs them on its own connection inside one BEGIN IMMEDIATE ...
// COMMIT, each in its own SAVEPOINT, and hands each caller its outcome. So:
//   - a caller returns only after the COMMIT holding its write returned (durable), or with an
//   error;
//   - a write that fails is rolled back to its savepoint and fails only its own caller;
//   - a COMMIT that fails fails every caller whose write it held, and none of their rows exists.
// Writes must not depend on each other or on the calling connection's state: they are closures over
// their own data, run on whichever connection leads.
//
// Thread safety: run() may be called from any number of threads, each with its own connection to
// the file.
#pragma once


#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/error.hpp"
#include "store/db.hpp"

namespace cv::store {

class GroupCommitter {
 public:
  using Write = std::function<Result<void>(Conn*)>;

  // The one committer of the catalogue at `location` (a file, or a PostgreSQL URL) in this process (made on
  // first use, shared by every Catalog open on that catalogue).
  static std::shared_ptr<GroupCommitter> for_catalog(const std::string& location);

  // What a write changes, which decides how its group commits.
  enum class WriteKind {
    Durable,      // anything: the group's COMMIT is flushed (synchronous=FULL) and moves the cache generation
    AuditRecord,  // only the audit log's tables (a record of a read, a refusal): see below
  };

  // Runs `write` in a group transaction and returns its outcome once that transaction committed or
  // failed. REQUIRES: db is a connection to this file, outside any transaction, and not used by
  // another thread during the call (it may run other callers' writes).
  // A group of AuditRecord writes only commits with synchronous=NORMAL: visible to every reader and safe from a
  // crash of the process at once, on disk at the next flushed commit or checkpoint (docs/audit.md §2). It also
  // leaves the read caches valid (Conn::commit_audit_only, ADR 0028), so an AuditRecord write that touched another
  // table would let a cache serve a stale row. A group with any Durable write is a Durable commit.
  Result<void> run(Conn* db, Write write, WriteKind kind = WriteKind::Durable);

  // Writes waiting for the next commit (tests use it to know a group has formed).
  std::size_t queued() {
    std::lock_guard lock(mu_);
    return queued_.size();
  }

 private:
  struct Item {
    Write write;
    std::optional<Result<void>> outcome;
    WriteKind kind = WriteKind::Durable;
    std::condition_variable wake;  // its caller waits here, under mu_
  };
  // One transaction over items (no lock held); the outcome of each, in order.
  static std::vector<Result<void>> commit_group(Conn* db, const std::vector<Item*>& items);
  // With mu_ held, after a group's outcomes are set: no commit runs any more; wakes the group's callers and the
  // first caller queued since, which leads the next group.
  void hand_over(const std::vector<Item*>& group);

  std::mutex mu_;
  std::vector<Item*> queued_;
  bool leading_ = false;
};

}  // namespace cv::store
