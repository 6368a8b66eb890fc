// The one object life cycle (lifecycle.hpp): Key Vault's soft delete, recover, purge and expiry for
// secrets, keys and certificates alike.
#include "vault/lifecycle.hpp"

#include <cctype>

#include "coldvault/certificates.hpp"
#include "vault/key_cache.hpp"

namespace cv::vault {

using store::ObjType;

const char* object_noun(ObjType t) { return store::obj_type_name(t); }

std::string object_noun_capital(ObjType t) {
  std::string n = object_noun(t);
  n[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[0])));
  return n;
}

Error object_not_found(ObjType t, const std::string& name) {
  const std::string noun = object_noun(t);
  return Error{Errc::NotFound,
               "A " + noun + " with (name/id) " + name + " was not found in this key vault. If you recently "
                   "deleted this " + noun + " you may be able to recover it using the correct recovery command.",
               {}, object_noun_capital(t) + "NotFound", {}};
}

Error deleted_object_not_found(ObjType t, const std::string& name) {
  return Error{Errc::NotFound, "Deleted " + object_noun_capital(t) + " not found: " + name, {},
               object_noun_capital(t) + "NotFound", {}};
}

Error deleted_object_conflict(ObjType t, const std::string& name) {
  const std::string noun = object_noun(t);
  return Error{Errc::Conflict,
               object_noun_capital(t) + " " + name + " is currently in a deleted but recoverable state, and its "
                   "name cannot be reused; in this state, the " + noun + " can only be recovered or purged.",
               {}, "Conflict", "ObjectIsDeletedButRecoverable"};
}

Error purge_protected(const std::string& vault) {
  return Error{Errc::Forbidden,
               "Operation \"purge\" is not allowed because purge protection is enabled for this vault. "
               "coldvault will purge it after the retention period has passed. Vault: " + vault,
               {}, "Forbidden", {}};
}

namespace {

// The objects that share a certificate's name and move with it; none for the other types.
std::vector<ObjType> linked_types(ObjType t) {
  if (t == ObjType::Certificate) return {ObjType::Key, ObjType::Secret};
  return {};
}

// A linked object may legitimately be absent (a pending-only certificate has no secret yet).
template <class T>
Result<void> tolerate_absent(const Result<T>& r) {
  if (!r && r.error().code != Errc::NotFound) return std::unexpected(r.error());
  return {};
}

}  // namespace

Result<void> ObjectLifecycle::refuse_if_linked(const std::string& name, const char* action) {
  if (type_ == ObjType::Certificate) return {};
  return refuse_if_certificate_managed(svc_, vault_, name, object_noun(type_), action);
}

void ObjectLifecycle::evict(const std::string& name) {
  // A key that is deleted or gone can do nothing: its unwrapped session objects go now.
  if (type_ != ObjType::Secret) svc_.key_cache().evict_prefix(key_cache_prefix(vault_, name));
}

Result<void> ObjectLifecycle::record(const char* event, const std::string& name, const std::string& detail) {
  return svc_.catalog().add_lifecycle_event({0, Service::now(), event, vault_, object_noun(type_), name, detail});
}

Result<void> ObjectLifecycle::require_vault() {
  // A soft-deleted (or absent) vault: VaultNotFound before any object row is read or written.
  if (auto vk = svc_.vault(vault_); !vk) return std::unexpected(vk.error());
  return {};
}

Result<ObjectVersion> ObjectLifecycle::live(const std::string& name, const std::string& version) {
  return live(name, version, svc_.catalog().data_version());
}

Result<ObjectVersion> ObjectLifecycle::live(const std::string& name, const std::string& version,
                                            std::int64_t data_version) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (!version.empty())
    if (auto r = check_version_id(version); !r) return std::unexpected(r.error());
  // A soft-deleted (or absent) vault: VaultNotFound before any object row is read.
  if (auto vk = svc_.vault(vault_, data_version); !vk) return std::unexpected(vk.error());
  auto found =
      kv_result(type_, svc_.catalog().object_version(vault_, type_, name, version, data_version), name);
  if (!found) return std::unexpected(found.error());
  if (found->object.deleted_date) return std::unexpected(object_not_found(type_, name));
  return found;
}

Result<ObjectVersion> ObjectLifecycle::remove(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_linked(name, "delete"); !r) return std::unexpected(r.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  auto& cat = svc_.catalog();
  const auto now = Service::now(), purge_at = now + std::int64_t{86400} * (*vk)->row.retention_days;
  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  auto o = kv_result(type_, cat.mark_deleted(vault_, type_, name, now, purge_at), name);
  if (!o) return std::unexpected(o.error());
  for (ObjType t : linked_types(type_))
    if (auto r = tolerate_absent(cat.mark_deleted(vault_, t, name, now, purge_at)); !r)
      return std::unexpected(r.error());
  if (auto r = record("delete", o->name, ""); !r) return std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  evict(name);
  auto v = cat.version(vault_, type_, name, "");
  if (!v) return std::unexpected(v.error());
  return ObjectVersion{std::move(*o), std::move(*v)};
}

Result<std::vector<store::ListedObject>> ObjectLifecycle::list_deleted(const std::string& after, std::size_t limit) {
  if (auto r = require_vault(); !r) return std::unexpected(r.error());
  return svc_.catalog().list(vault_, type_, true, after, limit);
}

Result<ObjectVersion> ObjectLifecycle::get_deleted(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = require_vault(); !r) return std::unexpected(r.error());
  auto& cat = svc_.catalog();
  auto o = kv_result(type_, cat.object(vault_, type_, name), name, true);
  if (!o) return std::unexpected(o.error());
  if (!o->deleted_date) return std::unexpected(deleted_object_not_found(type_, name));
  auto v = cat.version(vault_, type_, name, "");
  if (!v) return std::unexpected(v.error());
  return ObjectVersion{std::move(*o), std::move(*v)};
}

Result<ObjectVersion> ObjectLifecycle::recover(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_linked(name, "recover"); !r) return std::unexpected(r.error());
  if (auto r = require_vault(); !r) return std::unexpected(r.error());
  auto& cat = svc_.catalog();
  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  if (auto r = kv_result(type_, cat.recover(vault_, type_, name), name, true); !r) return std::unexpected(r.error());
  for (ObjType t : linked_types(type_))
    if (auto r = tolerate_absent(cat.recover(vault_, t, name)); !r) return std::unexpected(r.error());
  auto o = cat.object(vault_, type_, name);
  if (!o) return std::unexpected(o.error());
  if (auto r = record("recover", o->name, ""); !r) return std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  auto v = cat.version(vault_, type_, name, "");
  if (!v) return std::unexpected(v.error());
  return ObjectVersion{std::move(*o), std::move(*v)};
}

Result<void> ObjectLifecycle::purge(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_linked(name, "purge"); !r) return std::unexpected(r.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  if ((*vk)->row.purge_protection) return std::unexpected(purge_protected((*vk)->row.name));
  return erase(name, "purge", "");
}

Result<void> ObjectLifecycle::erase(const std::string& name, const char* event, const std::string& detail,
                                    std::optional<std::int64_t> due_by) {
  auto& cat = svc_.catalog();
  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  auto o = kv_result(type_, cat.object(vault_, type_, name), name, true);
  if (!o) return std::unexpected(o.error());
  // Recovered (and maybe deleted again) since the scan: not due any more.
  if (due_by && (!o->scheduled_purge || *o->scheduled_purge > *due_by))
    return std::unexpected(deleted_object_not_found(type_, name));
  if (auto r = kv_result(type_, cat.purge(vault_, type_, name), name, true); !r) return std::unexpected(r.error());
  for (ObjType t : linked_types(type_))
    if (auto r = tolerate_absent(cat.purge(vault_, t, name)); !r) return std::unexpected(r.error());
  if (auto r = record(event, o->name, detail); !r) return std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  evict(name);
  return {};
}

Result<int> purge_due_objects(Service& svc, std::int64_t now) {
  int purged = 0;
  for (;;) {
    auto due = svc.catalog().due_objects(now, 256);
    if (!due) return std::unexpected(due.error());
    int before = purged;
    for (const auto& d : *due) {
      // A certificate's key and secret go with the certificate, never on their own.
      if (d.type != ObjType::Certificate)
        if (auto c = svc.catalog().object(d.vault, ObjType::Certificate, d.name); c) continue;
      ObjectLifecycle life(svc, d.vault, d.type);
      auto r = life.erase(d.name, "expire", "scheduled purge date reached", now);
      if (!r && r.error().code != Errc::NotFound) return std::unexpected(r.error());
      if (r) ++purged;
    }
    // Rows skipped above stay due; stop once a pass purges nothing new.
    if (due->size() < 256 || purged == before) return purged;
  }
}

}  // namespace cv::vault
