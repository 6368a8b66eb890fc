// The one soft-delete life cycle of every object type (STYLE habit 12): delete, list and show deleted,
// recover, purge, and the purge at the scheduled date. Secrets, keys and certificates differ only in
// what ObjectKind says: Key Vault's noun for messages, the objects that move with them (a certificate's
// key and secret), whether unwrapped key objects must be dropped, and whether the name may belong to a
// certificate (then only the certificate's own verbs may move it).
//
// Every step is one catalogue transaction together with its life-cycle event (table lifecycle_events).
#pragma once

#include <string>
#include <vector>

#include "coldvault/catalog.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// Key Vault's words for an object type: "secret" / "Secret".
const char* object_noun(store::ObjType t);
std::string object_noun_capital(store::ObjType t);

// NotFound in Key Vault's words ("A secret with (name/id) x was not found in this key vault. ...",
// "Deleted Secret not found: x"), and the Conflict of a name held by a soft-deleted object.
Error object_not_found(store::ObjType t, const std::string& name);
Error deleted_object_not_found(store::ObjType t, const std::string& name);
Error deleted_object_conflict(store::ObjType t, const std::string& name);
// Forbidden: purge under purge protection.
Error purge_protected(const std::string& vault);

// The NotFound of a live (deleted = false) or deleted object of type t.
inline Error kv_not_found(store::ObjType t, const std::string& name, bool deleted) {
  return deleted ? deleted_object_not_found(t, name) : object_not_found(t, name);
}

// Maps the store's generic NotFound to Key Vault's wording for type t; passes other errors through.
template <class T>
Result<T> kv_result(store::ObjType t, Result<T> r, const std::string& name, bool deleted = false) {
  if (!r && r.error().code == Errc::NotFound) return std::unexpected(kv_not_found(t, name, deleted));
  return r;
}

// An object with one of its versions (the current one unless asked).
using ObjectVersion = store::ObjectVersion;

class ObjectLifecycle {
 public:
  // REQUIRES: svc outlives this object.
  ObjectLifecycle(Service& svc, std::string vault, store::ObjType type)
      : svc_(svc), vault_(std::move(vault)), type_(type) {}

  // A live object and one version (empty = current). NotFound in Key Vault's words when the object is
  // absent or soft-deleted or has no such version; BadParameter for a malformed name or version id.
  Result<ObjectVersion> live(const std::string& name, const std::string& version = "");
  // The same with the catalogue's data_version read by the caller before (Service::vault's contract).
  Result<ObjectVersion> live(const std::string& name, const std::string& version, std::int64_t data_version);
  // Soft delete: the object and its linked objects, scheduled for purge after the vault's retention.
  Result<ObjectVersion> remove(const std::string& name);
  Result<std::vector<store::ListedObject>> list_deleted(const std::string& after, std::size_t limit);
  Result<ObjectVersion> get_deleted(const std::string& name);
  Result<ObjectVersion> recover(const std::string& name);
  // Forbidden under purge protection; the purge at the scheduled date is purge_expired's.
  Result<void> purge(const std::string& name);

 private:
  friend Result<int> purge_due_objects(Service& svc, std::int64_t now);
  Result<void> refuse_if_linked(const std::string& name, const char* action);
  Result<void> require_vault();
  // Removes the object and its linked ones and records `event`, one transaction. With due_by: only if, read
  // under the write lock, it is still deleted with scheduled_purge <= *due_by (else NotFound).
  Result<void> erase(const std::string& name, const char* event, const std::string& detail,
                     std::optional<std::int64_t> due_by = std::nullopt);
  Result<void> record(const char* event, const std::string& name, const std::string& detail);
  void evict(const std::string& name);
  Service& svc_;
  std::string vault_;
  store::ObjType type_;
};

// Purges every soft-deleted object whose scheduled purge date is at or before `now` (purge protection
// allows exactly that), recording each as "expire". Returns how many were purged.
Result<int> purge_due_objects(Service& svc, std::int64_t now);

}  // namespace cv::vault
