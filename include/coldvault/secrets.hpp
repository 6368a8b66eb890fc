// Secrets with Key Vault semantics: versions, attributes, tags, soft delete, recover, purge.
// Values are encrypted inside the token (AES-256-GCM under the vault master key, AAD binding vault, type,
// name and version); the catalogue holds only IV and ciphertext||tag.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coldvault/vault.hpp"

namespace cv::vault {

class ObjectLifecycle;  // src/vault/lifecycle.hpp

inline constexpr std::size_t kMaxSecretBytes = 25 * 1024;
inline constexpr std::size_t kMaxContentType = 255;

struct Attributes {
  std::optional<bool> enabled;
  std::optional<std::int64_t> nbf, exp;
};

struct SetSecret {
  SecureString value;
  std::optional<std::string> content_type;
  store::Tags tags;
  Attributes attributes;
};

struct UpdateSecret {
  std::optional<std::string> content_type;
  std::optional<store::Tags> tags;
  Attributes attributes;
};

// One version as callers see it; `value` only from get/set.
struct SecretBundle {
  std::string base_url;
  std::string name;
  store::VersionRow meta;  // ciphertext and iv cleared
  std::optional<SecureString> value;
  int recoverable_days = 90;
  std::string recovery_level;
  std::optional<std::int64_t> deleted_date, scheduled_purge;
};

class Secrets {
 public:
  // REQUIRES: svc outlives this object.
  Secrets(Service& svc, std::string vault) : svc_(svc), vault_(std::move(vault)) {}

  Result<SecretBundle> set(const std::string& name, const SetSecret& s);
  // Empty version = latest. Forbidden for a disabled version or outside nbf/exp.
  Result<SecretBundle> get(const std::string& name, const std::string& version);
  Result<std::vector<SecretBundle>> list(const std::string& after, std::size_t limit);
  Result<std::vector<SecretBundle>> list_versions(const std::string& name, const std::string& after,
                                                  std::size_t limit);
  Result<SecretBundle> update(const std::string& name, const std::string& version, const UpdateSecret& u);
  Result<SecretBundle> remove(const std::string& name);
  Result<std::vector<SecretBundle>> list_deleted(const std::string& after, std::size_t limit);
  Result<SecretBundle> get_deleted(const std::string& name);
  Result<SecretBundle> recover(const std::string& name);
  Result<void> purge(const std::string& name);

 private:
  Result<const VaultKeys*> keys();
  ObjectLifecycle life();
  Result<SecretBundle> bundle(const store::ObjectRow& o, const store::VersionRow& v);
  SecretBundle bundle(const store::ObjectRow& o, const store::VersionRow& v, const VaultKeys& k);
  Result<std::vector<SecretBundle>> bundles(Result<std::vector<store::ListedObject>> rows);
  Service& svc_;
  std::string vault_;
};

// AAD that binds a secret ciphertext to its place: moving it to another row makes decryption fail.
std::string secret_aad(const std::string& vault, const std::string& name, const std::string& version);

}  // namespace cv::vault
