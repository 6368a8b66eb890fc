// Keys: show, list, set-attributes, download; soft delete, recover and purge through the one object life
// cycle (lifecycle.hpp), which also drops a deleted key's unwrapped session objects from the KeyCache.
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

ObjectLifecycle life(Service& svc, const std::string& vault) { return {svc, vault, ObjType::Key}; }

Result<KeyBundle> bundle(Service& svc, const std::string& vault, Result<ObjectVersion> r) {
  if (!r) return std::unexpected(r.error());
  return make_bundle(svc, vault, r->object, r->version);
}

}  // namespace

Result<KeyBundle> Keys::get(const std::string& name, const std::string& version) {
  return bundle(svc_, vault_, life(svc_, vault_).live(name, version));
}

Result<std::vector<KeyBundle>> Keys::list(const std::string& after, std::size_t limit) {
  return bundles(svc_, vault_, svc_.catalog().list(vault_, ObjType::Key, false, after, limit));
}

Result<std::vector<KeyBundle>> Keys::list_versions(const std::string& name, const std::string& after,
                                                   std::size_t limit) {
  auto o = life(svc_, vault_).live(name);
  if (!o) return std::unexpected(o.error());
  auto rows = kv(svc_.catalog().versions(vault_, ObjType::Key, name, after, limit), name);
  if (!rows) return std::unexpected(rows.error());
  std::vector<KeyBundle> out;
  for (auto& v : *rows) {
    auto b = make_bundle(svc_, vault_, o->object, v);
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
  auto found = life(svc_, vault_).live(name, version);
  if (!found) return std::unexpected(found.error());
  const store::ObjectRow* o = &found->object;
  store::VersionRow* v = &found->version;
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
  return bundle(svc_, vault_, life(svc_, vault_).remove(name));
}

Result<std::vector<KeyBundle>> Keys::list_deleted(const std::string& after, std::size_t limit) {
  return bundles(svc_, vault_, life(svc_, vault_).list_deleted(after, limit));
}

Result<KeyBundle> Keys::get_deleted(const std::string& name) {
  return bundle(svc_, vault_, life(svc_, vault_).get_deleted(name));
}

Result<KeyBundle> Keys::recover(const std::string& name) {
  return bundle(svc_, vault_, life(svc_, vault_).recover(name));
}

Result<void> Keys::purge(const std::string& name) { return life(svc_, vault_).purge(name); }

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
