// Key backup and restore. Key material never leaves the token in clear: each version is unwrapped from the
// vault master key into an extractable session object and wrapped again, inside the token, by the blob's
// CEK (CKM_AES_KEY_WRAP_PAD); restore reverses it under the target vault's master key.
#include "backup/payload.hpp"
#include "coldvault/certificates.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/keys.hpp"
#include "vault/key_material.hpp"

namespace cv::backup {
namespace {

using store::ObjType;

Result<Bytes> make_key_blob(vault::Service& svc, const std::string& vault, const std::string& name, Manifest& m) {
  if (auto r = vault::check_object_name(name); !r) return std::unexpected(r.error());
  // A certificate's backing key is backed up with its certificate (certificate backup), never alone.
  if (auto r = vault::refuse_if_certificate_managed(svc, vault, name, "key", "backup"); !r)
    return std::unexpected(r.error());
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  auto o = svc.catalog().object(vault, ObjType::Key, name);
  if (!o || o->deleted_date)
    return fail_kv(Errc::NotFound, "A key with (name/id) " + name + " was not found in this key vault.",
                   "KeyNotFound");
  auto rows = all_versions(svc, vault, ObjType::Key, name);
  if (!rows) return std::unexpected(rows.error());
  auto sealer = Sealer::begin(svc, **vk);
  if (!sealer) return std::unexpected(sealer.error());

  SecureJson versions = SecureJson::array();
  for (const auto& v : *rows) {
    auto h = vault::unwrap_stored_key(svc, **vk, v, true);
    if (!h) return std::unexpected(h.error());
    SessionKey key{svc.token(), *h};
    auto wrapped = svc.token().wrap(hsm::Mech::AesKeyWrapPad, sealer->cek(), key.h);
    if (!wrapped) return std::unexpected(wrapped.error());
    auto meta = SecureJson::parse(v.meta_json, nullptr, false);
    if (!meta.is_object()) return fail(Errc::Corruption, "key " + name + "/" + v.version + " has malformed metadata");
    SecureJson j = version_json(v);
    std::string w = base64url_encode(*wrapped);
    j["key"] = {{"meta", std::move(meta)}, {"wrapped", SecureString(w.begin(), w.end())}};
    versions.push_back(std::move(j));
    m.versions.push_back(v.version);
  }
  m.type = "key";
  m.name = o->name;
  m.current = o->current_version;
  m.vault = (*vk)->row.name;
  m.vault_url = (*vk)->row.base_url;
  SecureJson payload = {{"format", 1}, {"type", "key"}, {"name", SecureString(m.name.begin(), m.name.end())},
                        {"current", SecureString(m.current.begin(), m.current.end())}, {"versions", std::move(versions)}};
  return sealer->finish(m, payload.dump());
}

}  // namespace

Result<vault::KeyBundle> put_key(vault::Service& svc, const std::string& vault, const Opened& o) {
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  const Manifest& m = o.manifest;
  if (auto r = vault::check_object_name(m.name); !r) return std::unexpected(r.error());
  auto payload = SecureJson::parse(o.payload, nullptr, false);
  if (payload.is_discarded()) return fail(Errc::BadParameter, "malformed backup blob: payload is not JSON");
  auto entries = payload_versions(payload, m);
  if (!entries) return std::unexpected(entries.error());
  if (svc.catalog().object(vault, ObjType::Key, m.name))
    return std::unexpected(restore_conflict("key", (*vk)->row.base_url, m.name, m.current));

  std::vector<store::VersionRow> rows;
  for (const SecureJson* e : *entries) {
    auto row = version_from_json(*e);
    if (!row) return std::unexpected(row.error());
    if (auto r = vault::check_version_id(row->version); !r) return std::unexpected(r.error());
    const SecureJson& k = e->contains("key") ? (*e)["key"] : SecureJson();
    if (!k.is_object() || !k.contains("meta") || !k["meta"].is_object() || !k.contains("wrapped") ||
        !k["wrapped"].is_string())
      return fail(Errc::BadParameter, "malformed backup blob: a key version has no key material");
    auto meta = k["meta"].dump();
    row->meta_json.assign(meta.begin(), meta.end());
    const auto& w = k["wrapped"].get_ref<const SecureString&>();
    auto wrapped = base64url_decode(std::string_view(w.data(), w.size()));
    if (!wrapped) return fail(Errc::BadParameter, "malformed backup blob: wrapped key is not base64url");
    auto h = svc.token().unwrap(hsm::Mech::AesKeyWrapPad, o.cek(), *wrapped, vault::key_type_of(*row),
                                vault::key_usage_of(*row, true));
    if (!h && !hsm::input_rejected(h.error())) return std::unexpected(h.error());  // the token failed
    if (!h) return fail(Errc::BadParameter, "malformed backup blob: key material does not unwrap");
    SessionKey key{svc.token(), *h};
    if (auto r = vault::check_material_matches(svc, key.h, *row); !r) return std::unexpected(r.error());
    auto stored = vault::wrap_for_store(svc, **vk, key.h);
    if (!stored) return std::unexpected(stored.error());
    row->ciphertext = std::move(*stored);
    rows.push_back(std::move(*row));
  }
  if (auto r = svc.catalog().insert_object(vault, ObjType::Key, m.name, m.current, rows); !r) {
    if (r.error().code == Errc::Conflict)
      return std::unexpected(restore_conflict("key", (*vk)->row.base_url, m.name, m.current));
    return std::unexpected(r.error());
  }
  auto all = vault::Keys(svc, vault).list_versions(m.name, "", kMaxVersions);
  if (!all) return std::unexpected(all.error());
  for (auto& b : *all)
    if (b.meta.version == m.current) return std::move(b);
  return fail(Errc::Internal, "restored key has no current version");
}


Result<Bytes> backup_key(vault::Service& svc, const std::string& vault, const std::string& name) {
  return backup_recorded(svc, vault, name, "key", make_key_blob);
}

Result<vault::KeyBundle> restore_key(vault::Service& svc, const std::string& vault, ByteView blob) {
  return restore_recorded<vault::KeyBundle>(svc, vault, blob, "key", put_key);
}

}  // namespace cv::backup
