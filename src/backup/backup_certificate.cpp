// Certificate backup and restore (docs/blob-format.md §4.1). A certificate is three objects sharing
// a name and version ids: the certificate row (public: DER, policy), the key (wrapped in the token,
// re-wrapped under the blob's CEK exactly as backup_key.cpp does) and the secret (sealed, re-sealed
// under the CEK as backup_secret.cpp does). One blob carries all three, every version; a restore
// writes all three in one catalogue transaction or nothing.
#include <optional>
#include <tuple>

#include "backup/payload.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/certificates.hpp"
#include "vault/key_material.hpp"

namespace cv::backup {
namespace {

using store::ObjType;

SecureString sstr(std::string_view s) { return SecureString(s.begin(), s.end()); }


Error malformed(const std::string& why) {
  return Error{Errc::BadParameter, "malformed backup blob: " + why, {}, {}, {}};
}

// The row itself carries public data only; an IV would mean a sealed row this format has no place
// for.
Result<SecureJson> certificate_part(const std::string& name, const store::VersionRow& v) {
  if (!v.iv.empty())
    return fail(Errc::Internal, "certificate " + name + "/" + v.version + " has sealed bytes");
  auto meta = SecureJson::parse(v.meta_json, nullptr, false);
  if (!meta.is_object())
    return fail(Errc::Corruption,
                "certificate " + name + "/" + v.version + " has malformed metadata");
  SecureJson c = {{"meta", std::move(meta)}};
  if (!v.ciphertext.empty()) c["data"] = sstr(base64url_encode(v.ciphertext));
  return c;
}

Result<SecureJson> key_part(vault::Service& svc, const vault::VaultKeys& vk, const Sealer& sealer,
                            const std::string& name, const store::VersionRow& v) {
  auto h = vault::unwrap_stored_key(svc, vk, v, true);
  if (!h) return std::unexpected(h.error());
  SessionKey key{svc.token(), *h};
  auto wrapped = svc.token().wrap(hsm::Mech::AesKeyWrapPad, sealer.cek(), key.h);
  if (!wrapped) return std::unexpected(wrapped.error());
  auto meta = SecureJson::parse(v.meta_json, nullptr, false);
  if (!meta.is_object())
    return fail(Errc::Corruption, "key " + name + "/" + v.version + " has malformed metadata");
  return SecureJson{{"row", version_json(v)},
                    {"meta", std::move(meta)},
                    {"wrapped", sstr(base64url_encode(*wrapped))}};
}

Result<SecureJson> secret_part(vault::Service& svc, const vault::VaultKeys& vk,
                               const std::string& vault, const std::string& name,
                               const store::VersionRow& v) {
  auto plain = svc.token().gcm_decrypt(
      vk.master, v.iv, as_bytes(vault::secret_aad(vault, name, v.version)), v.ciphertext);
  if (!plain) return std::unexpected(plain.error());
  SecureJson s = {{"row", version_json(v)}};
  // JSON strings must be UTF-8: a binary value (raw PFX bytes) travels as base64url instead.
  if (is_utf8(*plain))
    s["value"] = SecureString(plain->begin(), plain->end());
  else
    s["valueBase64url"] = sstr(base64url_encode(*plain));
  return s;
}

Result<Bytes> make_certificate_blob(vault::Service& svc, const std::string& vault,
                                    const std::string& name, Manifest& m) {
  if (auto r = vault::check_object_name(name); !r) return std::unexpected(r.error());
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  auto o = svc.catalog().object(vault, ObjType::Certificate, name);
  if (!o || o->deleted_date)
    return fail_kv(Errc::NotFound,
                   "A certificate with (name/id) " + name + " was not found in this key vault.",
                   "CertificateNotFound");
  // A pending version has a key and a CSR but no certificate: a blob of it could only restore a
  // half-made object. Key Vault too refuses while an operation is in progress.
  auto pending = vault::Certificates(svc, vault).pending(o->name);
  if (pending)
    return fail(
        Errc::Forbidden,
        "certificate " + o->name +
            " has a pending operation: merge or delete it (certificate pending merge|delete) "
            "before backing it up");
  if (pending.error().code != Errc::NotFound) return std::unexpected(pending.error());
  auto rows = all_versions(svc, vault, ObjType::Certificate, name);
  if (!rows) return std::unexpected(rows.error());
  auto sealer = Sealer::begin(svc, **vk);
  if (!sealer) return std::unexpected(sealer.error());

  SecureJson versions = SecureJson::array();
  for (const auto& v : *rows) {
    SecureJson j = version_json(v);
    auto c = certificate_part(o->name, v);
    if (!c) return std::unexpected(c.error());
    j["certificate"] = std::move(*c);
    if (auto kr = svc.catalog().version(vault, ObjType::Key, o->name, v.version)) {
      auto k = key_part(svc, **vk, *sealer, o->name, *kr);
      if (!k) return std::unexpected(k.error());
      j["key"] = std::move(*k);
    } else if (kr.error().code != Errc::NotFound) {
      return std::unexpected(kr.error());
    }
    if (auto sr = svc.catalog().version(vault, ObjType::Secret, o->name, v.version)) {
      auto s = secret_part(svc, **vk, vault, o->name, *sr);
      if (!s) return std::unexpected(s.error());
      j["secret"] = std::move(*s);
    } else if (sr.error().code != Errc::NotFound) {
      return std::unexpected(sr.error());
    }
    versions.push_back(std::move(j));
    m.versions.push_back(v.version);
  }
  m.type = "certificate";
  m.name = o->name;
  m.current = o->current_version;
  m.vault = (*vk)->row.name;
  m.vault_url = (*vk)->row.base_url;
  SecureJson payload = {{"format", 1},
                        {"type", "certificate"},
                        {"name", sstr(m.name)},
                        {"current", sstr(m.current)},
                        {"versions", std::move(versions)}};
  return sealer->finish(m, payload.dump());
}

// The rows of one object being restored, and which of them is current.
struct Rows {
  std::vector<store::VersionRow> rows;
  std::string current;
};

// A key or secret entry's "row", which must carry the certificate version's id.
Result<store::VersionRow> linked_row(const SecureJson& part, const std::string& version,
                                     const char* what) {
  if (!part.is_object() || !part.contains("row"))
    return std::unexpected(malformed(std::string("a ") + what + " entry has no row"));
  auto row = version_from_json(part["row"]);
  if (!row) return std::unexpected(row.error());
  if (row->version != version)
    return std::unexpected(
        malformed(std::string("a ") + what + " version does not match its certificate version"));
  return row;
}

Result<void> restore_key_row(vault::Service& svc, const vault::VaultKeys& vk, const Opened& o,
                             const SecureJson& k, const std::string& version, Rows& out) {
  auto row = linked_row(k, version, "key");
  if (!row) return std::unexpected(row.error());
  if (!k.contains("meta") || !k["meta"].is_object() || !k.contains("wrapped") ||
      !k["wrapped"].is_string())
    return std::unexpected(malformed("a certificate key version has no key material"));
  auto meta = k["meta"].dump();
  row->meta_json.assign(meta.begin(), meta.end());
  const auto& w = k["wrapped"].get_ref<const SecureString&>();
  auto wrapped = base64url_decode(std::string_view(w.data(), w.size()));
  if (!wrapped) return std::unexpected(malformed("wrapped key is not base64url"));
  auto h = svc.token().unwrap(hsm::Mech::AesKeyWrapPad, o.cek(), *wrapped, vault::key_type_of(*row),
                              vault::key_usage_of(*row, true));
  if (!h && !hsm::input_rejected(h.error())) return std::unexpected(h.error());  // the token failed
  if (!h) return std::unexpected(malformed("key material does not unwrap"));
  SessionKey key{svc.token(), *h};
  if (auto r = vault::check_material_matches(svc, key.h, *row); !r) return std::unexpected(r.error());
  auto stored = vault::wrap_for_store(svc, vk, key.h);
  if (!stored) return std::unexpected(stored.error());
  row->ciphertext = std::move(*stored);
  out.rows.push_back(std::move(*row));
  return {};
}

Result<void> restore_secret_row(vault::Service& svc, const vault::VaultKeys& vk,
                                const std::string& vault, const std::string& name,
                                const SecureJson& s, const std::string& version, Rows& out) {
  auto row = linked_row(s, version, "secret");
  if (!row) return std::unexpected(row.error());
  SecureBytes value;
  if (s.contains("value") && s["value"].is_string()) {
    const auto& v = s["value"].get_ref<const SecureString&>();
    value.assign(v.begin(), v.end());
  } else if (s.contains("valueBase64url") && s["valueBase64url"].is_string()) {
    const auto& v = s["valueBase64url"].get_ref<const SecureString&>();
    auto d = base64url_decode(std::string_view(v.data(), v.size()));
    if (!d) return std::unexpected(malformed("a certificate secret value is not base64url"));
    value.assign(d->begin(), d->end());
    secure_wipe(d->data(), d->size());
  } else {
    return std::unexpected(malformed("a certificate secret version has no value"));
  }
  auto iv = svc.token().random(12);
  if (!iv) return std::unexpected(iv.error());
  auto ct = svc.token().gcm_encrypt(vk.master, *iv,
                                    as_bytes(vault::secret_aad(vault, name, row->version)), value);
  if (!ct) return std::unexpected(ct.error());
  row->iv = std::move(*iv);
  row->ciphertext = std::move(*ct);
  row->meta_json = vault::kManagedSecretMeta;
  out.rows.push_back(std::move(*row));
  return {};
}

Result<vault::CertificateBundle> put_certificate(vault::Service& svc, const std::string& vault,
                                                 const Opened& o) {
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  const Manifest& m = o.manifest;
  if (auto r = vault::check_object_name(m.name); !r) return std::unexpected(r.error());
  auto payload = SecureJson::parse(o.payload, nullptr, false);
  if (payload.is_discarded()) return std::unexpected(malformed("payload is not JSON"));
  auto entries = payload_versions(payload, m);
  if (!entries) return std::unexpected(entries.error());
  auto conflict = [&] {
    return std::unexpected(restore_conflict("certificate", (*vk)->row.base_url, m.name, m.current));
  };
  // The certificate owns its key and secret names: any of the three taken (live or deleted) blocks
  // it.
  for (ObjType t : {ObjType::Certificate, ObjType::Key, ObjType::Secret})
    if (svc.catalog().object(vault, t, m.name)) return conflict();

  Rows certs, keys, secrets;
  for (const SecureJson* e : *entries) {
    auto row = version_from_json(*e);
    if (!row) return std::unexpected(row.error());
    if (auto r = vault::check_version_id(row->version); !r) return std::unexpected(r.error());
    const SecureJson& c = e->contains("certificate") ? (*e)["certificate"] : SecureJson();
    if (!c.is_object() || !c.contains("meta") || !c["meta"].is_object())
      return std::unexpected(malformed("a version has no certificate"));
    auto meta = c["meta"].dump();
    row->meta_json.assign(meta.begin(), meta.end());
    if (c.contains("data")) {
      if (!c["data"].is_string())
        return std::unexpected(malformed("certificate data is not a string"));
      const auto& d = c["data"].get_ref<const SecureString&>();
      auto der = base64url_decode(std::string_view(d.data(), d.size()));
      if (!der) return std::unexpected(malformed("certificate data is not base64url"));
      row->ciphertext = std::move(*der);
    }
    if (e->contains("key"))
      if (auto r = restore_key_row(svc, **vk, o, (*e)["key"], row->version, keys); !r)
        return std::unexpected(r.error());
    if (e->contains("secret"))
      if (auto r =
              restore_secret_row(svc, **vk, vault, m.name, (*e)["secret"], row->version, secrets);
          !r)
        return std::unexpected(r.error());
    certs.rows.push_back(std::move(*row));
  }
  // Key and secret follow the certificate's current version; if that version lacks one, their own
  // latest.
  for (Rows* r : {&keys, &secrets}) {
    r->current = r->rows.empty() ? "" : r->rows.back().version;
    for (const auto& v : r->rows)
      if (v.version == m.current) r->current = m.current;
  }

  auto batch = svc.catalog().begin_batch();
  if (!batch) return std::unexpected(batch.error());
  auto insert = [&](ObjType t, const Rows& r, const std::string& current) -> Result<void> {
    if (r.rows.empty()) return {};
    return svc.catalog().insert_object(vault, t, m.name, current, r.rows);
  };
  for (auto [t, r, cur] : {std::tuple{ObjType::Certificate, &certs, m.current},
                           std::tuple{ObjType::Key, &keys, keys.current},
                           std::tuple{ObjType::Secret, &secrets, secrets.current}}) {
    if (auto w = insert(t, *r, cur); !w) {
      if (w.error().code == Errc::Conflict) return conflict();
      return std::unexpected(w.error());  // the Batch rolls back the objects already inserted
    }
  }
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  return vault::Certificates(svc, vault).get(m.name, "");
}

}  // namespace

Result<Bytes> backup_certificate(vault::Service& svc, const std::string& vault,
                                 const std::string& name) {
  return backup_recorded(svc, vault, name, "certificate", make_certificate_blob);
}

Result<vault::CertificateBundle> restore_certificate(vault::Service& svc, const std::string& vault,
                                                     ByteView blob) {
  return restore_recorded<vault::CertificateBundle>(svc, vault, blob, "certificate",
                                                    put_certificate);
}

}  // namespace cv::backup
