// Key Vault's wording for keys and the pre-operation checks. See keys_common.hpp.
#include "vault/keys_common.hpp"

#include <map>

namespace cv::vault::keys_detail {

using store::ObjType;

Error bad(const std::string& message) { return Error{Errc::BadParameter, message, {}, "BadParameter", {}}; }

Result<void> check_attributes(const Attributes& a) {
  if (a.nbf && a.exp && *a.exp <= *a.nbf)
    return std::unexpected(bad("The expiration time must be later than the not-before time."));
  return {};
}

Result<void> check_tags(const store::Tags& tags) {
  if (tags.size() > 15) return std::unexpected(bad("at most 15 tags are allowed"));
  for (const auto& [k, v] : tags)
    if (k.empty() || k.size() > 512 || v.size() > 256)
      return std::unexpected(bad("tag names are 1-512 characters and tag values at most 256"));
  return {};
}

std::string key_id(const std::string& base_url, const std::string& name, const std::string& version) {
  return base_url + "/keys/" + name + "/" + version;
}

// KeyMeta::parse is a pure function of the row's meta text, and a hot key parses the same text on every
// operation (2 % of an ES256 sign): the last few results are kept per thread, keyed by the whole text.
static Result<KeyMeta> parsed_meta(const std::string& json) {
  thread_local std::map<std::string, KeyMeta> memo;
  if (auto it = memo.find(json); it != memo.end()) return it->second;
  auto m = KeyMeta::parse(json);
  if (!m) return m;
  if (memo.size() >= 64) memo.clear();
  memo.emplace(json, *m);
  return m;
}

Result<LoadedKey> load_for_op(Service& svc, const std::string& vault, const std::string& name,
                              const std::string& version, const std::string& op) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (!version.empty())
    if (auto r = check_version_id(version); !r) return std::unexpected(r.error());
  LoadedKey k;
  // One data_version read for the operation: the vault check and the key's rows both trust it.
  const std::int64_t seen = svc.catalog().data_version();
  auto vk = svc.vault(vault, seen);
  if (!vk) return std::unexpected(vk.error());
  k.vk = *vk;
  auto found = kv(svc.catalog().object_version(vault, ObjType::Key, name, version, seen), name);
  if (!found) return std::unexpected(found.error());
  if (found->object.deleted_date) return std::unexpected(not_found(name));
  auto* o = &found->object;
  auto* v = &found->version;
  auto m = parsed_meta(v->meta_json);
  if (!m) return std::unexpected(m.error());
  if (!m->allows(op))
    return fail_kv(Errc::Forbidden, "Operation " + op + " is not permitted on this key.", "Forbidden",
                   "KeyOperationForbidden");
  if (!v->enabled)
    return fail_kv(Errc::Disabled, "Operation " + op + " is not allowed on a disabled key.", "Forbidden",
                   "KeyDisabled");
  auto now = Service::now();
  if (v->nbf && now < *v->nbf)
    return fail_kv(Errc::Forbidden, "Operation " + op + " is not allowed on a key that is not yet valid.",
                   "Forbidden", "KeyNotYetValid");
  if (v->exp && now >= *v->exp)
    return fail_kv(Errc::Forbidden, "Operation " + op + " is not allowed on an expired key.", "Forbidden",
                   "KeyExpired");
  k.object = std::move(*o);
  k.row = std::move(*v);
  k.meta = std::move(*m);
  k.kid = key_id(k.vk->row.base_url, k.object.name, k.row.version);
  return k;
}

}  // namespace cv::vault::keys_detail

namespace cv::vault::keys_detail {

Result<KeyBundle> make_bundle(Service& svc, const std::string& vault, const store::ObjectRow& o,
                              const store::VersionRow& v) {
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  KeyBundle b;
  b.base_url = (*vk)->row.base_url;
  b.name = o.name;
  b.meta = v;
  b.meta.ciphertext.clear();
  b.meta.iv.clear();
  b.recoverable_days = (*vk)->row.retention_days;
  b.recovery_level = recovery_level((*vk)->row);
  b.deleted_date = o.deleted_date;
  b.scheduled_purge = o.scheduled_purge;
  return b;
}

store::VersionRow key_row(const std::string& version, const KeyMeta& meta, Bytes wrapped, const Attributes& a,
                          const store::Tags& tags) {
  store::VersionRow v;
  v.version = version;
  v.tags = tags;
  v.enabled = a.enabled.value_or(true);
  v.nbf = a.nbf;
  v.exp = a.exp;
  v.created = v.updated = Service::now();
  v.ciphertext = std::move(wrapped);
  v.meta_json = meta.to_json();
  return v;
}

Result<KeyBundle> store_version(Service& svc, const std::string& vault, const std::string& name,
                                const KeyMeta& meta, Bytes wrapped, const Attributes& a,
                                const store::Tags& tags) {
  auto version = svc.new_version_id();
  if (!version) return std::unexpected(version.error());
  store::VersionRow v = key_row(*version, meta, std::move(wrapped), a, tags);
  if (auto r = svc.catalog().add_version(vault, ObjType::Key, name, v); !r) {
    if (r.error().inner == "ObjectIsDeletedButRecoverable") return std::unexpected(deleted_conflict(name));
    return std::unexpected(r.error());
  }
  auto o = svc.catalog().object(vault, ObjType::Key, name);
  if (!o) return std::unexpected(o.error());
  return make_bundle(svc, vault, *o, v);
}

}  // namespace cv::vault::keys_detail
