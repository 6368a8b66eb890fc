// Keys: show, list, set-attributes, soft delete, recover, purge, download. Same rules as secrets
// (secrets.cpp), with Key Vault's wording for keys; delete and purge also drop the key's unwrapped
// session objects from the KeyCache.
#include "coldvault/crypto.hpp"
#include "coldvault/certificates.hpp"
#include "vault/key_cache.hpp"
#include "vault/keys_common.hpp"

namespace cv::vault {

using namespace keys_detail;
using store::ObjType;

namespace {

Result<std::vector<KeyBundle>> bundles(Service& svc, const std::string& vault,
                                       Result<std::vector<store::ListedObject>> rows) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<KeyBundle> out;
  for (auto& r : *rows) {
    auto b = make_bundle(svc, vault, r.object, r.current);
    if (!b) return std::unexpected(b.error());
    out.push_back(std::move(*b));
  }
  return out;
}

}  // namespace

Result<KeyBundle> Keys::get(const std::string& name, const std::string& version) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (!version.empty())
    if (auto r = check_version_id(version); !r) return std::unexpected(r.error());
  auto o = kv(svc_.catalog().object(vault_, ObjType::Key, name), name);
  if (!o) return std::unexpected(o.error());
  if (o->deleted_date) return std::unexpected(not_found(name));
  auto v = kv(svc_.catalog().version(vault_, ObjType::Key, name, version), name);
  if (!v) return std::unexpected(v.error());
  return make_bundle(svc_, vault_, *o, *v);
}

Result<std::vector<KeyBundle>> Keys::list(std::size_t offset, std::size_t limit) {
  return bundles(svc_, vault_, svc_.catalog().list(vault_, ObjType::Key, false, offset, limit));
}

Result<std::vector<KeyBundle>> Keys::list_versions(const std::string& name, std::size_t offset,
                                                   std::size_t limit) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  auto o = kv(svc_.catalog().object(vault_, ObjType::Key, name), name);
  if (!o) return std::unexpected(o.error());
  if (o->deleted_date) return std::unexpected(not_found(name));
  auto rows = kv(svc_.catalog().versions(vault_, ObjType::Key, name, offset, limit), name);
  if (!rows) return std::unexpected(rows.error());
  std::vector<KeyBundle> out;
  for (auto& v : *rows) {
    auto b = make_bundle(svc_, vault_, *o, v);
    if (!b) return std::unexpected(b.error());
    out.push_back(std::move(*b));
  }
  return out;
}

Result<KeyBundle> Keys::update(const std::string& name, const std::string& version, const UpdateKey& u) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (!version.empty())
    if (auto r = check_version_id(version); !r) return std::unexpected(r.error());
  if (u.tags)
    if (auto r = check_tags(*u.tags); !r) return std::unexpected(r.error());
  auto o = kv(svc_.catalog().object(vault_, ObjType::Key, name), name);
  if (!o) return std::unexpected(o.error());
  if (o->deleted_date) return std::unexpected(not_found(name));
  auto v = kv(svc_.catalog().version(vault_, ObjType::Key, name, version), name);
  if (!v) return std::unexpected(v.error());
  if (u.ops) {
    auto m = KeyMeta::parse(v->meta_json);
    if (!m) return std::unexpected(m.error());
    if (auto r = check_ops(m->kind, *u.ops); !r) return std::unexpected(r.error());
    m->ops = *u.ops;
    v->meta_json = m->to_json();
  }
  if (u.tags) v->tags = *u.tags;
  if (u.attributes.enabled) v->enabled = *u.attributes.enabled;
  if (u.attributes.nbf) v->nbf = *u.attributes.nbf;
  if (u.attributes.exp) v->exp = *u.attributes.exp;
  if (auto r = check_attributes({v->enabled, v->nbf, v->exp}); !r) return std::unexpected(r.error());
  v->updated = Service::now();
  if (auto r = kv(svc_.catalog().update_version(vault_, ObjType::Key, name, *v), name); !r)
    return std::unexpected(r.error());
  return make_bundle(svc_, vault_, *o, *v);
}

Result<KeyBundle> Keys::remove(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "key", "delete"); !r)
    return std::unexpected(r.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  auto now = Service::now();
  auto o = kv(svc_.catalog().mark_deleted(vault_, ObjType::Key, name, now,
                                          now + std::int64_t{86400} * (*vk)->row.retention_days),
              name);
  if (!o) return std::unexpected(o.error());
  // A deleted key can do nothing until it is recovered: its unwrapped objects go now.
  svc_.key_cache().evict_prefix(key_cache_prefix(vault_, name));
  auto v = svc_.catalog().version(vault_, ObjType::Key, name, "");
  if (!v) return std::unexpected(v.error());
  return make_bundle(svc_, vault_, *o, *v);
}

Result<std::vector<KeyBundle>> Keys::list_deleted(std::size_t offset, std::size_t limit) {
  return bundles(svc_, vault_, svc_.catalog().list(vault_, ObjType::Key, true, offset, limit));
}

Result<KeyBundle> Keys::get_deleted(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  auto o = kv(svc_.catalog().object(vault_, ObjType::Key, name), name, true);
  if (!o) return std::unexpected(o.error());
  if (!o->deleted_date) return std::unexpected(deleted_not_found(name));
  auto v = svc_.catalog().version(vault_, ObjType::Key, name, "");
  if (!v) return std::unexpected(v.error());
  return make_bundle(svc_, vault_, *o, *v);
}

Result<KeyBundle> Keys::recover(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "key", "recover"); !r)
    return std::unexpected(r.error());
  if (auto r = kv(svc_.catalog().recover(vault_, ObjType::Key, name), name, true); !r)
    return std::unexpected(r.error());
  auto o = svc_.catalog().object(vault_, ObjType::Key, name);
  if (!o) return std::unexpected(o.error());
  auto v = svc_.catalog().version(vault_, ObjType::Key, name, "");
  if (!v) return std::unexpected(v.error());
  return make_bundle(svc_, vault_, *o, *v);
}

Result<void> Keys::purge(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "key", "purge"); !r)
    return std::unexpected(r.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  if ((*vk)->row.purge_protection)
    return fail_kv(Errc::Forbidden,
                   "Operation \"purge\" is not allowed because purge protection is enabled for this vault. "
                   "coldvault will purge it after the retention period has passed. Vault: " +
                       (*vk)->row.name,
                   "Forbidden");
  svc_.key_cache().evict_prefix(key_cache_prefix(vault_, name));
  return kv(svc_.catalog().purge(vault_, ObjType::Key, name), name, true);
}

Result<Bytes> Keys::public_key_der(const std::string& name, const std::string& version) {
  auto b = get(name, version);
  if (!b) return std::unexpected(b.error());
  auto m = KeyMeta::parse(b->meta.meta_json);
  if (!m) return std::unexpected(m.error());
  if (m->kind == KeyKind::Rsa) return crypto::spki_der(m->rsa_public());
  if (m->kind == KeyKind::Ec) return crypto::spki_der(m->ec_public());
  return std::unexpected(bad("An oct key has no public key to download."));
}

}  // namespace cv::vault
