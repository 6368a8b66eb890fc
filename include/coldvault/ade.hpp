// Azure Backup's "encryption info" file for a VM encrypted with Azure Disk Encryption (docs/ade-runbook.md):
// the JSON an operator gets when an encrypted VM is restored, whose OsDiskKeyAndSecretDetails carries the
// KEK (KeyUrl + KeyBackupData, a key backup blob) and the BEK (SecretUrl + SecretData, the wrapped BEK, and
// KeyVaultSecretBackupData, a secret backup blob). Blobs are standard base64, as the service writes them.
//
// coldvault writes the file from its own vault (export) and consumes it in one step (restore): both blobs
// are coldvault blobs, bound to the security domain that sealed them, so the file opens only where that
// domain key is in a token. A BEK-only machine's file carries no key fields and no SecretData: its BEK is
// not wrapped by anything, so it travels only inside the HSM-bound secret blob, never in clear.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::backup {

// The file's OsDiskKeyAndSecretDetails, checked for shape (fields present and typed, base64 decodes, URLs
// name valid objects) but not opened.
struct EncryptionInfo {
  std::optional<std::string> key_url;   // ".../keys/NAME/VERSION"
  std::optional<Bytes> key_backup;      // KeyBackupData, decoded
  std::string secret_url;               // ".../secrets/NAME/VERSION"
  std::optional<std::string> secret_data;  // the wrapped BEK as the secret holds it (base64url)
  std::optional<Bytes> secret_backup;   // KeyVaultSecretBackupData, decoded
  std::optional<std::string> key_vault_id, secret_vault_id;
  std::string key_name, key_version;    // from key_url
  std::string secret_name, secret_version;  // from secret_url
};

// Strict parse; BadParameter naming the field that is missing, mistyped, not base64 or not a valid URL.
Result<EncryptionInfo> parse_encryption_info(ByteView file);

struct AdeExport {
  std::string machine;                  // MachineName tag to look for
  std::optional<std::string> secret_name;  // the BEK secret, when the machine has several
};
// The encryption-info JSON for the machine's BEK (and its KEK, resolved by name and version in `vault`).
// NotFound when the machine has no BEK; BadParameter when it has several and no secret_name was given.
// Both blobs are made and recorded in lineage as any backup.
Result<nlohmann::json> ade_export(vault::Service& svc, const std::string& vault, const AdeExport& e);

struct AdeRestoreOptions {
  // Only for a file without KeyVaultSecretBackupData (the BEK is set from SecretData): the MachineName tag
  // and the OS, which decides DiskEncryptionKeyFileName (<name>.BEK or LinuxPassPhraseFileName).
  std::optional<std::string> machine;
  std::string os = "windows";
};
struct AdeRestored {
  std::string kek_id;                   // versioned KEK id in the target vault (empty for BEK-only)
  bool kek_reused = false;              // the KEK was already there with the same version ids
  std::string bek_id;                   // versioned BEK secret id in the target vault
  bool bek_reused = false;
  std::string bek_source;               // "KeyVaultSecretBackupData" or "SecretData"
};
// Restores KEK then BEK into `vault` in one catalogue transaction: a failure restores nothing. An existing
// KEK (or BEK) with exactly the blob's version ids is reused; any other existing object of that name is a
// Conflict. Every blob opened is recorded in lineage.
Result<AdeRestored> ade_restore(vault::Service& svc, const std::string& vault, ByteView file,
                                const AdeRestoreOptions& o);

// Offline (no token): what the file holds, blob inspect of each blob, and whether the file is consistent
// (the blobs hold the objects and versions the URLs name).
Result<nlohmann::json> ade_inspect(ByteView file);

}  // namespace cv::backup
