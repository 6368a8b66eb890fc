// Pieces shared by the files that implement Keys (private to src/vault): Key Vault's error texts for
// keys, attribute/tag checks, and the loaded view of one key version an operation works on.
#pragma once

#include <string>

#include "coldvault/crypto.hpp"
#include "coldvault/keys.hpp"
#include "vault/key_meta.hpp"
#include "vault/lifecycle.hpp"

namespace cv::vault::keys_detail {

inline Error not_found(const std::string& name) { return object_not_found(store::ObjType::Key, name); }
inline Error deleted_not_found(const std::string& name) {
  return deleted_object_not_found(store::ObjType::Key, name);
}
inline Error deleted_conflict(const std::string& name) {
  return deleted_object_conflict(store::ObjType::Key, name);
}
Error bad(const std::string& message);  // BadParameter with Key Vault's code

// Maps the store's generic NotFound to Key Vault's wording; passes other errors through.
template <class T>
Result<T> kv(Result<T> r, const std::string& name, bool deleted = false) {
  if (!r && r.error().code == Errc::NotFound) return std::unexpected(kv_not_found(store::ObjType::Key, name, deleted));
  return r;
}

// A Key Vault .byok transfer blob (key_hsm, base64url of JSON): schema_version, header {kid, alg "dir", enc
// "CKM_RSA_AES_KEY_WRAP"}, ciphertext. Pure (keys_byok.cpp unwraps it in the token); BadParameter with Key
// Vault's wording naming what is missing.
struct ByokBlob {
  std::string kid;
  Bytes ciphertext;
};
Result<ByokBlob> parse_byok_blob(std::string_view key_hsm);

Result<void> check_attributes(const Attributes& a);
Result<void> check_tags(const store::Tags& tags);

// One live key version, ready for an operation: its rows, parsed meta and versioned kid.
struct LoadedKey {
  const VaultKeys* vk = nullptr;
  store::ObjectRow object;
  store::VersionRow row;
  KeyMeta meta;
  std::string kid;
};

// Loads name/version (empty = latest) of a live key and enforces what Key Vault enforces before an
// operation: `op` in key_ops (Forbidden "Operation X is not permitted on this key."), enabled
// (Disabled), nbf/exp (Forbidden).
Result<LoadedKey> load_for_op(Service& svc, const std::string& vault, const std::string& name,
                              const std::string& version, const std::string& op);

// The versioned kid of a key.
std::string key_id(const std::string& base_url, const std::string& name, const std::string& version);

}  // namespace cv::vault::keys_detail

namespace cv::vault::keys_detail {

// Destroys the session objects it was given when it goes out of scope (generation and import make
// extractable working copies that must not outlive the wrap for the catalogue).
class HandleGuard {
 public:
  explicit HandleGuard(hsm::Token& t) : token_(t) {}
  HandleGuard(const HandleGuard&) = delete;
  HandleGuard& operator=(const HandleGuard&) = delete;
  ~HandleGuard() {
    for (auto h : handles_) (void)token_.destroy(h);
  }
  hsm::Handle add(hsm::Handle h) {
    handles_.push_back(h);
    return h;
  }

 private:
  hsm::Token& token_;
  std::vector<hsm::Handle> handles_;
};

// The KeyBundle of a version (ciphertext cleared).
Result<KeyBundle> make_bundle(Service& svc, const std::string& vault, const store::ObjectRow& o,
                              const store::VersionRow& v);
// Stores a new current version of name: meta, wrapped material, attributes and tags; one transaction.
// Conflict (ObjectIsDeletedButRecoverable) for a soft-deleted name.
Result<KeyBundle> store_version(Service& svc, const std::string& vault, const std::string& name,
                                const KeyMeta& meta, Bytes wrapped, const Attributes& a,
                                const store::Tags& tags);
// The row store_version writes, for a given version id, without writing it (certificates write the key
// row in the same transaction as their certificate and secret rows).
store::VersionRow key_row(const std::string& version, const KeyMeta& meta, Bytes wrapped, const Attributes& a,
                          const store::Tags& tags);

// Usage of a new working key of kind k: extractable only so the master key can wrap it for the catalogue.
hsm::KeyUsage new_key_usage(KeyKind k);
// New material in the token for meta's kind and size/curve (fills the public parts); the wrapped bytes.
Result<Bytes> generate_material(Service& svc, const VaultKeys& vk, KeyMeta& meta);
// Imports parsed private parts into the token (fills the public parts and size/curve of meta); the
// wrapped bytes. The parts stay the caller's, who drops them as soon as this returns.
Result<Bytes> import_material(Service& svc, const VaultKeys& vk, const crypto::PrivateKeyParts& parts,
                              KeyMeta& meta);

}  // namespace cv::vault::keys_detail
