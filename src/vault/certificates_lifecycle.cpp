// Certificates: show, list, set-attributes, policy; soft delete, recover and purge through the one object
// life cycle (lifecycle.hpp), which moves the certificate, its key and its secret together in one
// catalogue transaction (a pending-only certificate has no secret yet).
#include "vault/certificates_detail.hpp"
#include "vault/key_cache.hpp"

namespace cv::vault {

using namespace certs_detail;
using store::ObjType;

namespace {

// The bundle of an object's current version, whose policy is the object's policy.
Result<CertificateBundle> current_bundle(Service& svc, const std::string& vault, const store::ObjectRow& o,
                                         const store::VersionRow& v) {
  auto m = CertMeta::parse(v.meta_json);
  if (!m) return std::unexpected(m.error());
  return make_bundle(svc, vault, o, v, m->policy);
}

Result<std::vector<CertificateBundle>> bundles(Service& svc, const std::string& vault,
                                               Result<std::vector<store::ListedObject>> rows) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<CertificateBundle> out;
  for (auto& r : *rows) {
    auto b = current_bundle(svc, vault, r.object, r.current);
    if (!b) return std::unexpected(b.error());
    out.push_back(std::move(*b));
  }
  return out;
}

ObjectLifecycle life(Service& svc, const std::string& vault) { return {svc, vault, ObjType::Certificate}; }

Result<store::ObjectRow> live_object(Service& svc, const std::string& vault, const std::string& name) {
  auto r = life(svc, vault).live(name);
  if (!r) return std::unexpected(r.error());
  return std::move(r->object);
}

Result<CertificateBundle> bundle(Service& svc, const std::string& vault, Result<ObjectVersion> r) {
  if (!r) return std::unexpected(r.error());
  return current_bundle(svc, vault, r->object, r->version);
}

}  // namespace

Result<CertificateBundle> Certificates::get(const std::string& name, const std::string& version) {
  if (!version.empty())
    if (auto r = check_version_id(version); !r) return std::unexpected(r.error());
  auto o = live_object(svc_, vault_, name);
  if (!o) return std::unexpected(o.error());
  auto v = kv(svc_.catalog().version(vault_, ObjType::Certificate, name, version), name);
  if (!v) return std::unexpected(v.error());
  auto p = current_policy(svc_, vault_, name);
  if (!p) return std::unexpected(p.error());
  return make_bundle(svc_, vault_, *o, *v, *p);
}

Result<std::vector<CertificateBundle>> Certificates::list(const std::string& after, std::size_t limit) {
  return bundles(svc_, vault_, svc_.catalog().list(vault_, ObjType::Certificate, false, after, limit));
}

Result<std::vector<CertificateBundle>> Certificates::list_versions(const std::string& name, const std::string& after,
                                                                   std::size_t limit) {
  auto o = live_object(svc_, vault_, name);
  if (!o) return std::unexpected(o.error());
  auto p = current_policy(svc_, vault_, name);
  if (!p) return std::unexpected(p.error());
  auto rows = kv(svc_.catalog().versions(vault_, ObjType::Certificate, name, after, limit), name);
  if (!rows) return std::unexpected(rows.error());
  std::vector<CertificateBundle> out;
  for (auto& v : *rows) {
    auto b = make_bundle(svc_, vault_, *o, v, *p);
    if (!b) return std::unexpected(b.error());
    out.push_back(std::move(*b));
  }
  return out;
}

Result<CertificateBundle> Certificates::update(const std::string& name, const std::string& version,
                                               const UpdateCertificate& u) {
  if (!version.empty())
    if (auto r = check_version_id(version); !r) return std::unexpected(r.error());
  if (u.tags)
    if (auto r = keys_detail::check_tags(*u.tags); !r) return std::unexpected(r.error());
  auto o = live_object(svc_, vault_, name);
  if (!o) return std::unexpected(o.error());
  auto& cat = svc_.catalog();
  auto v = kv(cat.version(vault_, ObjType::Certificate, name, version), name);
  if (!v) return std::unexpected(v.error());
  // nbf/exp of a certificate are its validity and cannot be set; enabled and tags can.
  const auto now = Service::now();
  if (u.tags) v->tags = *u.tags;
  if (u.attributes.enabled) v->enabled = *u.attributes.enabled;
  v->updated = now;
  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  if (auto r = cat.update_version(vault_, ObjType::Certificate, name, *v); !r) return std::unexpected(r.error());
  // A disabled certificate disables its key and secret of that version, as in Key Vault.
  if (u.attributes.enabled)
    for (ObjType t : {ObjType::Key, ObjType::Secret}) {
      auto row = cat.version(vault_, t, name, v->version);
      if (!row) continue;  // a pending version has no secret
      row->enabled = *u.attributes.enabled;
      row->updated = now;
      if (auto r = cat.update_version(vault_, t, name, *row); !r) return std::unexpected(r.error());
    }
  // After the attribute write, so the policy lands on the current row as it now is.
  if (u.policy)
    if (auto r = update_policy(name, *u.policy); !r) return std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  auto p = current_policy(svc_, vault_, name);
  if (!p) return std::unexpected(p.error());
  return make_bundle(svc_, vault_, *o, *v, *p);
}

Result<CertificateBundle> Certificates::remove(const std::string& name) {
  return bundle(svc_, vault_, life(svc_, vault_).remove(name));
}

Result<std::vector<CertificateBundle>> Certificates::list_deleted(const std::string& after, std::size_t limit) {
  return bundles(svc_, vault_, life(svc_, vault_).list_deleted(after, limit));
}

Result<CertificateBundle> Certificates::get_deleted(const std::string& name) {
  return bundle(svc_, vault_, life(svc_, vault_).get_deleted(name));
}

Result<CertificateBundle> Certificates::recover(const std::string& name) {
  return bundle(svc_, vault_, life(svc_, vault_).recover(name));
}

Result<void> Certificates::purge(const std::string& name) { return life(svc_, vault_).purge(name); }

Result<CertificatePolicy> Certificates::policy(const std::string& name) {
  auto o = live_object(svc_, vault_, name);
  if (!o) return std::unexpected(o.error());
  return current_policy(svc_, vault_, name);
}

Result<CertificatePolicy> Certificates::update_policy(const std::string& name, const nlohmann::json& patch) {
  if (!patch.is_object()) return std::unexpected(bad("policy: the certificate policy must be a JSON object"));
  auto o = live_object(svc_, vault_, name);
  if (!o) return std::unexpected(o.error());
  auto v = kv(svc_.catalog().version(vault_, ObjType::Certificate, name, ""), name);
  if (!v) return std::unexpected(v.error());
  auto m = CertMeta::parse(v->meta_json);
  if (!m) return std::unexpected(m.error());
  nlohmann::json p = normalise_policy_json(patch);
  p.erase("id");
  nlohmann::json merged = certificate_policy_json(m->policy, "");
  // A new key type drops the old size/curve and exportable default unless the patch gives them.
  if (p.contains("key_props") && p["key_props"].is_object() && p["key_props"].contains("kty")) {
    for (const char* k : {"key_size", "crv", "exportable"})
      if (!p["key_props"].contains(k)) merged["key_props"].erase(k);
  }
  merged.merge_patch(p);
  auto next = certificate_policy_from_json(merged);
  if (!next) return std::unexpected(next.error());
  if (next->subject.empty() && next->dns_names.empty())
    return std::unexpected(bad("x509_props.subject: a certificate needs a subject, e.g. \"CN=www.contoso.com\"."));
  next->created = m->policy.created;
  next->updated = Service::now();
  m->policy = *next;
  v->meta_json = m->to_json();
  if (auto r = kv(svc_.catalog().update_version(vault_, ObjType::Certificate, name, *v), name); !r)
    return std::unexpected(r.error());
  return *next;
}

}  // namespace cv::vault
