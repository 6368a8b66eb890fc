// Whole-vault bundles (docs/bundle-format.md): one file holding a vault at one instant, bound to its
// security domain, signed by the vault, verifiable offline, restorable whole or one object at a time.
// `coldvault backup start|restore start`, `bundle verify|inspect` and the REST server's /backup and /restore
// jobs are front doors to these functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "coldvault/catalog.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::bundle {

// Called after each object (and once at the start with done = 0): objects done and in all, file bytes
// written or read so far. A front door draws a progress bar with it; never called from another thread.
using Progress = std::function<void(std::uint64_t done, std::uint64_t total, std::uint64_t bytes)>;

// Objects of each type, versions, soft-deleted objects (the catalogue's own counts).
using Counts = store::VaultCounts;
// {"secrets","keys","certificates","objects","versions","deleted"}: the header's, the manifest's and every
// front door's shape of the counts.
nlohmann::json counts_json(const Counts& c);

struct BackupReport {
  std::string file, bundle_id, vault, domain, signer;
  std::int64_t created = 0;
  Counts counts;
  std::uint64_t bytes = 0, chunks = 0;
  std::string manifest_sha256;  // the bundle's identity in the lineage
};

// Writes a bundle of live vault `vault` to `file` (temp + fsync + rename: a bundle that is there is
// complete; Conflict when `file` exists, a bundle is never overwritten). One read snapshot of the catalogue: writes made meanwhile are neither in it nor blocked.
// NotFound for an unknown vault; StorageFailure naming the file for a write the file system refuses
// (disk full); the token's errors as they come.
Result<BackupReport> backup_vault(vault::Service& svc, const std::string& vault, const std::string& file,
                                  const Progress& progress = {});

// Which objects a restore brings back: all (every field empty), or the named ones. A certificate brings its
// key and secret; a key or secret that belongs to a certificate in the bundle is refused alone.
struct Selection {
  std::optional<std::string> key, secret, certificate;
  bool any() const { return key || secret || certificate; }
};

struct RestoreReport {
  std::string file, bundle_id, vault, source_vault;
  bool created_vault = false;
  Counts counts;  // what was restored
  std::uint64_t bytes_read = 0, file_bytes = 0;
};

// Restores a bundle into `vault`, made with the bundle's retention and purge protection when it does not
// exist. The signer must be vouched for by this home's registry, and the bundle's domain key be in the token.
// All or nothing: every object in one catalogue transaction. A vault this call made is committed first (its
// token keys cannot join a transaction) and removed again on a refusal; a process killed in between leaves
// it empty, and the same restore run again fills it.
// Conflict listing the names when the vault already holds any of the objects (live or soft-deleted);
// NotFound when a selected name is not in the bundle; BadParameter naming the fault for a damaged,
// foreign or forged bundle.
Result<RestoreReport> restore_vault(vault::Service& svc, const std::string& vault, const std::string& file,
                                    const Selection& sel = {}, const Progress& progress = {});

// Offline, no token, no trust: what the footer, header and manifest say (names stay encrypted).
Result<nlohmann::json> inspect(const std::string& file);

// Offline, no token: signature, chain to `trust_pem`, header and index digests, every chunk against its
// digest and the Merkle root. `ok` only when every check holds; the report names the first bad chunk.
// BadParameter for a file that is not a bundle at all or whose footer/manifest cannot be read.
struct Verdict {
  bool ok = false;
  nlohmann::json report;
};
Result<Verdict> verify(const std::string& file, std::string_view trust_pem);

}  // namespace cv::bundle
