// backup_vault: one read snapshot of the vault streamed into a bundle (docs/bundle-format.md). Memory stays
// flat whatever the vault's size: one record and one chunk at a time, plus the index and the chunk digests
// (tens of bytes per object, 32 per 64 KiB of body).
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <thread>

#include "bundle/channel.hpp"
#include "bundle/file.hpp"
#include "bundle/token_keys.hpp"
#include "coldvault/atomic_file.hpp"
#include "coldvault/audit_log.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/bundle.hpp"
#include "coldvault/certificate_issuers.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/issuer_rows.hpp"
#include "coldvault/lineage.hpp"
#include "coldvault/rotation_rows.hpp"
#include "coldvault/secrets.hpp"
#include "vault/integrity.hpp"
#include "vault/key_material.hpp"

namespace cv::bundle {
namespace {

using nlohmann::json;
using store::ObjType;

// The body: plaintext in, sealed chunks out to the file, digests kept. A chunk is sealed only once more
// plaintext follows it, so the last one, and only it, carries the final flag.
class BodyWriter {
 public:
  BodyWriter(hsm::Token& t, hsm::Handle gcm, ByteView id, ByteView nonce, AtomicFile& out)
      : t_(t), gcm_(gcm), id_(id.begin(), id.end()), nonce_(nonce.begin(), nonce.end()), out_(out) {}

  Result<void> append(ByteView data) {
    buf_.insert(buf_.end(), data.begin(), data.end());
    std::size_t pos = 0;
    while (buf_.size() - pos > fmt::kChunkSize) {
      if (auto r = seal(ByteView(buf_.data() + pos, fmt::kChunkSize), false); !r) return r;
      pos += fmt::kChunkSize;
    }
    if (pos > 0) buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos));
    return {};
  }
  Result<void> finish() {
    final_len_ = buf_.size();
    auto r = seal(buf_, true);
    buf_.clear();
    return r;
  }
  std::uint64_t final_len() const { return final_len_; }
  const std::vector<Digest>& digests() const { return digests_; }

 private:
  Result<void> seal(ByteView pt, bool final) {
    std::uint64_t i = digests_.size();
    auto ct = t_.gcm_encrypt(gcm_, fmt::chunk_iv(nonce_, i), fmt::chunk_aad(id_, i, final), pt);
    if (!ct) return std::unexpected(ct.error());
    if (auto r = out_.write(*ct); !r) return r;
    Digest d;
    auto h = crypto::sha256(*ct);
    std::copy(h.begin(), h.end(), d.begin());
    digests_.push_back(d);
    return {};
  }
  hsm::Token& t_;
  hsm::Handle gcm_;
  Bytes id_, nonce_;
  AtomicFile& out_;
  SecureBytes buf_;
  std::uint64_t final_len_ = 0;
  std::vector<Digest> digests_;
};

// The sealing thread: takes blocks of records from the channel and appends them to the body. Joined on every
// path; a failure cancels the channel so the scan stops at its next hand-over.
class Sealing {
 public:
  Sealing(BodyWriter& body, Channel<SecureBytes>& ch)
      : ch_(ch), th_([this, &body] {
          try {
            while (auto block = ch_.pop()) {
              if (auto r = body.append(*block); !r) {
                result_ = r;
                ch_.cancel();
                return;
              }
              vault::test_kill_point("bundle-backup-sealing");  // part of the body on disk, the rest to come
            }
          } catch (const std::exception& e) {  // out of memory: a failed backup, never std::terminate
            result_ = fail(Errc::Internal, std::string("vault bundle sealing: ") + e.what());
            ch_.cancel();
          }
        }) {}
  ~Sealing() {
    if (th_.joinable()) {
      ch_.cancel();
      th_.join();
    }
  }
  // Closes the channel and waits for the last block to be sealed.
  Result<void> finish() {
    ch_.close();
    th_.join();
    return result_;
  }
  // The sealing thread's error, once it stopped (after finish, or when push failed).
  Result<void> stop() {
    ch_.cancel();
    th_.join();
    return result_;
  }

 private:
  Channel<SecureBytes>& ch_;
  Result<void> result_;
  std::thread th_;
};

// One object as a record: secrets decrypted from the vault master key, keys re-wrapped under K_kwp in the
// token, certificates as they are (public).
Result<fmt::Record> record_of(vault::Service& svc, const vault::VaultKeys& vk, store::ScannedObject& o,
                              hsm::Handle kwp) {
  fmt::Record r;
  r.type = o.type;
  r.object = o.object;
  auto& t = svc.token();
  for (auto& v : o.versions) {
    if (o.type == ObjType::Secret) {
      auto plain = t.gcm_decrypt(vk.master, v.iv, as_bytes(vault::secret_aad(vk.row.name, o.object.name, v.version)),
                                 v.ciphertext);
      if (!plain) return std::unexpected(plain.error());
      r.kinds.push_back(fmt::Material::SecretValue);
      r.material.push_back(std::move(*plain));
    } else if (o.type == ObjType::Key) {
      auto h = vault::unwrap_stored_key(svc, vk, v, true);
      if (!h) return std::unexpected(h.error());
      TokenKey key{t, *h};
      auto wrapped = t.wrap(hsm::Mech::AesKeyWrapPad, kwp, key.h);
      if (!wrapped) return std::unexpected(wrapped.error());
      r.kinds.push_back(fmt::Material::WrappedKey);
      r.material.emplace_back(wrapped->begin(), wrapped->end());
    } else {
      if (!v.iv.empty())
        return fail(Errc::Internal, "certificate " + o.object.name + "/" + v.version + " has sealed bytes");
      r.kinds.push_back(fmt::Material::PublicBytes);
      r.material.emplace_back(v.ciphertext.begin(), v.ciphertext.end());
    }
    v.iv.clear();
    v.ciphertext.clear();
    r.versions.push_back(std::move(v));
  }
  return r;
}

// The vault's settings as the snapshot holds them (read on its connection, inside the scan's transaction), issuer
// passwords opened in the token.
Result<fmt::Settings> settings_of(vault::Service& svc, const vault::VaultKeys& vk, store::Catalog& snap) {
  fmt::Settings s;
  const std::string& vault = vk.row.name;
  auto contacts = store::certificate_contacts(snap, vault);
  if (!contacts) return std::unexpected(contacts.error());
  if (*contacts) s.contacts_json = **contacts;
  auto issuers = store::certificate_issuers(snap, vault);
  if (!issuers) return std::unexpected(issuers.error());
  for (auto& i : *issuers) {
    fmt::IssuerEntry e{i.name, i.issuer_json, i.created, i.updated, {}};
    if (!i.pwd_ct.empty()) {
      auto pwd = svc.token().gcm_decrypt(vk.master, i.pwd_iv, as_bytes(vault::issuer_password_aad(vault, i.name)),
                                         i.pwd_ct);
      if (!pwd) return std::unexpected(pwd.error());
      e.password = std::move(*pwd);
    }
    s.issuers.push_back(std::move(e));
  }
  auto policies = store::rotation_policies(snap, vault);
  if (!policies) return std::unexpected(policies.error());
  for (auto& p : *policies) s.policies.push_back(fmt::PolicyEntry{p.name, p.policy_json, p.created, p.updated});
  if (s.issuers.size() > 65535 || s.policies.size() > 65535)
    return fail(Errc::BadParameter, "vault " + vault + " has more issuers or rotation policies than a bundle holds");
  return s;
}

}  // namespace

json counts_json(const Counts& c) {
  return {{"secrets", c.secrets}, {"keys", c.keys}, {"certificates", c.certificates},
          {"objects", c.objects()}, {"versions", c.versions}, {"deleted", c.deleted}};
}

Result<BackupReport> backup_vault(vault::Service& svc, const std::string& vault_name, const std::string& file,
                                  const Progress& progress) {
  auto vkr = svc.vault(vault_name);
  if (!vkr) return std::unexpected(vkr.error());
  auto& t = svc.token();
  const BulkVault bulk = BulkVault::of(t, **vkr);
  const vault::VaultKeys& vk = bulk.keys;
  auto domain = svc.domain_key(vk.row.domain_kid);
  if (!domain) return std::unexpected(domain.error());
  auto drow = svc.catalog().domain(vk.row.domain_kid);
  if (!drow) return std::unexpected(drow.error());
  auto cert = crypto::certificate_der_from_pem(vk.row.signer_cert_pem);
  if (!cert) return std::unexpected(cert.error());
  const std::string signer = to_hex(crypto::sha256(*cert));

  auto keys = BundleKeys::create(t, domain->pub);
  if (!keys) return std::unexpected(keys.error());
  auto id = t.random(16);
  auto nonce = t.random(12);
  if (!id) return std::unexpected(id.error());
  if (!nonce) return std::unexpected(nonce.error());

  // The snapshot reads on a connection of its own: a read transaction there neither blocks the Service's
  // writers nor sees them.
  auto snap = store::Catalog::open(vault::catalog_path(svc.home()));
  if (!snap) return std::unexpected(snap.error());
  auto integrity = svc.integrity();
  if (!integrity) return std::unexpected(integrity.error());
  snap->set_row_guard(*integrity);

  if (::access(file.c_str(), F_OK) == 0 || errno != ENOENT)
    return fail(Errc::Conflict, "cannot write " + file + ": it already exists (a bundle is never overwritten)");
  // Never over an earlier bundle: the file is someone's only copy (Conflict, as `key download` refuses too).
  auto out = AtomicFile::open(file, 0600, IfExists::Refuse);
  if (!out) return std::unexpected(out.error());
  BodyWriter body(t, keys->gcm.h, *id, *nonce, *out);
  // Records go to the sealing thread in blocks of about 1 MiB, at most 8 waiting: the scan's token work (one
  // GCM per secret version, an unwrap and wrap per key) and the chunks' sealing and hashing run side by side.
  constexpr std::size_t kBlock = 1u << 20;
  Channel<SecureBytes> blocks(8);
  SecureBytes block;
  std::uint64_t produced = 0;
  bool sealer_stopped = false;

  BackupReport rep;
  rep.file = file;
  rep.bundle_id = to_hex(*id);
  rep.vault = vk.row.name;
  rep.domain = vk.row.domain_kid;
  rep.signer = signer;
  std::vector<fmt::IndexEntry> index;
  std::uint64_t done = 0;
  Bytes header_bytes;
  fmt::Settings settings;

  auto on_counts = [&](const store::VaultCounts& c) -> Result<void> {
    rep.counts = c;
    rep.created = vault::Service::now();
    json header = {
        {"format", "coldvault-bundle"},
        {"version", 1},
        {"bundleId", rep.bundle_id},
        {"created", rep.created},
        {"vault",
         {{"name", vk.row.name}, {"url", vk.row.base_url}, {"retentionDays", vk.row.retention_days},
          {"purgeProtection", vk.row.purge_protection}}},
        {"domain", {{"kid", vk.row.domain_kid}, {"spkiSha256", to_hex(crypto::sha256(drow->public_key_spki))}}},
        {"counts", counts_json(c)},
        {"keys",
         {{"alg", "RSA-OAEP"}, {"bundleKey", base64url_encode(keys->wrapped_m)},
          {"gcmKey", base64url_encode(keys->wrapped_gcm)}, {"wrapKey", base64url_encode(keys->wrapped_kwp)}}},
        {"aead", {{"alg", "A256GCM"}, {"chunkSize", fmt::kChunkSize}, {"baseNonce", base64url_encode(*nonce)}, {"tagBytes", 16}}},
        {"signer", {{"alg", "ES256"}, {"sha256", signer}}}};
    std::string text = header.dump();
    header_bytes.assign(text.begin(), text.end());
    if (header_bytes.size() > fmt::kMaxHeader) return fail(Errc::Internal, "bundle header too large");
    if (auto r = out->write(fmt::encode_preamble(static_cast<std::uint32_t>(header_bytes.size()))); !r) return r;
    if (progress) progress(0, static_cast<std::uint64_t>(c.objects()), 0);
    // Read here, on the snapshot's connection inside its transaction: the settings of the same instant.
    auto s = settings_of(svc, vk, *snap);
    if (!s) return std::unexpected(s.error());
    settings = std::move(*s);
    return out->write(header_bytes);  // before any block goes to the sealing thread
  };
  auto on_object = [&](store::ScannedObject& o) -> Result<void> {
    if (o.versions.size() > fmt::kMaxVersions)
      return fail(Errc::BadParameter, std::string(store::obj_type_name(o.type)) + " " + o.object.name + " has more than " +
                                          std::to_string(fmt::kMaxVersions) + " versions");
    auto rec = record_of(svc, vk, o, keys->kwp.h);
    if (!rec) return std::unexpected(rec.error());
    SecureBytes bytes = fmt::encode_record(*rec);
    if (bytes.size() > fmt::kMaxRecord)
      return fail(Errc::BadParameter, std::string(store::obj_type_name(o.type)) + " " + o.object.name +
                                          " is larger than a bundle record may be (64 MiB)");
    index.push_back(fmt::IndexEntry{o.type, o.object.deleted_date.has_value(), o.object.name,
                                    static_cast<std::uint16_t>(rec->versions.size()), produced,
                                    static_cast<std::uint32_t>(bytes.size())});
    produced += bytes.size();
    block.insert(block.end(), bytes.begin(), bytes.end());
    if (block.size() >= kBlock) {
      if (!blocks.push(std::move(block))) {
        sealer_stopped = true;
        return fail(Errc::Internal, "the sealing thread stopped");  // replaced by its own error below
      }
      block = SecureBytes();
    }
    if (progress) progress(++done, static_cast<std::uint64_t>(rep.counts.objects()), produced);
    return {};
  };
  {
    Sealing sealing(body, blocks);
    auto scanned = snap->scan_vault(vk.row.name, on_counts, on_object);
    if (!scanned) {
      auto sealed = sealing.stop();
      if (sealer_stopped && !sealed) return std::unexpected(sealed.error());
      return std::unexpected(scanned.error());
    }
    if (!settings.empty()) {
      // After the objects: a restore applies the rotation policies to keys it has inserted.
      SecureBytes bytes = fmt::encode_settings(settings);
      fmt::IndexEntry e;
      e.settings = true;
      e.name = fmt::kSettingsName;
      e.pt_off = produced;
      e.pt_len = static_cast<std::uint32_t>(bytes.size());
      index.push_back(std::move(e));
      produced += bytes.size();
      block.insert(block.end(), bytes.begin(), bytes.end());
      settings = fmt::Settings();
    }
    if (!block.empty() && !blocks.push(std::move(block))) {
      auto sealed = sealing.stop();
      return sealed ? fail(Errc::Internal, "the sealing thread stopped") : std::unexpected(sealed.error());
    }
    if (auto r = sealing.finish(); !r) return std::unexpected(r.error());
  }
  if (header_bytes.empty()) return fail(Errc::Internal, "vault scan gave no counts");
  if (auto r = body.finish(); !r) return std::unexpected(r.error());

  fmt::Footer foot;
  foot.body_off = fmt::kPreambleBytes + header_bytes.size();
  foot.index_off = out->written();
  auto index_ct = t.gcm_encrypt(keys->gcm.h, fmt::index_iv(*nonce), fmt::index_aad(*id), fmt::encode_index(index));
  if (!index_ct) return std::unexpected(index_ct.error());
  foot.index_len = index_ct->size();
  if (auto r = out->write(*index_ct); !r) return std::unexpected(r.error());
  foot.digests_off = out->written();
  Bytes digests;
  digests.reserve(32 * body.digests().size());
  for (const auto& d : body.digests()) digests.insert(digests.end(), d.begin(), d.end());
  if (auto r = out->write(digests); !r) return std::unexpected(r.error());
  foot.manifest_off = out->written();

  rep.chunks = body.digests().size();
  json manifest = {{"format", "coldvault-bundle-manifest"},
                   {"version", 1},
                   {"bundleId", rep.bundle_id},
                   {"created", rep.created},
                   {"vault", vk.row.name},
                   {"domain", vk.row.domain_kid},
                   {"headerSha256", to_hex(crypto::sha256(header_bytes))},
                   {"chunkSize", fmt::kChunkSize},
                   {"chunkCount", rep.chunks},
                   {"plaintextBytes", produced},
                   {"finalChunkBytes", body.final_len()},
                   {"chunkRoot", to_hex(fmt::merkle_root(body.digests()))},
                   {"indexSha256", to_hex(crypto::sha256(*index_ct))},
                   {"indexEntries", index.size()},
                   {"counts", counts_json(rep.counts)},
                   {"signer", signer}};
  std::string mtext = manifest.dump();
  json protected_header = {{"alg", "ES256"},
                           {"typ", "coldvault-bundle+jws"},
                           {"x5c", {base64_encode(*cert)}},
                           {"x5t#S256", base64url_encode(crypto::sha256(*cert))}};
  std::string ph = base64url_encode(as_bytes(protected_header.dump()));
  std::string input = ph + "." + base64url_encode(as_bytes(mtext));
  auto sig = t.sign(hsm::Mech::Ecdsa, vk.signer.priv, crypto::sha256(as_bytes(input)));
  if (!sig) return std::unexpected(sig.error());
  std::string jws = ph + ".." + base64url_encode(*sig);
  foot.manifest_len = static_cast<std::uint32_t>(mtext.size());
  foot.signature_len = static_cast<std::uint32_t>(jws.size());
  for (ByteView part : {as_bytes(mtext), as_bytes(jws)})
    if (auto r = out->write(part); !r) return std::unexpected(r.error());
  if (auto r = out->write(fmt::encode_footer(foot)); !r) return std::unexpected(r.error());
  rep.bytes = out->written();
  rep.manifest_sha256 = to_hex(crypto::sha256(as_bytes(mtext)));

  vault::test_kill_point("bundle-backup-written");
  if (auto r = out->commit(); !r) return std::unexpected(r.error());
  if (auto* scope = store::AuditScope::current()) scope->record().sha256 = rep.manifest_sha256;
  // The lineage names the bundle by its manifest digest (the manifest binds every other byte).
  store::BlobEvent e{"backup", "ok", rep.manifest_sha256, "vault", vk.row.name, {}, vk.row.name, {},
                     vk.row.domain_kid, signer, vault::Service::now(),
                     "vault bundle " + rep.bundle_id + " (" + std::to_string(rep.counts.objects()) + " objects, " +
                         std::to_string(rep.counts.versions) + " versions) written to " + file};
  if (auto r = store::record_blob_event(svc.catalog(), e); !r) return std::unexpected(r.error());
  return rep;
}

}  // namespace cv::bundle
