// The key of a new certificate version. See certificates_keys.hpp.
#include "vault/certificates_keys.hpp"

#include "coldvault/base64.hpp"
#include "coldvault/x509.hpp"
#include "vault/secrets_detail.hpp"

namespace cv::vault::certs_detail {
namespace {

using store::ObjType;

// The private key inside the previous version's secret, if it holds one.
Result<std::optional<crypto::PrivateKeyParts>> parts_from_secret(Service& svc, const VaultKeys& vk,
                                                                 const std::string& vault,
                                                                 const std::string& name) {
  auto row = svc.catalog().version(vault, ObjType::Secret, name, "");
  if (!row) {
    if (row.error().code == Errc::NotFound) return std::optional<crypto::PrivateKeyParts>{};
    return std::unexpected(row.error());
  }
  auto value = secrets_detail::open_row(svc, vk, vault, name, *row);
  if (!value) return std::unexpected(value.error());
  std::string_view text(reinterpret_cast<const char*>(value->data()), value->size());
  auto c = parse_secret_value(text, row->content_type.value_or(""));
  if (!c) return fail(Errc::Corruption, "the secret of certificate " + name + " does not parse: " + c.error().message);
  return std::move(c->key);
}

Result<NewKey> reuse_previous(Service& svc, const VaultKeys& vk, const std::string& vault, const std::string& name,
                              const CertificatePolicy& p, bool keep_parts, const std::string& version,
                              const store::Tags& tags, const Attributes& a) {
  auto prev = svc.catalog().version(vault, ObjType::Key, name, "");
  if (!prev) return std::unexpected(prev.error());
  auto m = KeyMeta::parse(prev->meta_json);
  if (!m) return std::unexpected(m.error());
  auto want = key_meta_for(p);
  if (!want) return std::unexpected(want.error());
  if (m->kind != want->kind || m->key_size != want->key_size || (m->kind == KeyKind::Ec && m->crv != want->crv))
    return std::unexpected(bad("key_props.reuse_key: the previous version's key is " + std::string(kind_name(m->kind)) +
                               (m->kind == KeyKind::Ec ? std::string(" ") + curve_name(m->crv)
                                                       : " " + std::to_string(m->key_size)) +
                               "; a policy that reuses it cannot ask for another type or size."));
  m->kty = p.kty;
  NewKey k;
  k.row = managed_key_row(version, *m, prev->ciphertext, tags, a);
  if (keep_parts && p.exportable) {
    auto parts = parts_from_secret(svc, vk, vault, name);
    if (!parts) return std::unexpected(parts.error());
    k.parts = std::move(*parts);
  }
  return k;
}

}  // namespace

Result<NewKey> new_certificate_key(Service& svc, const VaultKeys& vk, const std::string& vault,
                                   const std::string& name, const CertificatePolicy& p, bool exists,
                                   bool keep_parts, const std::string& version, const store::Tags& tags,
                                   const Attributes& a) {
  if (p.reuse_key && exists) return reuse_previous(svc, vk, vault, name, p, keep_parts, version, tags, a);
  auto m = key_meta_for(p);
  if (!m) return std::unexpected(m.error());
  NewKey k;
  if (p.exportable && keep_parts) {
    auto parts = m->kind == KeyKind::Rsa ? crypto::generate_rsa_parts(m->key_size) : crypto::generate_ec_parts(m->crv);
    if (!parts) return std::unexpected(parts.error());
    auto wrapped = keys_detail::import_material(svc, vk, *parts, *m);
    if (!wrapped) return std::unexpected(wrapped.error());
    k.parts = std::move(*parts);
    k.row = managed_key_row(version, *m, std::move(*wrapped), tags, a);
    return k;
  }
  auto wrapped = keys_detail::generate_material(svc, vk, *m);
  if (!wrapped) return std::unexpected(wrapped.error());
  k.row = managed_key_row(version, *m, std::move(*wrapped), tags, a);
  return k;
}

}  // namespace cv::vault::certs_detail
