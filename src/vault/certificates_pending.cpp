// The pending operation of a certificate whose issuer is Unknown: show, merge, cancel, delete.
// The pending version already has its certificate row (meta "pending", no "cer") and its key row; merge
// completes the certificate row and adds the secret in one transaction, after checking that the issued
// certificate carries the pending key.
#include "coldvault/crypto.hpp"
#include "vault/certificates_detail.hpp"
#include "vault/key_cache.hpp"
#include "vault/secrets_detail.hpp"

namespace cv::vault {

using namespace certs_detail;
using store::ObjType;

namespace {

struct Pending {
  const VaultKeys* vk = nullptr;
  store::ObjectRow object;
  store::VersionRow row;
  CertMeta meta;
};

Result<Pending> load_pending(Service& svc, const std::string& vault, const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  Pending p;
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  p.vk = *vk;
  auto o = svc.catalog().object(vault, ObjType::Certificate, name);
  if (!o) {
    if (o.error().code == Errc::NotFound) return std::unexpected(pending_not_found(name));
    return std::unexpected(o.error());
  }
  if (o->deleted_date) return std::unexpected(pending_not_found(name));
  auto v = svc.catalog().version(vault, ObjType::Certificate, name, "");
  if (!v) return std::unexpected(v.error());
  auto m = CertMeta::parse(v->meta_json);
  if (!m) return std::unexpected(m.error());
  if (!m->pending) return std::unexpected(pending_not_found(name));
  p.object = std::move(*o);
  p.row = std::move(*v);
  p.meta = std::move(*m);
  return p;
}

Result<Bytes> public_key_of(const store::VersionRow& key_row) {
  auto m = KeyMeta::parse(key_row.meta_json);
  if (!m) return std::unexpected(m.error());
  return m->kind == KeyKind::Rsa ? crypto::spki_der(m->rsa_public()) : crypto::spki_der(m->ec_public());
}

}  // namespace

Result<CertificateOperation> Certificates::pending(const std::string& name) {
  auto p = load_pending(svc_, vault_, name);
  if (!p) return std::unexpected(p.error());
  return make_operation(p->vk->row.base_url, p->object.name, p->meta, p->row.version);
}

Result<CertificateBundle> Certificates::merge(const std::string& name, const std::vector<Bytes>& x5c,
                                              const store::Tags& tags, const Attributes& attributes) {
  if (auto r = keys_detail::check_tags(tags); !r) return std::unexpected(r.error());
  auto p = load_pending(svc_, vault_, name);
  if (!p) return std::unexpected(p.error());
  if (x5c.empty()) return std::unexpected(bad("x5c: give the issued certificate, then its chain."));
  std::optional<crypto::CertFields> leaf;
  for (std::size_t i = 0; i < x5c.size(); ++i) {
    auto f = crypto::certificate_fields(x5c[i]);
    if (!f) return std::unexpected(bad("x5c[" + std::to_string(i) + "] is not an X.509 certificate: " + f.error().message));
    if (i == 0) leaf = std::move(*f);
  }
  auto& cat = svc_.catalog();
  auto key = cat.version(vault_, ObjType::Key, name, p->row.version);
  if (!key) return std::unexpected(key.error());
  auto spki = public_key_of(*key);
  if (!spki) return std::unexpected(spki.error());
  if (!crypto::equal_ct(*spki, leaf->spki_der))
    return std::unexpected(bad("x5c[0]: the certificate was issued for another key; its public key is not the "
                               "key of the pending request of certificate " + p->object.name + "."));

  const auto now = Service::now();
  store::VersionRow cert = p->row;
  p->meta.cer = x5c[0];
  p->meta.pending.reset();
  cert.meta_json = p->meta.to_json();
  cert.nbf = key->nbf = leaf->not_before;
  cert.exp = key->exp = leaf->not_after;
  if (!tags.empty()) cert.tags = tags;
  if (attributes.enabled) cert.enabled = key->enabled = *attributes.enabled;
  cert.updated = key->updated = now;
  // The key stayed in the token since the CSR was made: the secret holds the certificates only.
  const std::string& ct = p->meta.policy.content_type;
  auto value = secret_value(ct, std::nullopt, x5c);
  if (!value) return std::unexpected(value.error());
  auto secret = secrets_detail::sealed_row(svc_, *p->vk, vault_, p->object.name, cert.version, *value, ct,
                                           cert.tags, {cert.enabled, cert.nbf, cert.exp});
  if (!secret) return std::unexpected(secret.error());
  secret->meta_json = kManagedSecretMeta;

  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  if (auto r = cat.update_version(vault_, ObjType::Certificate, name, cert); !r) return std::unexpected(r.error());
  if (auto r = cat.update_version(vault_, ObjType::Key, name, *key); !r) return std::unexpected(r.error());
  if (auto r = cat.add_version(vault_, ObjType::Secret, p->object.name, *secret); !r) return std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  return make_bundle(svc_, vault_, p->object, cert, p->meta.policy);
}

Result<CertificateOperation> Certificates::delete_pending(const std::string& name) {
  auto p = load_pending(svc_, vault_, name);
  if (!p) return std::unexpected(p.error());
  auto& cat = svc_.catalog();
  // The unfinished version goes from the certificate and its key; with no older version the objects go.
  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  for (ObjType t : {ObjType::Certificate, ObjType::Key})
    if (auto r = cat.remove_version(vault_, t, name, p->row.version); !r && r.error().code != Errc::NotFound)
      return std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  svc_.key_cache().evict_prefix(key_cache_prefix(vault_, name));
  return make_operation(p->vk->row.base_url, p->object.name, p->meta, p->row.version);
}

Result<CertificateOperation> Certificates::cancel_pending(const std::string& name) {
  auto p = load_pending(svc_, vault_, name);
  if (!p) return std::unexpected(p.error());
  // No CA is contacted, so the cancellation takes effect at once; the operation stays until deleted.
  p->meta.pending->cancellation_requested = true;
  p->meta.pending->status = "cancelled";
  p->meta.pending->status_details = "Pending certificate operation was cancelled.";
  p->row.meta_json = p->meta.to_json();
  if (auto r = svc_.catalog().update_version(vault_, ObjType::Certificate, name, p->row); !r)
    return std::unexpected(r.error());
  return make_operation(p->vk->row.base_url, p->object.name, p->meta, p->row.version);
}

}  // namespace cv::vault
