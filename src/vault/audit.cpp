// The audit log's checkpoints, exports and their offline verification (docs/audit.md §3-5).
#include "coldvault/audit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "coldvault/atomic_file.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "vault/audit_note.hpp"
#include "vault/labels.hpp"

namespace cv::audit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using merkle::Hash;

constexpr const char* kLabel = vault::kAuditLabel;
const std::string kDash = "\xE2\x80\x94 ";  // U+2014 and a space: a signed-note signature line

std::string b64(const Hash& h) { return base64_encode(ByteView(h.data(), h.size())); }

Result<Hash> hash_from_b64(const std::string& s) {
  auto b = base64_decode(s);
  if (!b || b->size() != 32) return fail(Errc::BadParameter, "'" + s.substr(0, 64) + "' is not a base64 SHA-256 hash");
  Hash h{};
  std::copy(b->begin(), b->end(), h.begin());
  return h;
}

// What a verifier needs of the audit certificate: its DER, the note key name and the 4-byte key ID.
struct Pinned {
  Bytes cert_der;
  std::string origin;
  Bytes key_id;
};

Result<Pinned> pinned(std::string_view cert_pem) {
  auto der = crypto::certificate_der_from_pem(cert_pem);
  if (!der) return std::unexpected(der.error());
  auto pub = crypto::certificate_ec_public(*der);
  if (!pub) return std::unexpected(pub.error());
  auto spki = crypto::spki_der(*pub);
  if (!spki) return std::unexpected(spki.error());
  Bytes h = crypto::sha256(*spki);
  return Pinned{*der, "coldvault.local/audit/" + to_hex(ByteView(h.data(), 8)), Bytes(h.begin(), h.begin() + 4)};
}

std::string note_text(const std::string& origin, std::uint64_t size, const Hash& root) {
  return origin + "\n" + std::to_string(size) + "\n" + b64(root) + "\n";
}

}  // namespace

Result<NoteSignature> parse_signature_line(std::string_view line) {
  if (!line.starts_with(kDash)) return fail(Errc::BadParameter, "a signature line does not start with an em dash");
  std::string_view rest = line.substr(kDash.size());
  auto sp = rest.find(' ');
  if (sp == std::string_view::npos) return fail(Errc::BadParameter, "a signature line has no signature");
  return NoteSignature{std::string(rest.substr(0, sp)), std::string(rest.substr(sp + 1))};
}

Result<CheckpointNote> parse_checkpoint_text(std::string_view text, std::string_view origin) {
  std::istringstream body{std::string(text)};
  std::string first, size, root;
  if (!std::getline(body, first) || !std::getline(body, size) || !std::getline(body, root))
    return fail(Errc::BadParameter, "the checkpoint has fewer than three lines");
  if (first != origin)
    return fail(Errc::Corruption, "the checkpoint's origin is " + first + ", not " + std::string(origin));
  if (size.empty() || size.size() > 19 || size.find_first_not_of("0123456789") != std::string::npos ||
      (size.size() > 1 && size[0] == '0'))
    return fail(Errc::BadParameter, "the checkpoint's size '" + size.substr(0, 32) + "' is not a decimal count");
  auto h = hash_from_b64(root);
  if (!h) return std::unexpected(h.error());
  return CheckpointNote{first, std::stoull(size), *h};
}

namespace {

// Parses a signed note and checks the signature of the pinned key (C2SP signed-note: other keys' lines are
// ignored; the note is refused unless the pinned key's verifies). The check name goes in the error's
// kv_code slot's place: callers map messages to checks themselves.
Result<CheckpointNote> open_note(std::string_view note, const Pinned& key) {
  std::string s(note);
  auto sep = s.find("\n\n");
  if (sep == std::string::npos) return fail(Errc::BadParameter, "not a signed note (no blank line before signatures)");
  std::string text = s.substr(0, sep + 1);
  std::string sigs = s.substr(sep + 2);
  bool verified = false;
  std::istringstream lines(sigs);
  for (std::string line; std::getline(lines, line);) {
    auto sig = parse_signature_line(line);
    if (!sig) return std::unexpected(sig.error());
    if (sig->name != key.origin) continue;
    auto raw = base64_decode(sig->b64);
    if (!raw || raw->size() < 5) return fail(Errc::BadParameter, "a signature is not base64");
    if (!std::equal(key.key_id.begin(), key.key_id.end(), raw->begin())) continue;  // another key of that name
    auto rs = crypto::ecdsa_der_to_raw(ByteView(raw->data() + 4, raw->size() - 4), 32);
    if (!rs) return fail(Errc::BadParameter, "the signature is not a DER ECDSA signature");
    auto ok = crypto::verify_es256(key.cert_der, as_bytes(text), *rs);
    if (!ok) return std::unexpected(ok.error());
    if (!*ok) return fail(Errc::Corruption, "the signature of the trusted key does not verify");
    verified = true;
  }
  if (!verified) return fail(Errc::Corruption, "no signature of the trusted key (" + key.origin + ")");
  return parse_checkpoint_text(text, key.origin);
}

Result<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return fail(Errc::NotFound, "cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Signs and stores a checkpoint of (size, root), with the tree's frontier at that size. The note's own commit
// records nothing.
Result<store::AuditCheckpoint> sign(vault::Service& svc, const KeyInfo& k, std::uint64_t size, const Hash& root,
                                    std::vector<Hash> frontier) {
  auto& t = svc.token();
  auto priv = t.find(kLabel, "private");
  if (!priv) return std::unexpected(priv.error());
  std::string text = note_text(k.origin, size, root);
  auto rs = t.sign(hsm::Mech::Ecdsa, *priv, crypto::sha256(as_bytes(text)));
  if (!rs) return std::unexpected(rs.error());
  auto der = crypto::ecdsa_raw_to_der(*rs);
  if (!der) return std::unexpected(der.error());
  auto p = pinned(k.cert_pem);
  if (!p) return std::unexpected(p.error());
  Bytes sig = p->key_id;
  sig.insert(sig.end(), der->begin(), der->end());
  store::AuditCheckpoint cp{size, root, text + "\n" + kDash + k.origin + " " + base64_encode(sig) + "\n",
                            vault::Service::now(), std::move(frontier)};
  store::AuditScope::Pause quiet;
  if (auto r = store::audit_add_checkpoint(svc.catalog(), cp); !r) return std::unexpected(r.error());
  return cp;
}

// Every stored record, checked against the stored frontier and every stored checkpoint.
Result<std::vector<Hash>> checked_leaves(vault::Service& svc, const store::AuditState& st,
                                         const std::vector<store::AuditCheckpoint>& cps) {
  auto leaves = store::audit_leaves(svc.catalog(), st.size);
  if (!leaves) return std::unexpected(leaves.error());
  merkle::Frontier f;
  std::size_t next = 0;
  while (next < cps.size() && cps[next].size == 0) ++next;
  for (std::size_t i = 0; i < leaves->size(); ++i) {
    f.append((*leaves)[i]);
    for (; next < cps.size() && cps[next].size == f.size(); ++next)
      if (f.root() != cps[next].root)
        return fail(Errc::Corruption, "the audit log no longer matches its signed checkpoint of size " +
                                          std::to_string(cps[next].size) +
                                          ": a record before it was edited, removed, inserted or reordered");
  }
  if (next < cps.size())
    return fail(Errc::Corruption, "the audit log holds " + std::to_string(st.size) +
                                      " records but has a signed checkpoint of size " + std::to_string(cps[next].size) +
                                      ": records were removed (or the catalogue rolled back)");
  if (auto sf = merkle::Frontier::of(st.size, st.frontier); !sf || sf->root() != f.root())
    return fail(Errc::Corruption, "the audit log's records do not hash to its stored tree: a record was edited");
  return leaves;
}

// The log as stored, every record checked against every checkpoint (see checked_leaves).
struct Checked {
  store::AuditState state;
  std::vector<store::AuditCheckpoint> checkpoints;
  std::vector<Hash> leaves;
};

Result<Checked> load_checked(vault::Service& svc) {
  // The checkpoints before the state: sizes only grow, so the state read second covers every checkpoint read
  // (read the other way round, a checkpoint signed in between would look like removed records).
  auto cps = store::audit_checkpoints(svc.catalog());
  if (!cps) return std::unexpected(cps.error());
  auto st = store::audit_state(svc.catalog());
  if (!st) return std::unexpected(st.error());
  auto leaves = checked_leaves(svc, *st, *cps);
  if (!leaves) return std::unexpected(leaves.error());
  return Checked{std::move(*st), std::move(*cps), std::move(*leaves)};
}

}  // namespace

Result<KeyInfo> key(vault::Service& svc) {
  auto st = store::audit_state(svc.catalog());
  if (!st) return std::unexpected(st.error());
  auto& t = svc.token();
  if (st->cert_pem.empty()) {
    auto priv = t.find(kLabel, "private");
    auto pub = t.find(kLabel, "public");
    hsm::KeyPair kp;
    if (priv && pub) {
      kp = hsm::KeyPair{*pub, *priv};
    } else {
      if (priv) (void)t.destroy(*priv);  // half of a creation cut short: make a whole new pair
      if (pub) (void)t.destroy(*pub);
      // Transferable on a shared catalogue, whose every token signs its checkpoints (ADR 0024).
      const std::string id_text(kLabel);  // outlives `id`, which views it
      auto id = as_bytes(id_text);
      auto made = svc.catalogue_shared() ? t.create_transferable_signing_key(kLabel, Curve::P256, id)
                                         : t.create_signing_key(kLabel, Curve::P256, id);
      if (!made) return std::unexpected(made.error());
      kp = *made;
    }
    auto ec = t.ec_public(kp.pub);
    if (!ec) return std::unexpected(ec.error());
    auto cert = crypto::self_signed_ec_certificate(*ec, "coldvault audit log", 3650, [&](ByteView digest) {
      return t.sign(hsm::Mech::Ecdsa, kp.priv, digest);
    });
    if (!cert) return std::unexpected(cert.error());
    auto p = pinned(*cert);
    if (!p) return std::unexpected(p.error());
    store::AuditScope::Pause quiet;
    if (auto r = store::audit_set_key(svc.catalog(), p->origin, *cert); !r) return std::unexpected(r.error());
    return KeyInfo{p->origin, to_hex(p->key_id), *cert};
  }
  auto p = pinned(st->cert_pem);
  if (!p) return std::unexpected(p.error());
  return KeyInfo{p->origin, to_hex(p->key_id), st->cert_pem};
}

Result<json> last_records(vault::Service& svc, std::uint64_t n) {
  auto st = store::audit_state(svc.catalog());
  if (!st) return std::unexpected(st.error());
  auto rows = store::audit_entries(svc.catalog(), st->size > n ? st->size - n : 0, st->size);
  if (!rows) return std::unexpected(rows.error());
  json out = json::array();
  for (const auto& e : *rows) out.push_back(json::parse(e.line, nullptr, false));
  return out;
}

namespace {

// The root of the log of `st`, checked against the latest checkpoint `last` (SinceLast, docs/audit.md §3): its
// note must be the audit key's signature over its size and root, its stored frontier must fold to that root,
// and the records after it, hashed onto that frontier, must give the stored tree. Costs the records since it.
Result<Hash> root_since(vault::Service& svc, const KeyInfo& k, const store::AuditState& st,
                        const store::AuditCheckpoint& last) {
  auto p = pinned(k.cert_pem);
  if (!p) return std::unexpected(p.error());
  auto note = open_note(last.note, *p);
  if (!note || note->size != last.size || note->root != last.root)
    return fail(Errc::Corruption, "the audit log's checkpoint of size " + std::to_string(last.size) +
                                      " is not the one its signed note states" +
                                      (note ? std::string() : ": " + note.error().message));
  auto f = merkle::Frontier::of(last.size, *last.frontier);
  if (!f || f->root() != last.root)
    return fail(Errc::Corruption, "the audit log's frontier stored with its checkpoint of size " +
                                      std::to_string(last.size) + " does not hash to that checkpoint's root");
  if (st.size < last.size)
    return fail(Errc::Corruption, "the audit log holds " + std::to_string(st.size) +
                                      " records but has a signed checkpoint of size " + std::to_string(last.size) +
                                      ": records were removed (or the catalogue rolled back)");
  auto leaves = store::audit_leaves(svc.catalog(), last.size, st.size);
  if (!leaves) return std::unexpected(leaves.error());
  for (const Hash& leaf : *leaves) f->append(leaf);
  if (auto sf = merkle::Frontier::of(st.size, st.frontier); !sf || sf->root() != f->root())
    return fail(Errc::Corruption, "the audit log's records after its checkpoint of size " +
                                      std::to_string(last.size) +
                                      " do not hash to its stored tree: a record was edited, removed or inserted");
  return f->root();
}

}  // namespace

Result<store::AuditCheckpoint> checkpoint(vault::Service& svc, Recheck recheck) {
  auto k = key(svc);
  if (!k) return std::unexpected(k.error());
  // Checkpoints before the state (see load_checked); size, root and frontier then all come from that one state.
  auto last = store::audit_last_checkpoint(svc.catalog());
  if (!last) return std::unexpected(last.error());
  const bool whole = recheck == Recheck::Whole || !*last || !(*last)->frontier;
  std::vector<store::AuditCheckpoint> cps;
  if (whole) {
    auto all = store::audit_checkpoints(svc.catalog());
    if (!all) return std::unexpected(all.error());
    cps = std::move(*all);
  }
  auto st = store::audit_state(svc.catalog());
  if (!st) return std::unexpected(st.error());
  // An unchanged log keeps its latest checkpoint; a Whole recheck still runs first (an operator asked for it).
  if (!whole && (*last)->size == st->size) return **last;
  Hash root{};
  if (whole) {
    auto leaves = checked_leaves(svc, *st, cps);
    if (!leaves) return std::unexpected(leaves.error());
    root = merkle::root_of(*leaves);
  } else {
    auto r = root_since(svc, *k, *st, **last);
    if (!r) return std::unexpected(r.error());
    root = *r;
  }
  if (!cps.empty() && cps.back().size == st->size) return cps.back();
  return sign(svc, *k, st->size, root, st->frontier);
}

Result<void> checkpoint_if_due(vault::Service& svc) {
  auto st = store::audit_state(svc.catalog());
  if (!st) return std::unexpected(st.error());
  auto latest = store::audit_last_checkpoint(svc.catalog());
  if (!latest) return std::unexpected(latest.error());
  std::uint64_t last = *latest ? (*latest)->size : 0;
  if (st->size < last + kCheckpointEvery) return {};
  if (auto c = checkpoint(svc, Recheck::SinceLast); !c) return std::unexpected(c.error());
  return {};
}

Result<bool> checkpoint_due(const std::string& catalog_path, bool grown) {
  auto cat = store::Catalog::open(catalog_path);
  if (!cat) return std::unexpected(cat.error());
  auto st = store::audit_state(*cat);
  if (!st) return std::unexpected(st.error());
  auto latest = store::audit_last_checkpoint(*cat);
  if (!latest) return std::unexpected(latest.error());
  std::uint64_t last = *latest ? (*latest)->size : 0;
  return grown ? (st->size > last || !*latest) : st->size >= last + kCheckpointEvery;
}

Result<json> export_log(vault::Service& svc, std::optional<std::uint64_t> from, std::optional<std::uint64_t> to,
                        const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) || fs::is_symlink(dir, ec))
    return fail(Errc::Conflict, "cannot export to " + dir + ": it already exists");
  auto k = key(svc);
  if (!k) return std::unexpected(k.error());
  if (!to) {
    auto c = checkpoint(svc);
    if (!c) return std::unexpected(c.error());
    to = c->size;
  }
  auto log = load_checked(svc);
  if (!log) return std::unexpected(log.error());
  auto* cps = &log->checkpoints;
  const auto* leaves = &log->leaves;
  const std::uint64_t a = from.value_or(0), b = *to;
  auto find_cp = [&](std::uint64_t n) -> const store::AuditCheckpoint* {
    for (const auto& c : *cps)
      if (c.size == n) return &c;
    return nullptr;
  };
  if (a > b) return fail(Errc::BadParameter, "--from " + std::to_string(a) + " is after --to " + std::to_string(b));
  if (!find_cp(b)) return fail(Errc::BadParameter, "no signed checkpoint has size " + std::to_string(b) + " (--to)");
  if (a == 0 && !find_cp(0)) {
    auto c0 = sign(svc, *k, 0, merkle::empty_root(), {});
    if (!c0) return std::unexpected(c0.error());
    cps->insert(cps->begin(), *c0);
  }
  if (!find_cp(a)) return fail(Errc::BadParameter, "no signed checkpoint has size " + std::to_string(a) + " (--from)");
  auto entries = store::audit_entries(svc.catalog(), a, b);
  if (!entries) return std::unexpected(entries.error());

  // Everything goes into a hidden sibling folder that is renamed into place once complete.
  fs::path target(dir);
  fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp-" + to_hex(crypto::random_bytes(6)));
  if (!fs::create_directory(tmp, ec)) return fail(Errc::StorageFailure, "cannot make " + tmp.string() + ": " + ec.message());
  ::chmod(tmp.c_str(), 0700);
  auto remove_tmp = [&] { fs::remove_all(tmp, ec); };
  auto put = [&](const std::string& name, const std::string& content) -> Result<void> {
    return write_file_atomic((tmp / name).string(), as_bytes(content), 0644);
  };
  std::string records;
  for (const auto& e : *entries) records += e.line + "\n";
  json frontier = {{"size", a}, {"hashes", json::array()}};
  const merkle::Frontier fa = merkle::frontier_of(std::span<const Hash>(*leaves).subspan(0, a));
  for (const auto& h : fa.hashes()) frontier["hashes"].push_back(b64(h));
  json proof = {{"from", a}, {"to", b}, {"proof", json::array()}};
  for (const auto& h : merkle::consistency_proof(std::span<const Hash>(*leaves).subspan(0, b), a))
    proof["proof"].push_back(b64(h));
  json info = {{"format", "coldvault-audit-export"}, {"version", 1}, {"origin", k->origin},
               {"from", a}, {"to", b}, {"records", b - a}};
  std::vector<std::pair<std::string, std::string>> files = {
      {"records.jsonl", records},         {"checkpoint-from.note", find_cp(a)->note},
      {"checkpoint-to.note", find_cp(b)->note}, {"frontier.json", frontier.dump() + "\n"},
      {"consistency.json", proof.dump() + "\n"}, {"audit-key.pem", k->cert_pem},
      {"export.json", info.dump() + "\n"}};
  for (const auto& [name, content] : files)
    if (auto r = put(name, content); !r) return remove_tmp(), std::unexpected(r.error());
  if (!fs::create_directory(tmp / "checkpoints", ec)) return remove_tmp(), fail(Errc::StorageFailure, "cannot make checkpoints/");
  int between = 0;
  for (const auto& c : *cps)
    if (c.size > a && c.size < b) {
      if (auto r = put("checkpoints/" + std::to_string(c.size) + ".note", c.note); !r) return remove_tmp(), std::unexpected(r.error());
      ++between;
    }
  fs::rename(tmp, target, ec);
  if (ec) return remove_tmp(), fail(Errc::StorageFailure, "cannot rename the export into " + dir + ": " + ec.message());
  if (int fd = ::open(target.parent_path().empty() ? "." : target.parent_path().c_str(), O_RDONLY | O_DIRECTORY); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  info["dir"] = dir;
  info["checkpointsBetween"] = between;
  info["root"] = to_hex(ByteView(find_cp(b)->root.data(), 32));
  return info;
}

Result<Verdict> verify_export(const std::string& dir, std::string_view trust_pem, std::string_view known_note) {
  auto key = pinned(trust_pem);
  if (!key) return fail(Errc::BadParameter, "--trust: " + key.error().message);
  fs::path d(dir);
  Verdict v;
  v.report = {{"dir", dir}, {"origin", key->origin}, {"verdict", "invalid"}, {"check", nullptr}};
  auto bad = [&](const std::string& check, const std::string& detail) -> Result<Verdict> {
    v.ok = false;
    v.report["check"] = check;
    v.report["detail"] = detail;
    return v;
  };
  auto from_text = read_text(d / "checkpoint-from.note");
  auto to_text = read_text(d / "checkpoint-to.note");
  auto front_text = read_text(d / "frontier.json");
  auto proof_text = read_text(d / "consistency.json");
  auto records = read_text(d / "records.jsonl");
  for (auto* r : {&from_text, &to_text, &front_text, &proof_text, &records})
    if (!*r) return bad("layout", r->error().message);
  auto from = open_note(*from_text, *key);
  if (!from) return bad(from.error().code == Errc::BadParameter ? "layout" : "signature", "checkpoint-from.note: " + from.error().message);
  auto to = open_note(*to_text, *key);
  if (!to) return bad(to.error().code == Errc::BadParameter ? "layout" : "signature", "checkpoint-to.note: " + to.error().message);
  v.report["from"] = from->size;
  v.report["to"] = to->size;
  if (from->size > to->size) return bad("layout", "checkpoint-from is larger than checkpoint-to");

  auto fj = json::parse(*front_text, nullptr, false);
  if (!fj.is_object() || !fj.contains("size") || !fj["size"].is_number_unsigned() || !fj.contains("hashes") ||
      !fj["hashes"].is_array() || fj["size"].get<std::uint64_t>() != from->size)
    return bad("frontier", "frontier.json is malformed or not of the size of checkpoint-from");
  std::vector<Hash> fh;
  for (const auto& h : fj["hashes"]) {
    auto x = h.is_string() ? hash_from_b64(h.get<std::string>()) : fail(Errc::BadParameter, "not a string");
    if (!x) return bad("frontier", "frontier.json: " + x.error().message);
    fh.push_back(*x);
  }
  auto f = merkle::Frontier::of(from->size, fh);
  if (!f) return bad("frontier", f.error().message);
  if (f->root() != from->root) return bad("frontier", "the frontier does not hash to checkpoint-from's root");

  // Intermediate checkpoints narrow a failure to a window.
  std::map<std::uint64_t, Hash> windows;
  if (fs::is_directory(d / "checkpoints"))
    for (const auto& e : fs::directory_iterator(d / "checkpoints")) {
      auto t = read_text(e.path());
      if (!t) return bad("layout", t.error().message);
      auto n = open_note(*t, *key);
      if (!n) return bad(n.error().code == Errc::BadParameter ? "layout" : "signature",
                         e.path().filename().string() + ": " + n.error().message);
      windows[n->size] = n->root;
    }
  std::optional<CheckpointNote> known;
  if (!known_note.empty()) {
    auto n = open_note(known_note, *key);
    if (!n) return bad("signature", "--known: " + n.error().message);
    known = *n;
    if (known->size > to->size)
      return bad("rollback", "the export ends at " + std::to_string(to->size) + " records but you hold a checkpoint of " +
                                 std::to_string(known->size) + ": the log was rolled back");
    if (known->size >= from->size) windows[known->size] = known->root;
  }
  windows.erase(from->size);
  std::uint64_t last_ok = from->size;
  std::istringstream in(*records);
  std::uint64_t seq = from->size;
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) return bad("record-json", "record " + std::to_string(seq) + " is not a JSON object");
    if (j.dump(-1, ' ', false, json::error_handler_t::replace) != line)
      return bad("canonical", "record " + std::to_string(seq) + " is not in canonical form (edited)");
    if (!j.contains("seq") || !j["seq"].is_number_unsigned() || j["seq"].get<std::uint64_t>() != seq)
      return bad("seq", "record at position " + std::to_string(seq) + " carries seq " +
                            (j.contains("seq") ? j["seq"].dump() : std::string("none")) + " (removed, inserted or reordered)");
    f->append(merkle::leaf_hash(as_bytes(line)));
    ++seq;
    if (auto w = windows.find(seq); w != windows.end()) {
      if (f->root() != w->second) {
        if (known && seq == known->size)
          return bad("fork", "the records up to " + std::to_string(seq) + " do not hash to the checkpoint you hold: the log was rewritten");
        return bad("window", "records " + std::to_string(last_ok) + " to " + std::to_string(seq - 1) +
                                 " do not hash to the signed checkpoint of size " + std::to_string(seq));
      }
      last_ok = seq;
    }
  }
  if (seq != to->size)
    return bad("root", "records.jsonl holds " + std::to_string(seq - from->size) + " records, the checkpoints say " +
                           std::to_string(to->size - from->size) + " (truncated or padded)");
  if (f->root() != to->root)
    return bad("root", "records " + std::to_string(last_ok) + " to " + std::to_string(seq ? seq - 1 : 0) +
                           " do not hash to checkpoint-to's root (a record was edited)");
  auto pj = json::parse(*proof_text, nullptr, false);
  if (!pj.is_object() || !pj.contains("proof") || !pj["proof"].is_array() || pj.value("from", UINT64_MAX) != from->size ||
      pj.value("to", UINT64_MAX) != to->size)
    return bad("consistency", "consistency.json is malformed or not between the two checkpoints");
  std::vector<Hash> proof;
  for (const auto& h : pj["proof"]) {
    auto x = h.is_string() ? hash_from_b64(h.get<std::string>()) : fail(Errc::BadParameter, "not a string");
    if (!x) return bad("consistency", x.error().message);
    proof.push_back(*x);
  }
  if (!merkle::verify_consistency(from->size, to->size, from->root, to->root, proof))
    return bad("consistency", "the consistency proof does not show checkpoint-to extending checkpoint-from");
  v.ok = true;
  v.report["verdict"] = "valid";
  v.report["records"] = to->size - from->size;
  v.report["checkpoints"] = windows.size() + 2;
  v.report["root"] = to_hex(ByteView(to->root.data(), 32));
  if (known) v.report["known"] = known->size;
  return v;
}

}  // namespace cv::audit
