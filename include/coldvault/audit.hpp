// The audit log's token side and its offline side (docs/audit.md §3-5): the audit key and its
// certificate, signed checkpoints (C2SP tlog-checkpoint as a signed-note, ECDSA P-256 in the token),
// exports, and their verification with no token and no home.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "coldvault/audit_log.hpp"
#include "coldvault/vault.hpp"

namespace cv::audit {

constexpr std::uint64_t kCheckpointEvery = 1000;  // records between automatic checkpoints

// The front doors' names for the record and the per-thread scope (coldvault/audit_log.hpp).
using Record = store::AuditRecord;
using Scope = store::AuditScope;
// Sends the scope's final record through this Service's catalogue (nullptr: a connection of its own).
inline void bind(Scope& s, vault::Service* svc) { s.bind(svc ? &svc->catalog() : nullptr); }
// The last `n` records, parsed.
Result<nlohmann::json> last_records(vault::Service& svc, std::uint64_t n);

struct KeyInfo {
  std::string origin;  // also the note's key name
  std::string key_id;  // 8 hex digits
  std::string cert_pem;
};
// The home's audit key, made in the token (label coldvault-audit) with its self-signed certificate on first use.
Result<KeyInfo> key(vault::Service& svc);

// What a checkpoint re-hashes before it signs (docs/audit.md §3). Whole: every stored record, checked against
// every earlier checkpoint (`audit checkpoint`, exports). SinceLast: the records after the latest checkpoint,
// hashed onto the frontier stored with it, so a server's periodic checkpoint costs the records since the last
// one, not the whole log; a latest checkpoint without a frontier (signed before schema step 9) gets Whole.
enum class Recheck { Whole, SinceLast };
// Signs a checkpoint of the log as it stands, after the recheck (Corruption naming what does not hash). When the
// log did not grow since the last checkpoint that one is returned, unless there is none.
Result<store::AuditCheckpoint> checkpoint(vault::Service& svc, Recheck recheck = Recheck::Whole);
// A SinceLast checkpoint when kCheckpointEvery records or more came since the last one; nothing otherwise.
Result<void> checkpoint_if_due(vault::Service& svc);
// Whether a checkpoint is due, read from the catalogue alone (no token, no login): kCheckpointEvery
// records since the last, or (`grown`) any.
Result<bool> checkpoint_due(const std::string& catalog_path, bool grown);

// `audit export`: writes the folder `dir` (Conflict if it exists). from: 0 or a checkpoint's size; to: a
// checkpoint's size, by default a checkpoint signed now. The JSON says what was written.
Result<nlohmann::json> export_log(vault::Service& svc, std::optional<std::uint64_t> from,
                                  std::optional<std::uint64_t> to, const std::string& dir);

struct Verdict {
  bool ok = false;
  nlohmann::json report;
};
// `audit verify`: no token, no home. trust_pem: the audit certificate; known: a checkpoint note kept
// earlier (empty for none). Errors only for unreadable input; a bad export is a Verdict with ok false.
Result<Verdict> verify_export(const std::string& dir, std::string_view trust_pem, std::string_view known_note);

}  // namespace cv::audit
