// Key Vault's wording for certificates, the certificate row's meta, and what create/import/merge share.
// See certificates_detail.hpp.
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "vault/certificates_detail.hpp"
#include "vault/key_material.hpp"
#include "vault/secrets_detail.hpp"

namespace cv::vault::certs_detail {

using nlohmann::json;
using store::ObjType;

Error pending_not_found(const std::string& name) {
  return Error{Errc::NotFound, "Pending certificate not found: " + name, {}, "PendingCertificateNotFound", {}};
}

Error bad(const std::string& message) { return Error{Errc::BadParameter, message, {}, "BadParameter", {}}; }

std::string CertMeta::to_json() const {
  json j = {{"policy", certificate_policy_json(policy, "")}};
  if (!cer.empty()) j["cer"] = base64_encode(cer);
  if (pending)
    j["pending"] = {{"csr", base64_encode(pending->csr)},
                    {"status", pending->status},
                    {"status_details", pending->status_details},
                    {"request_id", pending->request_id},
                    {"cancellation_requested", pending->cancellation_requested}};
  return j.dump();
}

Result<CertMeta> CertMeta::parse(const std::string& text) {
  auto corrupt = [](const std::string& why) {
    return std::unexpected(Error{Errc::Corruption, "stored certificate description is malformed: " + why, {}, {}, {}});
  };
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt("not a JSON object");
  CertMeta m;
  if (j.contains("cer")) {
    auto d = j["cer"].is_string() ? base64_decode(j["cer"].get<std::string>()) : Result<Bytes>(std::unexpected(Error{}));
    if (!d) return corrupt("cer");
    m.cer = std::move(*d);
  }
  auto p = certificate_policy_from_json(j.value("policy", json::object()));
  if (!p) return corrupt("policy (" + p.error().message + ")");
  m.policy = std::move(*p);
  if (j.contains("pending")) {
    const json& pj = j["pending"];
    if (!pj.is_object() || !pj.value("csr", json()).is_string()) return corrupt("pending");
    auto csr = base64_decode(pj["csr"].get<std::string>());
    if (!csr) return corrupt("pending.csr");
    PendingOp op;
    op.csr = std::move(*csr);
    op.status = pj.value("status", std::string("inProgress"));
    op.status_details = pj.value("status_details", std::string());
    op.request_id = pj.value("request_id", std::string());
    op.cancellation_requested = pj.value("cancellation_requested", false);
    m.pending = std::move(op);
  }
  return m;
}

Result<CertificateBundle> make_bundle(Service& svc, const std::string& vault, const store::ObjectRow& o,
                                      const store::VersionRow& v, const CertificatePolicy& policy) {
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  auto m = CertMeta::parse(v.meta_json);
  if (!m) return std::unexpected(m.error());
  CertificateBundle b;
  b.base_url = (*vk)->row.base_url;
  b.name = o.name;
  b.meta = v;
  b.meta.ciphertext.clear();
  b.meta.iv.clear();
  b.cer = std::move(m->cer);
  if (!b.cer.empty()) b.x5t = base64url_encode(crypto::digest(Hash::Sha1, b.cer));
  b.kid = b.base_url + "/keys/" + o.name + "/" + v.version;
  b.sid = b.base_url + "/secrets/" + o.name + "/" + v.version;
  b.policy = policy;
  b.recoverable_days = (*vk)->row.retention_days;
  b.recovery_level = recovery_level((*vk)->row);
  b.deleted_date = o.deleted_date;
  b.scheduled_purge = o.scheduled_purge;
  return b;
}

CertificateOperation make_operation(const std::string& base_url, const std::string& name, const CertMeta& m,
                                    const std::string& version) {
  CertificateOperation op;
  op.base_url = base_url;
  op.name = name;
  op.issuer = m.policy.issuer;
  if (m.pending) {
    op.csr = m.pending->csr;
    op.status = m.pending->status;
    op.status_details = m.pending->status_details;
    op.cancellation_requested = m.pending->cancellation_requested;
    op.request_id = m.pending->request_id;
    op.target = base_url + "/certificates/" + name;
  } else {
    op.status = "completed";
    op.target = base_url + "/certificates/" + name + "/" + version;
  }
  return op;
}

Result<bool> check_new_version(Service& svc, const std::string& vault, const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  auto& cat = svc.catalog();
  if (auto c = cat.object(vault, ObjType::Certificate, name)) {
    if (c->deleted_date) return std::unexpected(deleted_conflict(name));
    auto v = cat.version(vault, ObjType::Certificate, name, "");
    if (!v) return std::unexpected(v.error());
    auto m = CertMeta::parse(v->meta_json);
    if (!m) return std::unexpected(m.error());
    if (m->pending)
      return fail_kv(Errc::Conflict,
                     "A pending operation exists for certificate " + c->name +
                         "; merge it or delete it before making a new version.",
                     "Conflict", "PendingCertificateOperationExists");
    return true;
  } else if (c.error().code != Errc::NotFound) {
    return std::unexpected(c.error());
  }
  // The key and secret of a certificate take its name: a standalone one in the way is a conflict.
  for (ObjType t : {ObjType::Key, ObjType::Secret}) {
    auto o = cat.object(vault, t, name);
    if (o)
      return fail_kv(Errc::Conflict,
                     std::string("A ") + store::obj_type_name(t) + " named " + o->name +
                         " exists and is not managed by a certificate; a certificate needs its name for its key "
                         "and secret.",
                     "Conflict");
    if (o.error().code != Errc::NotFound) return std::unexpected(o.error());
  }
  return false;
}

Result<void> check_policy_for_create(const CertificatePolicy& p) {
  // Round-trips through the JSON reader so that a policy built in code gets the same checks as a file.
  auto again = certificate_policy_from_json(certificate_policy_json(p, ""));
  if (!again) return std::unexpected(again.error());
  if (p.subject.empty())
    return std::unexpected(bad("x509_props.subject: a certificate needs a subject, e.g. \"CN=www.contoso.com\"."));
  return {};
}

Result<KeyMeta> key_meta_for(const CertificatePolicy& p) {
  auto kind = kind_of_kty(p.kty);
  if (!kind) return std::unexpected(kind.error());
  KeyMeta m;
  m.kty = p.kty;
  m.kind = *kind;
  m.ops = supported_ops(*kind);
  if (*kind == KeyKind::Ec) {
    auto c = curve_of_name(p.crv.value_or("P-256"));
    if (!c) return std::unexpected(c.error());
    m.crv = *c;
  } else {
    m.key_size = p.key_size.value_or(2048);
  }
  return m;
}

Result<crypto::SigningKey> token_signer(Service& svc, const VaultKeys& vk, const store::VersionRow& key_row,
                                        keys_detail::HandleGuard& guard) {
  auto m = KeyMeta::parse(key_row.meta_json);
  if (!m) return std::unexpected(m.error());
  auto h = unwrap_stored_key(svc, vk, key_row, false);
  if (!h) return std::unexpected(h.error());
  hsm::Handle key = guard.add(*h);
  hsm::Token* t = &svc.token();
  crypto::SigningKey sk;
  if (m->kind == KeyKind::Rsa) {
    if (auto r = t->require(hsm::Mech::RsaPkcs1); !r) return std::unexpected(r.error());
    sk.rsa = m->rsa_public();
    // The adapter hands over DigestInfo(SHA-256, digest): CKM_RSA_PKCS pads and signs it.
    sk.sign = [t, key](ByteView digest_info) { return t->sign(hsm::Mech::RsaPkcs1, key, digest_info); };
  } else {
    if (auto r = t->require(hsm::Mech::Ecdsa); !r) return std::unexpected(r.error());
    sk.ec = m->ec_public();
    sk.sign = [t, key](ByteView digest) { return t->sign(hsm::Mech::Ecdsa, key, digest); };
  }
  return sk;
}

store::VersionRow managed_key_row(const std::string& version, const KeyMeta& m, Bytes wrapped,
                                  const store::Tags& tags, const Attributes& a) {
  auto row = keys_detail::key_row(version, m, std::move(wrapped), a, tags);
  json j = json::parse(row.meta_json);
  j["managed"] = true;  // as Key Vault marks a certificate's key; KeyMeta::parse ignores it
  row.meta_json = j.dump();
  return row;
}

Result<SecureBytes> secret_value(const std::string& content_type, const std::optional<crypto::PrivateKeyParts>& key,
                                 const std::vector<Bytes>& certs) {
  if (content_type == kContentTypePem) {
    auto pem = crypto::make_pem_bundle(key, certs);
    if (!pem) return std::unexpected(pem.error());
    return SecureBytes(pem->begin(), pem->end());
  }
  auto pfx = crypto::make_pkcs12(key, certs);
  if (!pfx) return std::unexpected(pfx.error());
  // Key Vault's secret of a PFX certificate is the PFX in standard base64.
  std::string b64 = base64_encode(ByteView(pfx->data(), pfx->size()));
  SecureBytes out(b64.begin(), b64.end());
  secure_wipe(b64.data(), b64.size());
  return out;
}

Result<crypto::CertContainer> parse_secret_value(std::string_view value, const std::string& content_type) {
  SecureString no_password;
  if (content_type == kContentTypePem) return crypto::parse_pem_bundle(value, no_password);
  auto der = base64_decode(value);
  if (!der) return fail(Errc::BadParameter, "the value is not base64 of a PFX");
  SecureBytes pfx(der->begin(), der->end());
  secure_wipe(der->data(), der->size());
  return crypto::parse_pkcs12(pfx, no_password);
}

crypto::X509Request x509_request(const CertificatePolicy& p) {
  crypto::X509Request r;
  r.subject = p.subject;
  r.dns_names = p.dns_names;
  r.ip_addresses = p.ip_addresses;
  r.emails = p.emails;
  r.upns = p.upns;
  r.ekus = p.ekus;
  r.key_usage = p.key_usage;
  r.validity_months = p.validity_months;
  return r;
}

Result<CertificatePolicy> current_policy(Service& svc, const std::string& vault, const std::string& name) {
  auto v = kv(svc.catalog().version(vault, ObjType::Certificate, name, ""), name);
  if (!v) return std::unexpected(v.error());
  auto m = CertMeta::parse(v->meta_json);
  if (!m) return std::unexpected(m.error());
  return m->policy;
}

Result<void> write_version(Service& svc, const std::string& vault, const std::string& name,
                           const store::VersionRow& cert, const store::VersionRow& key,
                           const std::optional<store::VersionRow>& secret) {
  auto& cat = svc.catalog();
  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  auto add = [&](ObjType t, const store::VersionRow& v) -> Result<void> {
    auto r = cat.add_version(vault, t, name, v);
    if (!r && r.error().inner == "ObjectIsDeletedButRecoverable") return std::unexpected(deleted_conflict(name));
    return r;
  };
  if (auto r = add(ObjType::Certificate, cert); !r) return r;
  if (auto r = add(ObjType::Key, key); !r) return r;
  if (secret)
    if (auto r = add(ObjType::Secret, *secret); !r) return r;
  return batch->commit();
}

}  // namespace cv::vault::certs_detail

namespace cv::vault {

Result<void> refuse_if_certificate_managed(Service& svc, const std::string& vault, const std::string& name,
                                           const char* what, const char* action) {
  auto o = svc.catalog().object(vault, store::ObjType::Certificate, name);
  if (!o) {
    if (o.error().code == Errc::NotFound) return {};
    return std::unexpected(o.error());
  }
  return fail_kv(Errc::Forbidden,
                 std::string("Operation \"") + action + "\" is not allowed on a " + what +
                     " associated with a certificate (certificate " + o->name + ").",
                 "Forbidden");
}

}  // namespace cv::vault
