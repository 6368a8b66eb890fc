// restore_vault: a bundle back into a vault, whole or one object, all or nothing (docs/bundle-format.md §3).
// Everything that can be checked before the token decrypts is checked first: structure, signature, the
// registry's trust in the signer, the domain, the digests the selection needs.
#include <algorithm>
#include <cstring>
#include <thread>

#include "bundle/channel.hpp"
#include "bundle/file.hpp"
#include "bundle/token_keys.hpp"
#include "coldvault/audit_log.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/bundle.hpp"
#include "coldvault/certificate_issuers.hpp"
#include "coldvault/issuer_rows.hpp"
#include "coldvault/lineage.hpp"
#include "coldvault/rotation_rows.hpp"
#include "coldvault/secrets.hpp"
#include "coldvault/signer_rows.hpp"
#include "coldvault/trust.hpp"
#include "vault/key_material.hpp"

namespace cv::bundle {
namespace {

using store::ObjType;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Plaintext of any byte range of the body, chunk by chunk, each chunk checked against its digest and its
// tag. The last chunk decrypted is kept: records are read in order, so every chunk is decrypted once.
class ChunkReader {
 public:
  ChunkReader(BundleFile& f, hsm::Token& t, hsm::Handle gcm, const std::vector<Digest>& d)
      : f_(f), t_(t), gcm_(gcm), d_(d) {}

  Result<void> load(std::uint64_t i) {
    if (i == cached_) return {};
    auto c = f_.read_chunk(i, d_);
    if (!c) return std::unexpected(c.error());
    bool final = i + 1 == f_.chunk_count;
    auto pt = t_.gcm_decrypt(gcm_, fmt::chunk_iv(f_.base_nonce, i), fmt::chunk_aad(f_.bundle_id, i, final), *c);
    if (!pt) {
      if (pt.error().code != Errc::Corruption) return std::unexpected(pt.error());
      return fail(Errc::BadParameter, "vault bundle chunk " + std::to_string(i) + " does not decrypt: " +
                                          "it is not this bundle's chunk " + std::to_string(i) +
                                          (final ? " (or not its last)" : ""));
    }
    if (pt->size() != f_.chunk_plain_len(i))
      return fail(Errc::BadParameter, "vault bundle chunk " + std::to_string(i) + " has the wrong length");
    plain_ = std::move(*pt);
    cached_ = i;
    return {};
  }

  Result<SecureBytes> range(std::uint64_t off, std::uint64_t len) {
    SecureBytes out;
    out.reserve(len);
    while (len > 0) {
      std::uint64_t i = off / f_.chunk_size, in = off % f_.chunk_size;
      if (auto r = load(i); !r) return std::unexpected(r.error());
      std::uint64_t n = std::min<std::uint64_t>(len, plain_.size() - in);
      if (n == 0) return fail(Errc::BadParameter, "malformed vault bundle: an index entry points past the body");
      out.insert(out.end(), plain_.begin() + static_cast<std::ptrdiff_t>(in),
                 plain_.begin() + static_cast<std::ptrdiff_t>(in + n));
      off += n;
      len -= n;
    }
    return out;
  }

 private:
  BundleFile& f_;
  hsm::Token& t_;
  hsm::Handle gcm_;
  const std::vector<Digest>& d_;
  std::uint64_t cached_ = UINT64_MAX;
  SecureBytes plain_;
};

const char* word(ObjType t) { return store::obj_type_name(t); }

// The entries a selection names; NotFound / BadParameter as restore_vault documents.
Result<std::vector<const fmt::IndexEntry*>> select(const std::vector<fmt::IndexEntry>& all, const Selection& sel) {
  std::vector<const fmt::IndexEntry*> out;
  if (!sel.any()) {
    for (const auto& e : all) out.push_back(&e);
    return out;
  }
  auto find = [&](ObjType t, const std::string& name) -> const fmt::IndexEntry* {
    for (const auto& e : all)
      if (!e.settings && e.type == t && lower(e.name) == lower(name)) return &e;
    return nullptr;
  };
  auto want = [&](ObjType t, const std::string& name) -> Result<void> {
    const auto* e = find(t, name);
    if (!e) return fail(Errc::NotFound, std::string("the bundle holds no ") + word(t) + " named " + name);
    if (t != ObjType::Certificate && find(ObjType::Certificate, name))
      return fail(Errc::BadParameter, std::string(word(t)) + " " + name + " belongs to certificate " + name +
                                          " in this bundle: restore it with --certificate-name " + name);
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
    if (t == ObjType::Certificate)
      for (ObjType part : {ObjType::Key, ObjType::Secret})
        if (const auto* p = find(part, name); p && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    return {};
  };
  if (sel.certificate)
    if (auto r = want(ObjType::Certificate, *sel.certificate); !r) return std::unexpected(r.error());
  if (sel.key)
    if (auto r = want(ObjType::Key, *sel.key); !r) return std::unexpected(r.error());
  if (sel.secret)
    if (auto r = want(ObjType::Secret, *sel.secret); !r) return std::unexpected(r.error());
  // The settings record too (it is last): it holds the chosen keys' rotation policies.
  if (!all.empty() && all.back().settings) out.push_back(&all.back());
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->pt_off < b->pt_off; });
  return out;
}

// The settings record's rows for the target vault: issuer passwords sealed under its master key (in the token;
// run on the restore's second thread, like rows_for). A selective restore keeps only the rotation policies of
// the keys it restores; contacts and issuers come with a whole restore.
struct SettingsRows {
  std::optional<std::string> contacts_json;
  std::vector<store::IssuerRow> issuers;
  std::vector<store::RotationPolicyRow> policies;
};
Result<SettingsRows> settings_rows(vault::Service& svc, const vault::VaultKeys& vk, fmt::Settings& s,
                                   const std::vector<const fmt::IndexEntry*>& chosen, bool whole) {
  SettingsRows out;
  auto& t = svc.token();
  if (whole) {
    if (!s.contacts_json.empty()) out.contacts_json = s.contacts_json;
    for (auto& i : s.issuers) {
      store::IssuerRow row{i.name, i.issuer_json, {}, {}, i.created, i.updated};
      if (!i.password.empty()) {
        auto iv = t.random(12);
        if (!iv) return std::unexpected(iv.error());
        auto ct = t.gcm_encrypt(vk.master, *iv, as_bytes(vault::issuer_password_aad(vk.row.name, i.name)), i.password);
        if (!ct) return std::unexpected(ct.error());
        row.pwd_iv = std::move(*iv), row.pwd_ct = std::move(*ct);
      }
      out.issuers.push_back(std::move(row));
    }
  }
  for (auto& p : s.policies) {
    bool restored = std::any_of(chosen.begin(), chosen.end(), [&](const fmt::IndexEntry* e) {
      return !e->settings && e->type == ObjType::Key && lower(e->name) == lower(p.key);
    });
    if (!restored) {
      if (whole) return fail(Errc::BadParameter, "malformed vault bundle: a rotation policy names key " + p.key +
                                                     ", which the bundle does not hold");
      continue;
    }
    out.policies.push_back(store::RotationPolicyRow{vk.row.name, p.key, p.policy_json, p.created, p.updated});
  }
  return out;
}

// The rows of a record for the target vault: secrets sealed under its master key, keys wrapped under it.
// Runs on the restore's second thread: it may use svc.token() (thread-safe) and nothing else of the Service;
// the helpers it calls (check_material_matches, wrap_for_store) use only the token.
Result<std::vector<store::VersionRow>> rows_for(vault::Service& svc, const vault::VaultKeys& vk, fmt::Record& rec,
                                               hsm::Handle kwp) {
  auto& t = svc.token();
  std::vector<store::VersionRow> rows;
  rows.reserve(rec.versions.size());
  Bytes ivs;
  if (rec.type == ObjType::Secret) {
    auto r = t.random(12 * rec.versions.size());
    if (!r) return std::unexpected(r.error());
    ivs = std::move(*r);
  }
  for (std::size_t i = 0; i < rec.versions.size(); ++i) {
    store::VersionRow v = std::move(rec.versions[i]);
    const SecureBytes& m = rec.material[i];
    if (rec.type == ObjType::Secret) {
      if (m.size() > vault::kMaxSecretBytes)
        return fail(Errc::BadParameter, "malformed vault bundle: secret " + rec.object.name + " exceeds the size limit");
      v.iv.assign(ivs.begin() + static_cast<std::ptrdiff_t>(12 * i), ivs.begin() + static_cast<std::ptrdiff_t>(12 * i + 12));
      auto ct = t.gcm_encrypt(vk.master, v.iv, as_bytes(vault::secret_aad(vk.row.name, rec.object.name, v.version)), m);
      if (!ct) return std::unexpected(ct.error());
      v.ciphertext = std::move(*ct);
    } else if (rec.type == ObjType::Key) {
      auto h = t.unwrap(hsm::Mech::AesKeyWrapPad, kwp, m, vault::key_type_of(v), vault::key_usage_of(v, true));
      if (!h) {
        if (h.error().code == Errc::HsmUnavailable) return std::unexpected(h.error());
        return fail(Errc::BadParameter, "malformed vault bundle: key " + rec.object.name + "/" + v.version +
                                            " does not unwrap");
      }
      TokenKey key(t, *h);
      if (auto r = vault::check_material_matches(svc, key.h, v); !r) return std::unexpected(r.error());
      auto stored = vault::wrap_for_store(svc, vk, key.h);
      if (!stored) return std::unexpected(stored.error());
      v.iv.clear();
      v.ciphertext = std::move(*stored);
    } else {
      v.iv.clear();
      v.ciphertext.assign(m.begin(), m.end());
    }
    rows.push_back(std::move(v));
  }
  return rows;
}

void count(store::VaultCounts& c, const fmt::IndexEntry& e) {
  if (e.settings) return;
  (e.type == ObjType::Secret ? c.secrets : e.type == ObjType::Key ? c.keys : c.certificates) += 1;
  c.versions += e.versions;
  if (e.deleted) ++c.deleted;
}

// Opens the bundle for this home: structure, signature, domain, registry, digests, keys, index. The
// checks that need no token come first.
struct Opened {
  BundleFile file;
  std::vector<Digest> digests;
  std::vector<fmt::IndexEntry> index;
  std::optional<BundleKeys> keys;
};

Result<Opened> open_for_restore(vault::Service& svc, const std::string& path) {
  auto f = BundleFile::open(path);
  if (!f) return std::unexpected(f.error());
  if (auto r = f->check_signature(); !r) return std::unexpected(r.error());
  if (!f->header_matches())
    return fail(Errc::BadParameter, "vault bundle header does not match its signed digest: the header was altered");
  if (f->domain != svc.domain_kid())
    return fail(Errc::BadParameter, "cannot open vault bundle: it belongs to security domain " + f->domain +
                                        ", not this token's (" + svc.domain_kid() + ")");
  auto domain = svc.domain_key(f->domain);
  if (!domain) {
    if (domain.error().code == Errc::NotFound)
      return fail(Errc::BadParameter, "cannot open vault bundle: security domain " + f->domain +
                                          " is not present in this token");
    return std::unexpected(domain.error());
  }
  auto anchor = vault::trusted_anchor(svc, f->x5c);
  if (!anchor) {
    Error e = anchor.error();
    if (e.code == Errc::BadParameter) e.message = "cannot restore vault bundle: " + e.message;
    return std::unexpected(e);
  }
  auto digests = f->read_digests();
  if (!digests) return std::unexpected(digests.error());
  auto index_ct = f->read_index();
  if (!index_ct) return std::unexpected(index_ct.error());
  const auto& k = f->header["keys"];
  auto wm = base64url_decode(k["bundleKey"].get<std::string>());
  auto wg = base64url_decode(k["gcmKey"].get<std::string>());
  auto ww = base64url_decode(k["wrapKey"].get<std::string>());
  if (!wm || !wg || !ww) return fail(Errc::BadParameter, "malformed vault bundle: a wrapped key is not base64url");
  auto keys = BundleKeys::open(svc.token(), domain->priv, *wm, *wg, *ww);
  if (!keys) return std::unexpected(keys.error());
  auto ix = svc.token().gcm_decrypt(keys->gcm.h, fmt::index_iv(f->base_nonce), fmt::index_aad(f->bundle_id), *index_ct);
  if (!ix) {
    if (ix.error().code != Errc::Corruption) return std::unexpected(ix.error());
    return fail(Errc::BadParameter, "vault bundle index does not decrypt: it is not this bundle's index");
  }
  auto entries = fmt::decode_index(*ix, f->plaintext_bytes);
  if (!entries) return std::unexpected(entries.error());
  if (entries->size() != f->index_entries)
    return fail(Errc::BadParameter, "malformed vault bundle: the index holds another number of objects than the manifest");
  Opened o{std::move(*f), std::move(*digests), std::move(*entries), std::nullopt};
  o.keys.emplace(std::move(*keys));
  return o;
}

Result<void> record(vault::Service& svc, const Opened* o, const std::string& target, const Result<void>& outcome,
                    const std::string& detail) {
  store::BlobEvent e;
  e.event = "restore";
  e.outcome = outcome ? "ok" : std::string(errc_name(outcome.error().code));
  e.type = "vault";
  if (o) {
    e.sha256 = to_hex(crypto::sha256(o->file.manifest_bytes));
    e.name = o->file.vault;
    e.source_vault = o->file.vault;
    e.domain_kid = o->file.domain;
    e.signer = o->file.signer;
  }
  e.target_vault = target;
  e.time = vault::Service::now();
  e.detail = outcome ? detail : outcome.error().message;
  if (auto* scope = store::AuditScope::current(); scope && !e.sha256.empty()) scope->record().sha256 = e.sha256;
  return store::record_blob_event(svc.catalog(), e);
}

// The settings rows, inside the restore's transaction. A vault that already has contacts, or an issuer of the
// same name, is a conflict: found before any row is written (settings_conflicts), checked again here.
Result<void> write_settings(store::Catalog& cat, const std::string& vault, const SettingsRows& s) {
  const std::int64_t now = vault::Service::now();
  if (s.contacts_json)
    if (auto r = store::put_certificate_contacts(cat, vault, *s.contacts_json, now); !r) return r;
  for (const auto& i : s.issuers)
    if (auto r = store::put_certificate_issuer(cat, vault, i); !r) return r;
  for (const auto& p : s.policies)
    if (auto r = store::restore_rotation_policy(cat, vault, p); !r) return r;
  return {};
}

// What of the bundle's settings the target vault already has (a whole restore into an existing vault): its
// contacts, issuers of the same names. Read from the index alone is not possible (the names are inside the
// record), so the settings record is read here, before the objects.
Result<std::vector<std::string>> settings_conflicts(vault::Service& svc, const std::string& vault, Opened& o,
                                                    ChunkReader& chunks) {
  std::vector<std::string> taken;
  if (o.index.empty() || !o.index.back().settings) return taken;
  auto bytes = chunks.range(o.index.back().pt_off, o.index.back().pt_len);
  if (!bytes) return std::unexpected(bytes.error());
  auto s = fmt::decode_settings(*bytes);
  if (!s) return std::unexpected(s.error());
  if (!s->contacts_json.empty()) {
    auto have = store::certificate_contacts(svc.catalog(), vault);
    if (!have) return std::unexpected(have.error());
    if (*have) taken.push_back("certificate contacts");
  }
  for (const auto& i : s->issuers) {
    auto have = store::certificate_issuer(svc.catalog(), vault, i.name);
    if (!have) return std::unexpected(have.error());
    if (*have) taken.push_back("certificate issuer " + i.name);
  }
  return taken;
}

// `created` is set as soon as this restore made the vault, so a refusal after that removes it (and only then).
Result<RestoreReport> restore_opened(vault::Service& svc, Opened& o, const std::string& vault_name,
                                     const Selection& sel, const Progress& progress, bool& created) {
  auto chosen = select(o.index, sel);
  if (!chosen) return std::unexpected(chosen.error());
  // Every record of this restore (the vault it makes commits first) names the bundle's manifest digest.
  if (auto* scope = store::AuditScope::current()) scope->record().sha256 = to_hex(crypto::sha256(o.file.manifest_bytes));
  RestoreReport rep;
  rep.file = o.file.path();
  rep.bundle_id = o.file.bundle_id_hex;
  rep.source_vault = o.file.vault;
  rep.file_bytes = o.file.size();

  auto vk = svc.vault(vault_name);
  if (!vk && vk.error().code != Errc::NotFound) return std::unexpected(vk.error());
  if (!vk) {
    // A new vault, with the bundle's settings. It is made (and committed) before the objects come: a restore
    // stopped in between leaves it empty, and running the restore again fills it.
    vault::VaultOptions opts{vault_name, o.file.retention_days, o.file.purge_protection};
    if (auto made = svc.create_vault(opts); !made) return std::unexpected(made.error());
    rep.created_vault = created = true;
    vk = svc.vault(vault_name);
    if (!vk) return std::unexpected(vk.error());
  }
  rep.vault = (*vk)->row.name;

  // Every taken name at once, so one look at the message says what stands in the way. A vault this call
  // made holds nothing yet (and the UNIQUE constraint would still refuse a clash).
  ChunkReader chunks(o.file, svc.token(), o.keys->gcm.h, o.digests);
  std::vector<std::string> taken;
  if (!created) {
    for (const auto* e : *chosen)
      if (!e->settings && svc.catalog().object((*vk)->row.name, e->type, e->name))
        taken.push_back(std::string(word(e->type)) + " " + e->name);
    if (!sel.any()) {
      auto more = settings_conflicts(svc, (*vk)->row.name, o, chunks);
      if (!more) return std::unexpected(more.error());
      taken.insert(taken.end(), more->begin(), more->end());
    }
  }
  if (!taken.empty()) {
    std::string list;
    for (std::size_t i = 0; i < taken.size() && i < 20; ++i) list += (i ? ", " : "") + taken[i];
    if (taken.size() > 20) list += ", and " + std::to_string(taken.size() - 20) + " more";
    return fail(Errc::Conflict, "vault " + rep.vault + " already holds " + std::to_string(taken.size()) +
                                    " of the bundle's objects (live or soft-deleted): " + list +
                                    "; restore into an empty or new vault, or purge them first");
  }

  const BulkVault bulk = BulkVault::of(svc.token(), **vk);
  // Two threads: the maker reads, decrypts and parses records and does each version's token work for the
  // target vault; this thread writes the rows into the one catalogue transaction (SQLite stays on it).
  struct Made {
    const fmt::IndexEntry* entry;
    fmt::Record rec;
    std::vector<store::VersionRow> rows;
    SettingsRows settings;  // the settings entry's
  };
  Channel<Made> made(16);
  Result<void> making;
  std::thread maker([&] {
    try {
    for (const auto* e : *chosen) {
      auto one = [&]() -> Result<bool> {
        auto bytes = chunks.range(e->pt_off, e->pt_len);
        if (!bytes) return std::unexpected(bytes.error());
        if (e->settings) {
          auto st = fmt::decode_settings(*bytes);
          if (!st) return std::unexpected(st.error());
          auto rows = settings_rows(svc, bulk.keys, *st, *chosen, !sel.any());
          if (!rows) return std::unexpected(rows.error());
          return made.push(Made{e, {}, {}, std::move(*rows)});
        }
        auto rec = fmt::decode_record(*bytes);
        if (!rec) return std::unexpected(rec.error());
        if (rec->type != e->type || rec->object.name != e->name ||
            rec->object.deleted_date.has_value() != e->deleted || rec->versions.size() != e->versions)
          return fail(Errc::BadParameter, "malformed vault bundle: a record does not match its index entry");
        auto rows = rows_for(svc, bulk.keys, *rec, o.keys->kwp.h);
        if (!rows) return std::unexpected(rows.error());
        // The clear material is wiped and freed here, off the thread that writes SQLite.
        rec->material.clear();
        rec->versions.clear();
        return made.push(Made{e, std::move(*rec), std::move(*rows), {}});
      }();
      if (!one) making = std::unexpected(one.error());
      if (!one || !*one) break;
    }
    if (making && !sel.any() && o.file.plaintext_bytes == 0) making = chunks.load(0);  // the empty body's final chunk
    } catch (const std::exception& ex) {  // out of memory: a refusal, never std::terminate in a server
      making = fail(Errc::Internal, std::string("vault bundle restore: ") + ex.what());
    }
    made.close();
  });
  struct Join {
    std::thread& t;
    Channel<Made>& c;
    ~Join() {
      if (t.joinable()) {
        c.cancel();
        t.join();
      }
    }
  } join{maker, made};

  auto batch = svc.catalog().begin_batch();
  if (!batch) return std::unexpected(batch.error());
  std::uint64_t done = 0;
  if (progress) progress(0, chosen->size(), 0);
  while (auto m = made.pop()) {
    if (m->entry->settings) {
      if (auto r = write_settings(svc.catalog(), (*vk)->row.name, m->settings); !r) return std::unexpected(r.error());
      continue;
    }
    if (auto r = svc.catalog().insert_object((*vk)->row.name, m->rec.type, m->rec.object, m->rows); !r)
      return std::unexpected(r.error());
    count(rep.counts, *m->entry);
    if (progress) progress(++done, chosen->size(), o.file.bytes_read());
    vault::test_kill_point("bundle-restore-object");
  }
  maker.join();
  if (!making) return std::unexpected(making.error());
  std::string detail = "vault bundle " + rep.bundle_id + " of vault " + rep.source_vault + ": " +
                       std::to_string(rep.counts.objects()) + " objects, " + std::to_string(rep.counts.versions) +
                       " versions" + (sel.any() ? " (selective)" : "");
  if (auto r = record(svc, &o, rep.vault, {}, detail); !r) return std::unexpected(r.error());
  vault::test_kill_point("bundle-restore-before-commit");
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  rep.bytes_read = o.file.bytes_read();
  return rep;
}

// Removes a vault this restore made when the restore then failed: its rows, its signer's registry entry and
// its token keys, so a refusal leaves the home as it found it. (A process killed in between leaves the
// vault empty instead; running the restore again fills it.)
Result<void> unmake_vault(vault::Service& svc, const std::string& name) {
  auto& cat = svc.catalog();
  auto row = cat.vault(name);
  if (!row) return std::unexpected(row.error());
  auto sha = vault::certificate_sha256(row->signer_cert_pem);
  auto batch = cat.begin_batch();
  if (!batch) return std::unexpected(batch.error());
  std::int64_t now = vault::Service::now();
  if (auto r = cat.mark_vault_deleted(name, now, now); !r) return std::unexpected(r.error());
  if (auto r = cat.purge_vault(name); !r) return r;
  if (sha)
    if (auto r = store::remove_signer(cat, row->domain_kid, *sha); !r) return r;
  if (auto r = batch->commit(); !r) return r;
  // The keys go once no row refers to them: a key left behind by a failure here is harmless, a vault row
  // without its keys would not be.
  svc.forget_vault(name);
  return vault::destroy_vault_keys(svc, row->name);
}

}  // namespace

Result<RestoreReport> restore_vault(vault::Service& svc, const std::string& vault_name, const std::string& file,
                                    const Selection& sel, const Progress& progress) {
  if (auto r = vault::check_vault_name(vault_name); !r) return std::unexpected(r.error());
  auto o = open_for_restore(svc, file);
  bool created = false;
  Result<RestoreReport> rep =
      o ? restore_opened(svc, *o, vault_name, sel, progress, created) : std::unexpected(o.error());
  if (!rep && created) {
    if (auto r = unmake_vault(svc, vault_name); !r)
      return fail(r.error().code, rep.error().message + " (and the vault this restore made could not be removed: " +
                                      r.error().message + ")");
  }
  if (!rep) {
    // A refusal is recorded once everything it wrote was undone; failing to record it is said too.
    if (auto r = record(svc, o ? &*o : nullptr, vault_name, std::unexpected(rep.error()), {}); !r)
      return fail(Errc::StorageFailure, rep.error().message + " (and the refusal could not be recorded: " +
                                            r.error().message + ")");
    return rep;
  }
  return rep;
}

}  // namespace cv::bundle
