// Secrets: Key Vault's life cycle over the catalogue, values sealed by the token.
#include "coldvault/secrets.hpp"

#include "coldvault/certificates.hpp"
#include "vault/labels.hpp"
#include "vault/lifecycle.hpp"
#include "vault/secrets_detail.hpp"

namespace cv::vault {
namespace {

using store::ObjType;

Error not_found(const std::string& name) { return object_not_found(ObjType::Secret, name); }
Error deleted_conflict(const std::string& name) { return deleted_object_conflict(ObjType::Secret, name); }
template <class T>
Result<T> kv(Result<T> r, const std::string& name) {
  if (!r && r.error().code == Errc::NotFound) return std::unexpected(not_found(name));
  return r;
}

Result<void> check_attributes(const Attributes& a) {
  if (a.nbf && a.exp && *a.exp <= *a.nbf)
    return fail_kv(Errc::BadParameter, "The expiration time must be later than the not-before time.",
                   "BadParameter");
  return {};
}

Result<void> check_content_type(const std::optional<std::string>& ct) {
  if (ct && ct->size() > kMaxContentType)
    return fail_kv(Errc::BadParameter, "contentType is longer than 255 characters", "BadParameter");
  return {};
}

Result<void> check_tags(const store::Tags& tags) {
  if (tags.size() > 15) return fail_kv(Errc::BadParameter, "at most 15 tags are allowed", "BadParameter");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 512 || v.size() > 256)
      return fail_kv(Errc::BadParameter,
                     "tag names are 1-512 characters and tag values at most 256", "BadParameter");
  }
  return {};
}

}  // namespace

std::string secret_aad(const std::string& vault, const std::string& name, const std::string& version) {
  return "coldvault/v1|" + lower(vault) + "|secret|" + lower(name) + "|" + lower(version);
}

namespace secrets_detail {

Result<store::VersionRow> sealed_row(Service& svc, const VaultKeys& vk, const std::string& vault,
                                     const std::string& name, const std::string& version, ByteView value,
                                     const std::optional<std::string>& content_type, const store::Tags& tags,
                                     const Attributes& a) {
  auto& token = svc.token();
  auto iv = token.random(12);
  if (!iv) return std::unexpected(iv.error());
  std::string aad = secret_aad(vault, name, version);
  auto ct = token.gcm_encrypt(vk.master, *iv, as_bytes(aad), value);
  if (!ct) return std::unexpected(ct.error());
  store::VersionRow v;
  v.version = version;
  v.content_type = content_type;
  v.tags = tags;
  v.enabled = a.enabled.value_or(true);
  v.nbf = a.nbf;
  v.exp = a.exp;
  v.created = v.updated = Service::now();
  v.iv = *iv;
  v.ciphertext = std::move(*ct);
  return v;
}

Result<SecureBytes> open_row(Service& svc, const VaultKeys& vk, const std::string& vault, const std::string& name,
                             const store::VersionRow& v) {
  std::string aad = secret_aad(vault, name, v.version);
  auto pt = svc.token().gcm_decrypt(vk.master, v.iv, as_bytes(aad), v.ciphertext);
  if (!pt)
    return fail(pt.error().code, "secret " + name + "/" + v.version +
                                     ": stored ciphertext failed authentication (" + pt.error().message + ")");
  return pt;
}

}  // namespace secrets_detail

Result<const VaultKeys*> Secrets::keys() { return svc_.vault(vault_); }
ObjectLifecycle Secrets::life() { return ObjectLifecycle(svc_, vault_, ObjType::Secret); }

Result<SecretBundle> Secrets::bundle(const store::ObjectRow& o, const store::VersionRow& v) {
  auto k = keys();
  if (!k) return std::unexpected(k.error());
  return bundle(o, v, **k);
}

SecretBundle Secrets::bundle(const store::ObjectRow& o, const store::VersionRow& v, const VaultKeys& k) {
  SecretBundle b;
  b.base_url = k.row.base_url;
  b.name = o.name;
  b.meta = v;
  b.meta.ciphertext.clear();
  b.meta.iv.clear();
  b.recoverable_days = k.row.retention_days;
  b.recovery_level = recovery_level(k.row);
  b.deleted_date = o.deleted_date;
  b.scheduled_purge = o.scheduled_purge;
  return b;
}

Result<SecretBundle> Secrets::set(const std::string& name, const SetSecret& s) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "secret", "set"); !r)
    return std::unexpected(r.error());
  if (s.value.size() > kMaxSecretBytes)
    return fail_kv(Errc::BadParameter,
                   "The secret value is " + std::to_string(s.value.size()) +
                       " bytes; the limit is " + std::to_string(kMaxSecretBytes) + " bytes.",
                   "BadParameter");
  if (auto r = check_attributes(s.attributes); !r) return std::unexpected(r.error());
  if (auto r = check_content_type(s.content_type); !r) return std::unexpected(r.error());
  if (auto r = check_tags(s.tags); !r) return std::unexpected(r.error());
  auto k = keys();
  if (!k) return std::unexpected(k.error());

  // Refuse early on a soft-deleted name (the store checks again inside its transaction).
  if (auto o = svc_.catalog().object(vault_, ObjType::Secret, name); o && o->deleted_date)
    return std::unexpected(deleted_conflict(name));

  auto version = svc_.new_version_id();
  if (!version) return std::unexpected(version.error());
  auto row = secrets_detail::sealed_row(svc_, **k, vault_, name, *version,
                                        ByteView(reinterpret_cast<const std::uint8_t*>(s.value.data()), s.value.size()),
                                        s.content_type, s.tags, s.attributes);
  if (!row) return std::unexpected(row.error());
  const store::VersionRow& v = *row;
  if (auto r = svc_.catalog().add_version(vault_, ObjType::Secret, name, v); !r) {
    if (r.error().inner == "ObjectIsDeletedButRecoverable") return std::unexpected(deleted_conflict(name));
    return std::unexpected(r.error());
  }
  auto o = svc_.catalog().object(vault_, ObjType::Secret, name);
  if (!o) return std::unexpected(o.error());
  auto b = bundle(*o, v);
  if (b) b->value = s.value;
  return b;
}

Result<SecretBundle> Secrets::get(const std::string& name, const std::string& version) {
  // One data_version read for the whole get: the vault check, the rows and the keys all trust it.
  const std::int64_t seen = svc_.catalog().data_version();
  auto found = life().live(name, version, seen);
  if (!found) return std::unexpected(found.error());
  const store::ObjectRow* o = &found->object;
  const store::VersionRow* v = &found->version;
  if (!v->enabled)
    return fail_kv(Errc::Disabled, "Operation get is not allowed on a disabled secret.", "Forbidden",
                   "SecretDisabled");
  // nbf/exp do not gate get: Key Vault documents that "a secret's get operation will work for not-yet-valid
  // and expired secrets" (about-secrets, "Date-time controlled operations": for tests and for recovery), and
  // the service answers 200 (docs/rest.md, "Expired and not-yet-valid secrets"). The attributes go back with
  // the value so the caller can decide. Keys differ: their operations are refused outside the window.
  auto k = svc_.vault(vault_, seen);
  if (!k) return std::unexpected(k.error());
  auto pt = secrets_detail::open_row(svc_, **k, vault_, o->name, *v);
  if (!pt) return std::unexpected(pt.error());
  SecretBundle b = bundle(*o, *v, **k);
  b.value = SecureString(pt->begin(), pt->end());
  return b;
}

Result<std::vector<SecretBundle>> Secrets::list(const std::string& after, std::size_t limit) {
  return bundles(svc_.catalog().list(vault_, ObjType::Secret, false, after, limit));
}

Result<std::vector<SecretBundle>> Secrets::bundles(Result<std::vector<store::ListedObject>> rows) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<SecretBundle> out;
  for (auto& r : *rows) {
    auto b = bundle(r.object, r.current);
    if (!b) return std::unexpected(b.error());
    out.push_back(std::move(*b));
  }
  return out;
}

Result<std::vector<SecretBundle>> Secrets::list_versions(const std::string& name, const std::string& after,
                                                         std::size_t limit) {
  auto found = life().live(name);
  if (!found) return std::unexpected(found.error());
  auto rows = kv(svc_.catalog().versions(vault_, ObjType::Secret, name, after, limit), name);
  if (!rows) return std::unexpected(rows.error());
  std::vector<SecretBundle> out;
  for (auto& v : *rows) {
    auto b = bundle(found->object, v);
    if (!b) return std::unexpected(b.error());
    out.push_back(std::move(*b));
  }
  return out;
}

Result<SecretBundle> Secrets::update(const std::string& name, const std::string& version,
                                     const UpdateSecret& u) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (!version.empty())
    if (auto r = check_version_id(version); !r) return std::unexpected(r.error());
  if (auto r = check_content_type(u.content_type); !r) return std::unexpected(r.error());
  if (u.tags)
    if (auto r = check_tags(*u.tags); !r) return std::unexpected(r.error());
  auto found = life().live(name, version);
  if (!found) return std::unexpected(found.error());
  const store::ObjectRow* o = &found->object;
  store::VersionRow* v = &found->version;
  if (u.content_type) v->content_type = *u.content_type;
  if (u.tags) v->tags = *u.tags;
  if (u.attributes.enabled) v->enabled = *u.attributes.enabled;
  if (u.attributes.nbf) v->nbf = *u.attributes.nbf;
  if (u.attributes.exp) v->exp = *u.attributes.exp;
  if (auto r = check_attributes({v->enabled, v->nbf, v->exp}); !r) return std::unexpected(r.error());
  v->updated = Service::now();
  if (auto r = kv(svc_.catalog().update_version(vault_, ObjType::Secret, name, *v), name); !r)
    return std::unexpected(r.error());
  return bundle(*o, *v);
}

Result<SecretBundle> Secrets::remove(const std::string& name) {
  auto r = life().remove(name);
  if (!r) return std::unexpected(r.error());
  return bundle(r->object, r->version);
}

Result<std::vector<SecretBundle>> Secrets::list_deleted(const std::string& after, std::size_t limit) {
  return bundles(life().list_deleted(after, limit));
}

Result<SecretBundle> Secrets::get_deleted(const std::string& name) {
  auto r = life().get_deleted(name);
  if (!r) return std::unexpected(r.error());
  return bundle(r->object, r->version);
}

Result<SecretBundle> Secrets::recover(const std::string& name) {
  auto r = life().recover(name);
  if (!r) return std::unexpected(r.error());
  return bundle(r->object, r->version);
}

Result<void> Secrets::purge(const std::string& name) { return life().purge(name); }

}  // namespace cv::vault
