// The audit log's records and their table (docs/audit.md §1-2, schema step 6). Every operation of the CLI
// and the REST server is one Record; records are the leaves of an RFC 9162 tree whose frontier is kept
// beside them, so an append is O(log n) and commits in the same transaction as the change it records.
//
// How an operation is recorded: the front door (a REST request, a CLI verb) opens an AuditScope on its
// thread. Every outermost commit of a catalogue transaction on that thread appends the scope's record
// (outcome "success", no status yet) just before COMMIT; if the append fails the commit fails (fail
// closed). When the answer is known, finish() appends the final record unless a commit already recorded a
// success: reads and refusals are recorded in a transaction of their own before their answer leaves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/catalog.hpp"
#include "coldvault/merkle.hpp"

namespace cv::store {
class Conn;
}  // namespace cv::store

namespace cv::store {

// Allow-listed fields only: nothing else can reach a record. Empty strings and unset numbers are left out.
struct AuditRecord {
  std::int64_t time = 0;  // Unix seconds, written as ISO 8601 UTC
  std::string via;        // rest, cli, system
  std::string operation;  // Key Vault's name (SetSecret, ...) or coldvault.<verb>
  std::string outcome;    // success, refused
  std::string request_id, client_request_id, actor, client, api_version;
  std::string vault, type, name, version;
  std::optional<int> status;  // HTTP status or exit code, once the answer is known
  std::string error;          // Key Vault's error code, for a refusal
  std::string sha256;         // of a blob or bundle manifest
};

// The record's line (docs/audit.md §1): canonical JSON with seq, strings cut to 256 bytes, never throws.
std::string audit_line(const AuditRecord& r, std::uint64_t seq);

struct AuditState {
  std::uint64_t size = 0;
  std::vector<merkle::Hash> frontier;
  std::string origin;    // empty until the audit key exists
  std::string cert_pem;  // the audit key's certificate
};

struct AuditCheckpoint {
  std::uint64_t size = 0;
  merkle::Hash root{};
  std::string note;  // the signed note, as signed
  std::int64_t time = 0;
  // The tree's frontier at `size` (schema step 9 on): the next checkpoint hashes only the records after it.
  // Absent for checkpoints signed before that step.
  std::optional<std::vector<merkle::Hash>> frontier;
};

struct AuditEntry {
  std::uint64_t seq = 0;
  std::string line;
  merkle::Hash leaf{};
};

Result<AuditState> audit_state(Catalog& c);
// Appends one record in the connection's open transaction (or a transaction of its own through the
// file's group commit when none is open). Returns its seq.
Result<std::uint64_t> audit_append(Catalog& c, const AuditRecord& r);
Result<std::uint64_t> audit_append_in(Conn* db, const AuditRecord& r);
// Records [from, to), in order.
Result<std::vector<AuditEntry>> audit_entries(Catalog& c, std::uint64_t from, std::uint64_t to);
// Leaf hashes [from, to), recomputed from the stored lines (a line edited in the file changes its leaf).
// Corruption when a record in that range is missing, or one lies beyond `to` while the tree's size is `to`.
Result<std::vector<merkle::Hash>> audit_leaves(Catalog& c, std::uint64_t to);
Result<std::vector<merkle::Hash>> audit_leaves(Catalog& c, std::uint64_t from, std::uint64_t to);
Result<void> audit_set_key(Catalog& c, const std::string& origin, const std::string& cert_pem);
Result<void> audit_add_checkpoint(Catalog& c, const AuditCheckpoint& cp);
Result<std::vector<AuditCheckpoint>> audit_checkpoints(Catalog& c);
// The checkpoint of the largest size; nullopt when none was signed.
Result<std::optional<AuditCheckpoint>> audit_last_checkpoint(Catalog& c);

// The operation being recorded on this thread. Scopes nest: commits are recorded for the innermost one
// (a purge the CLI runs before its verb opens a `system` scope of its own). See the top.
class AuditScope {
 public:
  // `db_path`: the catalogue the final record goes to when no Catalog is bound (the CLI's refusals come
  // after its Service is gone).
  AuditScope(AuditRecord r, std::string db_path);
  ~AuditScope();
  AuditScope(const AuditScope&) = delete;
  AuditScope& operator=(const AuditScope&) = delete;

  static AuditScope* current();
  // No scope on this thread while it lives (schema migrations, work no operation asked for).
  class Pause {
   public:
    Pause();
    ~Pause();
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    AuditScope* saved_;
  };
  AuditRecord& record() { return r_; }
  // The catalogue to write the final record through (not owned; must outlive finish or be unbound).
  void bind(Catalog* c) { cat_ = c; }
  bool recorded() const { return recorded_; }
  // Called by the outermost COMMIT on this thread: appends the record as a committed success.
  Result<void> on_commit(Conn* db);
  // The answer: appends the final record unless a success was already recorded with the change. Idempotent.
  Result<void> finish(int status, const std::string& error_code = {});

 private:
  AuditRecord r_;
  std::string db_path_;
  Catalog* cat_ = nullptr;
  AuditScope* prev_ = nullptr;
  bool active_ = false, recorded_ = false, finished_ = false;
};

}  // namespace cv::store
