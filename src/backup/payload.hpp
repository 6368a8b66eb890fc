// Shared pieces of the per-type backup code: version attributes <-> payload JSON, the Conflict text,
// lineage recording. Private to src/backup.
#pragma once

#include "backup/secure_json.hpp"
#include "backup/seal.hpp"
#include "coldvault/lineage.hpp"

namespace cv::backup {

// Destroys a session key of the token on every path (key material re-wrapped for or from a blob).
struct SessionKey {
  hsm::Token& token;
  hsm::Handle h;
  ~SessionKey() {
    if (h) (void)token.destroy(h);
  }
};

// {"version","contentType"?,"tags","attributes":{enabled,nbf?,exp?,created,updated}}
SecureJson version_json(const store::VersionRow& v);
// The reverse, BadParameter on a missing or mistyped field.
Result<store::VersionRow> version_from_json(const SecureJson& j);
// The payload's versions, checked against the manifest (same ids, same order, current included).
Result<std::vector<const SecureJson*>> payload_versions(const SecureJson& payload, const Manifest& m);

// Key Vault's text for a restore into a taken name.
Error restore_conflict(const std::string& type_word, const std::string& base_url, const std::string& name,
                       const std::string& version);

// Records a backup or restore attempt in the lineage. A failure to record is returned: an operation whose
// record cannot be written does not happen (restore commits its record in its own transaction).
Result<void> record(vault::Service& svc, const std::string& event, const Result<void>& outcome, ByteView blob,
                    const Manifest* m, const std::string& target_vault, const std::string& type);
// A refusal whose lineage record could not be written: both causes in one StorageFailure.
Error refusal_unrecorded(const Error& refusal, const Error& record_error);

// Loads every version of a live object (oldest first); BadParameter past kMaxVersions.
Result<std::vector<store::VersionRow>> all_versions(vault::Service& svc, const std::string& vault,
                                                    store::ObjType t, const std::string& name);

// Write an opened blob's object into `vault` (the second half of a restore; ade_restore runs both inside one
// catalogue batch). Conflict when the name is taken; nothing written on error.
Result<vault::KeyBundle> put_key(vault::Service& svc, const std::string& vault, const Opened& o);
Result<vault::SecretBundle> put_secret(vault::Service& svc, const std::string& vault, const Opened& o);

// Opens `blob` as `type`, hands it to put(opened) for the target vault, and records the attempt whatever
// its outcome: the one restore path of every object type. A success and its record commit in one
// transaction; a refusal is recorded after everything it wrote was undone.
template <class Bundle, class Put>
Result<Bundle> restore_recorded(vault::Service& svc, const std::string& vault, ByteView blob, const std::string& type,
                                Put put) {
  auto refuse = [&](const Error& e, const Manifest* m) -> Result<Bundle> {
    std::optional<Manifest> parsed;
    if (!m) {
      auto env = parse_blob(blob);
      if (env)
        if (auto mm = manifest_of(*env)) parsed = std::move(*mm), m = &*parsed;
    }
    if (auto r = record(svc, "restore", std::unexpected(e), blob, m, vault, type); !r)
      return std::unexpected(refusal_unrecorded(e, r.error()));
    return std::unexpected(e);
  };
  auto opened = Opened::open(svc, blob, type);
  if (!opened) return refuse(opened.error(), nullptr);
  Result<Bundle> b = [&]() -> Result<Bundle> {
    auto batch = svc.catalog().begin_batch();
    if (!batch) return std::unexpected(batch.error());
    Result<Bundle> put_done = put(svc, vault, *opened);
    if (!put_done) return put_done;
    if (auto r = record(svc, "restore", {}, blob, &opened->manifest, vault, type); !r)
      return std::unexpected(r.error());
    if (auto r = batch->commit(); !r) return std::unexpected(r.error());
    return put_done;
  }();
  if (!b) return refuse(b.error(), &opened->manifest);
  return b;
}

// Makes a blob with make(svc, vault, name, manifest) and records it; a blob whose record cannot be
// written is not returned.
template <class Make>
Result<Bytes> backup_recorded(vault::Service& svc, const std::string& vault, const std::string& name,
                              const std::string& type, Make make) {
  Manifest m;
  auto blob = make(svc, vault, name, m);
  if (!blob) return blob;
  if (auto r = record(svc, "backup", {}, *blob, &m, vault, type); !r) return std::unexpected(r.error());
  return blob;
}

}  // namespace cv::backup
