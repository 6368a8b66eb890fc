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

// Records a backup or restore attempt; failures to record are returned (the caller decides).
void record(vault::Service& svc, const std::string& event, const Result<void>& outcome, ByteView blob,
            const Manifest* m, const std::string& target_vault, const std::string& type);

// Loads every version of a live object (oldest first); BadParameter past kMaxVersions.
Result<std::vector<store::VersionRow>> all_versions(vault::Service& svc, const std::string& vault,
                                                    store::ObjType t, const std::string& name);

// Write an opened blob's object into `vault` (the second half of a restore; ade_restore runs both inside one
// catalogue batch). Conflict when the name is taken; nothing written on error.
Result<vault::KeyBundle> put_key(vault::Service& svc, const std::string& vault, const Opened& o);
Result<vault::SecretBundle> put_secret(vault::Service& svc, const std::string& vault, const Opened& o);

// Opens `blob` as `type`, hands it to put(opened) for the target vault, and records the attempt whatever
// its outcome: the one restore path of every object type.
template <class Bundle, class Put>
Result<Bundle> restore_recorded(vault::Service& svc, const std::string& vault, ByteView blob, const std::string& type,
                                Put put) {
  auto opened = Opened::open(svc, blob, type);
  if (!opened) {
    auto env = parse_blob(blob);
    auto m = env ? manifest_of(*env) : std::unexpected(env.error());
    record(svc, "restore", std::unexpected(opened.error()), blob, m ? &*m : nullptr, vault, type);
    return std::unexpected(opened.error());
  }
  Result<Bundle> b = put(svc, vault, *opened);
  record(svc, "restore", b ? Result<void>{} : std::unexpected(b.error()), blob, &opened->manifest, vault, type);
  return b;
}

// Makes a blob with make(svc, vault, name, manifest) and records it.
template <class Make>
Result<Bytes> backup_recorded(vault::Service& svc, const std::string& vault, const std::string& name,
                              const std::string& type, Make make) {
  Manifest m;
  auto blob = make(svc, vault, name, m);
  if (blob) record(svc, "backup", {}, *blob, &m, vault, type);
  return blob;
}

}  // namespace cv::backup
