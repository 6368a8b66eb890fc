// Vault create's crash guard (docs/adr/0019-vault-create-crash-guard.md).
//
// Service::create_vault makes three token keys (master, signing private and public) and then
// commits the vault's catalogue row. A process killed in between (kill -9, power loss) left keys
// that no row references, on the token forever, and a signing key under the vault's label that made
// every later create of that name fail with Conflict. The guard closes that window:
//  - every create first takes an exclusive flock(2) on <home>/vault-create.lock (blocking), so the
//    creates of one home, in any process or thread, run one at a time; the kernel drops the lock
//    when a process dies;
//  - holding it, the guard reads <home>/vault-create.pending: a name there is a create whose
//    process died (no other create can be running). Unless a vault row, live or soft-deleted, holds
//    that name, its keys are destroyed (a signing key a domain import brought and the registry
//    vouches for is kept: it is not the create's to destroy). Then the file is removed;
//  - mark(name) writes the name there (atomic writer, fsync'd) before the first key is made;
//    settled() removes it once the row is committed. A create that fails without dying leaves it
//    too: its own undo normally destroyed the keys, and the next create finishes the job when the
//    undo could not.
// Thread safety: one guard per create call; the lock serialises them. The destructor releases the
// lock.
#pragma once

#include <string>

#include "coldvault/error.hpp"

namespace cv::vault {

class Service;

class CreateGuard {
 public:
  // Takes the lock and cleans up after a create that died. StorageFailure when the lock file cannot
  // be opened or locked, or the pending file cannot be read or removed; token and catalogue errors
  // as they come.
  static Result<CreateGuard> begin(Service& svc);
  CreateGuard(CreateGuard&& o) noexcept;
  CreateGuard(const CreateGuard&) = delete;
  CreateGuard& operator=(const CreateGuard&) = delete;
  CreateGuard& operator=(CreateGuard&&) = delete;
  ~CreateGuard();

  // Records `vault` as the create in progress. StorageFailure as write_file_atomic.
  Result<void> mark(const std::string& vault);
  // The row is committed: the record goes (best effort; a record left behind names a vault that has
  // a row, which the next create reads as nothing to clean).
  void settled();

 private:
  CreateGuard(std::string pending, int fd) : pending_(std::move(pending)), fd_(fd) {}
  std::string pending_;
  int fd_ = -1;
};

}  // namespace cv::vault
