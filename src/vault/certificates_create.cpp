// Certificates::create: a new version of the certificate, its key and its secret from a policy.
//
// Issuer Self: the certificate is signed by the new key inside the token (src/crypto builds the TBS and
// hashes it; the token signs the digest). An exportable key is made by OpenSSL in wiped buffers, imported
// into the token and put into the PFX/PEM secret from the same buffers; a non-exportable one is made in
// the token and the secret holds the certificate only.
// Issuer Unknown: the key is made in the token (nothing is kept in software while the CA works), a CSR is
// signed with it, and the version waits for a merge (certificates_pending.cpp).
#include "coldvault/certificate_issuers.hpp"
#include "coldvault/crypto.hpp"
#include "vault/certificates_detail.hpp"
#include "vault/certificates_keys.hpp"
#include "vault/secrets_detail.hpp"

namespace cv::vault {

using namespace certs_detail;
using store::ObjType;

namespace {

std::string hex(ByteView b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto c : b) s += d[c >> 4], s += d[c & 15];
  return s;
}

}  // namespace

Result<CertificateOperation> Certificates::create(const std::string& name, const CreateCertificate& c) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = check_policy_for_create(c.policy); !r) return std::unexpected(r.error());
  if (auto r = keys_detail::check_tags(c.tags); !r) return std::unexpected(r.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  auto exists = check_new_version(svc_, vault_, name);
  if (!exists) return std::unexpected(exists.error());
  auto version = svc_.new_version_id();
  if (!version) return std::unexpected(version.error());
  const auto now = Service::now();

  CertMeta meta;
  meta.policy = c.policy;
  meta.policy.created = meta.policy.updated = now;
  if (*exists)
    if (auto prev = current_policy(svc_, vault_, name); prev && prev->created) meta.policy.created = prev->created;
  const CertificatePolicy& p = meta.policy;
  const bool self = p.issuer == "Self";
  const Attributes attrs{c.attributes.enabled, {}, {}};

  auto key = new_certificate_key(svc_, **vk, vault_, name, p, *exists, /*keep_parts=*/self, *version, c.tags, attrs);
  if (!key) return std::unexpected(key.error());
  keys_detail::HandleGuard guard(svc_.token());
  auto signer = token_signer(svc_, **vk, key->row, guard);
  if (!signer) return std::unexpected(signer.error());

  store::VersionRow cert;
  cert.version = *version;
  cert.content_type = p.content_type;
  cert.tags = c.tags;
  cert.enabled = c.attributes.enabled.value_or(true);
  cert.created = cert.updated = now;

  if (!self) {
    auto csr = crypto::certificate_signing_request(x509_request(p), *signer);
    if (!csr) return std::unexpected(csr.error());
    auto rid = svc_.token().random(16);
    if (!rid) return std::unexpected(rid.error());
    PendingOp op;
    op.csr = std::move(*csr);
    op.request_id = hex(*rid);
    op.status_details = "Pending certificate created. Please Perform Merge to complete the request.";
    if (p.issuer != "Unknown") op.status_details = pending_issuer_details(svc_, vault_, p.issuer);  // a CA issuer
    meta.pending = std::move(op);
    cert.meta_json = meta.to_json();
    if (auto r = write_version(svc_, vault_, name, cert, key->row, std::nullopt); !r) return std::unexpected(r.error());
    return make_operation((*vk)->row.base_url, name, meta, *version);
  }

  auto der = crypto::self_signed_certificate(x509_request(p), *signer);
  if (!der) return std::unexpected(der.error());
  auto fields = crypto::certificate_fields(*der);
  if (!fields) return std::unexpected(fields.error());
  cert.nbf = key->row.nbf = fields->not_before;
  cert.exp = key->row.exp = fields->not_after;
  meta.cer = *der;
  cert.meta_json = meta.to_json();
  auto value = secret_value(p.content_type, key->parts, {*der});
  key->parts.reset();  // wiped: the key is in the token and, when exportable, in the sealed secret
  if (!value) return std::unexpected(value.error());
  auto secret = secrets_detail::sealed_row(svc_, **vk, vault_, name, *version, *value, p.content_type, c.tags,
                                           {cert.enabled, cert.nbf, cert.exp});
  if (!secret) return std::unexpected(secret.error());
  secret->meta_json = kManagedSecretMeta;
  if (auto r = write_version(svc_, vault_, name, cert, key->row, *secret); !r) return std::unexpected(r.error());
  return make_operation((*vk)->row.base_url, name, meta, *version);
}

}  // namespace cv::vault
