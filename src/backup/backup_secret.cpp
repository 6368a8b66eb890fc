// Secret backup and restore: values are decrypted under the source vault's master key and re-sealed under
// the blob's CEK; on restore, under the target vault's master key with the target's AAD.
#include "backup/payload.hpp"
#include "coldvault/certificates.hpp"
#include "coldvault/secrets.hpp"

namespace cv::backup {
namespace {

using store::ObjType;

SecureString to_secure_string(const SecureBytes& b) { return SecureString(b.begin(), b.end()); }

Result<Bytes> make_secret_blob(vault::Service& svc, const std::string& vault, const std::string& name,
                               Manifest& m) {
  if (auto r = vault::check_object_name(name); !r) return std::unexpected(r.error());
  // A certificate's backing secret is backed up with its certificate (certificate backup), never alone.
  if (auto r = vault::refuse_if_certificate_managed(svc, vault, name, "secret", "backup"); !r)
    return std::unexpected(r.error());
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  auto o = svc.catalog().object(vault, ObjType::Secret, name);
  if (!o || o->deleted_date)
    return fail_kv(Errc::NotFound, "A secret with (name/id) " + name + " was not found in this key vault.",
                   "SecretNotFound");
  auto rows = all_versions(svc, vault, ObjType::Secret, name);
  if (!rows) return std::unexpected(rows.error());
  auto sealer = Sealer::begin(svc, **vk);
  if (!sealer) return std::unexpected(sealer.error());

  SecureJson versions = SecureJson::array();
  for (const auto& v : *rows) {
    auto plain = svc.token().gcm_decrypt((*vk)->master, v.iv, as_bytes(vault::secret_aad(vault, o->name, v.version)),
                                         v.ciphertext);
    if (!plain) return std::unexpected(plain.error());
    SecureJson j = version_json(v);
    j["value"] = to_secure_string(*plain);
    versions.push_back(std::move(j));
    m.versions.push_back(v.version);
  }
  m.type = "secret";
  m.name = o->name;
  m.current = o->current_version;
  m.vault = (*vk)->row.name;
  m.vault_url = (*vk)->row.base_url;
  SecureJson payload = {{"format", 1}, {"type", "secret"}, {"name", SecureString(m.name.begin(), m.name.end())},
                        {"current", SecureString(m.current.begin(), m.current.end())}, {"versions", std::move(versions)}};
  return sealer->finish(m, payload.dump());
}

}  // namespace

Result<vault::SecretBundle> put_secret(vault::Service& svc, const std::string& vault, const Opened& o) {
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  const Manifest& m = o.manifest;
  if (auto r = vault::check_object_name(m.name); !r) return std::unexpected(r.error());
  auto payload = SecureJson::parse(o.payload, nullptr, false);
  if (payload.is_discarded()) return fail(Errc::BadParameter, "malformed backup blob: payload is not JSON");
  auto entries = payload_versions(payload, m);
  if (!entries) return std::unexpected(entries.error());
  if (svc.catalog().object(vault, ObjType::Secret, m.name))
    return std::unexpected(restore_conflict("secret", (*vk)->row.base_url, m.name, m.current));

  std::vector<store::VersionRow> rows;
  for (const SecureJson* e : *entries) {
    auto row = version_from_json(*e);
    if (!row) return std::unexpected(row.error());
    if (auto r = vault::check_version_id(row->version); !r) return std::unexpected(r.error());
    if (!e->contains("value") || !(*e)["value"].is_string())
      return fail(Errc::BadParameter, "malformed backup blob: a secret version has no value");
    const auto& value = (*e)["value"].get_ref<const SecureString&>();
    if (value.size() > vault::kMaxSecretBytes)
      return fail(Errc::BadParameter, "malformed backup blob: a secret value exceeds the size limit");
    auto iv = svc.token().random(12);
    if (!iv) return std::unexpected(iv.error());
    auto ct = svc.token().gcm_encrypt((*vk)->master, *iv, as_bytes(vault::secret_aad(vault, m.name, row->version)),
                                      ByteView(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
    if (!ct) return std::unexpected(ct.error());
    row->iv = std::move(*iv);
    row->ciphertext = std::move(*ct);
    rows.push_back(std::move(*row));
  }
  if (auto r = svc.catalog().insert_object(vault, ObjType::Secret, m.name, m.current, rows); !r) {
    if (r.error().code == Errc::Conflict)
      return std::unexpected(restore_conflict("secret", (*vk)->row.base_url, m.name, m.current));
    return std::unexpected(r.error());
  }
  // The restored bundle is the current version, without its value (as Key Vault answers).
  auto all = vault::Secrets(svc, vault).list_versions(m.name, "", kMaxVersions);
  if (!all) return std::unexpected(all.error());
  for (auto& b : *all)
    if (b.meta.version == m.current) return std::move(b);
  return fail(Errc::Internal, "restored secret has no current version");
}


Result<Bytes> backup_secret(vault::Service& svc, const std::string& vault, const std::string& name) {
  return backup_recorded(svc, vault, name, "secret", make_secret_blob);
}

Result<vault::SecretBundle> restore_secret(vault::Service& svc, const std::string& vault, ByteView blob) {
  return restore_recorded<vault::SecretBundle>(svc, vault, blob, "secret", put_secret);
}

}  // namespace cv::backup
