// The receiving half of the domain transfer: a custodian decrypts their share on their own token, and the
// target home rebuilds the transfer key from M shares and unwraps the domain into its token
// (docs/domain-transfer.md "Decrypt-share", "Import").
#include <nlohmann/json.hpp>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/domain_rows.hpp"
#include "coldvault/domain_transfer.hpp"
#include "coldvault/shamir.hpp"
#include "coldvault/signer_rows.hpp"
#include "coldvault/trust.hpp"
#include "coldvault/x509.hpp"
#include "vault/home.hpp"
#include "vault/integrity.hpp"
#include "vault/labels.hpp"
#include "vault/transfer_detail.hpp"
#include "vault/trust_detail.hpp"

namespace cv::vault {

namespace {

using nlohmann::json;

#define IMPORT_TRY(expr) \
  if (auto r_ = (expr); !r_) return std::unexpected(r_.error())

// The private key of one of the file's custodians on this token: by label, else by CKA_ID.
struct CustodianKey {
  const TransferCustodian* custodian = nullptr;
  hsm::Handle priv;
};

Result<CustodianKey> find_custodian_key(hsm::Token& token, const TransferFile& f, const std::string& label) {
  std::string names;
  for (const auto& c : f.custodians) names += (names.empty() ? "" : ", ") + c.name + " (" + c.sha256.substr(0, 16) + ")";
  for (const auto& c : f.custodians) {
    auto fields = crypto::certificate_fields(c.cert_der);
    if (!fields) return std::unexpected(fields.error());
    auto pub = crypto::rsa_public_from_spki(fields->spki_der);
    if (!pub) return std::unexpected(pub.error());
    Result<hsm::Handle> h = label.empty() ? token.find_by_id(transfer::custodian_key_id(*pub), "private")
                                          : token.find(label, "private");
    if (!h) {
      if (h.error().code == Errc::NotFound) continue;
      return std::unexpected(h.error());
    }
    auto held = token.rsa_public(*h);
    if (!held) return std::unexpected(held.error());
    if (held->n != pub->n) continue;  // the labelled key is another custodian's: try the next certificate
    return CustodianKey{&c, *h};
  }
  return fail(Errc::NotFound, "token '" + token.label() + "' holds " +
                                  (label.empty() ? std::string("none of") : "under label '" + label + "' none of") +
                                  " this transfer file's custodian keys: " + names);
}

// A share file, parsed and checked against the transfer file. Every refusal names the file.
// Takes the share value (the string member "y") out of a share file's text, leaving `"y":""`, so that the
// value never passes through the JSON parser's own (unwiped) buffers. Base64url has no quote or backslash, so
// the value ends at the next quote. Empty when there is no such member.
SecureString take_share_value(SecureString& text) {
  for (std::size_t at = text.find("\"y\""); at != SecureString::npos; at = text.find("\"y\"", at + 1)) {
    std::size_t p = at + 3;
    auto skip_ws = [&] {
      while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\n' || text[p] == '\r')) ++p;
    };
    skip_ws();
    if (p >= text.size() || text[p] != ':') continue;
    ++p;
    skip_ws();
    if (p >= text.size() || text[p] != '"') continue;
    std::size_t end = text.find('"', p + 1);
    if (end == SecureString::npos) return {};
    SecureString value(text.begin() + static_cast<std::ptrdiff_t>(p + 1), text.begin() + static_cast<std::ptrdiff_t>(end));
    text.erase(p + 1, end - p - 1);
    return value;
  }
  return {};
}

}  // namespace

Result<shamir::Share> transfer::read_share_file(const ShareInput& in, const TransferFile& f) {
  auto bad = [&](const std::string& why) { return fail(Errc::BadParameter, "share " + in.name + ": " + why); };
  SecureString text = in.text;
  SecureString y_text = take_share_value(text);
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON share file (truncated?)");
  auto str = [&](const char* k) -> std::string {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (str("format") != transfer::kShareFormat) return bad(std::string("format is not ") + transfer::kShareFormat);
  if (str("transfer_id") != f.transfer_id)
    return bad("belongs to transfer " + str("transfer_id").substr(0, 40) + ", not " + f.transfer_id);
  auto xi = j.find("x");
  if (xi == j.end() || !xi->is_number_unsigned() || xi->get<std::uint64_t>() < 1 ||
      xi->get<std::uint64_t>() > f.custodians.size())
    return bad("its share number is not one of this file's 1.." + std::to_string(f.custodians.size()));
  unsigned x = static_cast<unsigned>(xi->get<std::uint64_t>());
  const auto& c = f.custodians[x - 1];
  if (str("custodian_sha256") != c.sha256)
    return bad("share " + std::to_string(x) + " is custodian " + c.name + "'s (" + c.sha256.substr(0, 16) +
               "), but the share file names certificate " + str("custodian_sha256").substr(0, 16));
  if (str("file_signer_sha256") != f.signer_sha256)
    return bad("was decrypted from a file signed by " + str("file_signer_sha256").substr(0, 16) + ", not by " +
               f.signer_sha256.substr(0, 16));
  if (y_text.empty()) return bad("has no share value");
  auto y = base64url_decode(y_text);
  if (!y || y->size() != transfer::kKeyBytes) return bad("its share value is not 32 bytes of base64url");
  SecureBytes ys(y->begin(), y->end());
  secure_wipe(y->data(), y->size());
  if (transfer::share_hash(f.transfer_id_bytes, x, ByteView(ys.data(), ys.size())) != c.share_sha256)
    return bad("share " + std::to_string(x) + " (custodian " + c.name +
               ") does not match its hash in the transfer file: a wrong or forged share");
  return shamir::Share{static_cast<std::uint8_t>(x), std::move(ys)};
}

namespace transfer {

// Rebuilds K_t from the shares (each checked, no two of one custodian) and checks the commitment.
Result<SecureBytes> rebuild_key(const TransferFile& f, const std::vector<ShareInput>& inputs,
                                std::vector<unsigned>& used) {
  std::vector<shamir::Share> shares;
  std::vector<std::string> from;
  for (const auto& in : inputs) {
    auto s = transfer::read_share_file(in, f);
    if (!s) return std::unexpected(s.error());
    for (std::size_t i = 0; i < shares.size(); ++i)
      if (shares[i].x == s->x)
        return fail(Errc::BadParameter, "share " + in.name + " repeats share " + std::to_string(s->x) + " (custodian " +
                                            f.custodians[s->x - 1].name + ") already given by " + from[i]);
    from.push_back(in.name);
    used.push_back(s->x);
    shares.push_back(std::move(*s));
  }
  if (shares.size() < f.required)
    return fail(Errc::BadParameter, "transfer " + f.transfer_id + " needs " + std::to_string(f.required) + " of its " +
                                        std::to_string(f.shares) + " shares; " + std::to_string(shares.size()) +
                                        " given");
  auto kt = shamir::combine(shares);
  if (!kt) return std::unexpected(kt.error());
  if (kt->size() != transfer::kKeyBytes ||
      !crypto::equal_ct(transfer::commitment(ByteView(kt->data(), kt->size()), f.transfer_id), f.kek_commitment))
    return fail(Errc::Corruption, "the shares of transfer " + f.transfer_id +
                                      " pass their hashes but do not rebuild the committed transfer key: the file is inconsistent");
  return kt;
}

// Until the catalogue has committed, an import's objects carry labels unique to this home
// ("coldvault-import-<join id>-domain", "...-sign-<vault>"), so what an interrupted import left is never confused
// with another home's keys on a shared token, whichever transfer file the next run is given.
std::string pending_prefix(const HomeConfig& c) { return "coldvault-import-" + c.join_id + "-"; }

// The final label of a pending one ("" for a label that is not this home's pending label).
std::string final_label(const std::string& label, const std::string& prefix, const std::string& kid) {
  if (label.rfind(prefix, 0) != 0) return "";
  std::string rest = label.substr(prefix.size());
  if (rest == "domain") return domain_label(kid);
  if (rest.rfind("sign-", 0) == 0) return signing_label(rest.substr(5));
  if (rest.rfind("master-", 0) == 0) return master_label(rest.substr(7));
  if (rest == "audit") return kAuditLabel;
  return "";
}

Result<void> destroy_all(hsm::Token& t, const std::string& label, const char* cls) {
  auto found = t.find_all(label, cls);
  if (!found) return std::unexpected(found.error());
  for (auto h : *found)
    if (auto r = t.destroy(h); !r) return r;
  return {};
}

// Every label on the token carrying this home's pending prefix.
Result<std::vector<std::string>> pending_labels(hsm::Token& t, const std::string& prefix) {
  auto labels = t.object_labels();
  if (!labels) return std::unexpected(labels.error());
  std::vector<std::string> out;
  for (const auto& l : *labels)
    if (l.rfind(prefix, 0) == 0 && std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  return out;
}

// Removes what an interrupted import into this home left (objects under its pending labels, of any transfer),
// and an integrity key of the domain that no domain key of any home accompanies (a home holding the domain, even
// one whose own import is unfinished, always has a private key with CKA_ID = the kid).
Result<void> remove_leftovers(hsm::Token& t, const std::string& prefix, const std::string& kid) {
  auto pending = pending_labels(t, prefix);
  if (!pending) return std::unexpected(pending.error());
  for (const auto& l : *pending)
    for (const char* cls : {"private", "public", "secret"})
      if (auto r = destroy_all(t, l, cls); !r) return r;
  auto domain = t.find_by_id(to_bytes(kid), "private");
  if (domain || domain.error().code == Errc::Conflict) return {};  // some home holds the domain: its key stays
  if (domain.error().code != Errc::NotFound) return std::unexpected(domain.error());
  return destroy_all(t, integrity_label(kid), "secret");
}

// Another home on this token that holds the domain (committed or not) or a vault signing key of the same name:
// refused, never touched.
Result<void> refuse_taken_labels(hsm::Token& t, const TransferFile& f) {
  auto taken = [&](const std::string& what) {
    return fail(Errc::Conflict, "token '" + t.label() + "' already holds " + what +
                                    " (another home uses this token); import into a token without it");
  };
  if (auto d = t.find_by_id(to_bytes(f.domain_kid), "private"); d || d.error().code == Errc::Conflict)
    return taken("a key of security domain " + f.domain_kid);
  std::vector<std::string> finals = {domain_label(f.domain_kid), integrity_label(f.domain_kid)};
  for (const auto& s : f.signers)
    if (s.wrapped) finals.push_back(signing_label(s.vault));
  for (const auto& label : finals)
    for (const char* cls : {"private", "secret"}) {
      auto found = t.find_all(label, cls);
      if (!found) return std::unexpected(found.error());
      if (!found->empty()) return taken("a key labelled '" + label + "'");
    }
  return {};
}

// After the commit: this home's pending labels become the final ones.
Result<void> finish_labels(hsm::Token& t, const std::string& prefix, const std::string& kid) {
  auto pending = pending_labels(t, prefix);
  if (!pending) return std::unexpected(pending.error());
  for (const auto& l : *pending) {
    std::string final_name = final_label(l, prefix, kid);
    if (final_name.empty()) continue;
    for (const char* cls : {"private", "public", "secret"}) {
      auto found = t.find_all(l, cls);
      if (!found) return std::unexpected(found.error());
      for (auto h : *found)
        if (auto r = t.set_label(h, final_name); !r) return r;
    }
  }
  return {};
}

// A wrapped key of the file that does not open under the rebuilt transfer key is the file's fault (SoftHSM
// reports RFC 5649's failed integrity check as CKR_GENERAL_ERROR): Corruption naming it. A token that is gone or
// refuses the template keeps its own error.
std::unexpected<Error> unwrap_refused(const Error& e, const std::string& what, const TransferFile& f) {
  if (hsm::input_rejected(e))
    return std::unexpected(Error{Errc::Corruption,
                                 what + " in transfer file " + f.transfer_id + " does not unwrap: " + e.message,
                                 e.native, {}, {}});
  return std::unexpected(e);
}

Result<TransferKey> TransferKey::import(hsm::Token& t, SecureBytes& kt) {
  auto h = t.import_transfer_key(kt);
  secure_wipe(kt.data(), kt.size());
  if (!h) return std::unexpected(h.error());
  return TransferKey(t, *h);
}

Result<hsm::KeyPair> unwrap_file_domain_key(hsm::Token& t, hsm::Handle kek, const TransferFile& f,
                                            const std::string& label, MadeObjects& made) {
  auto pub = crypto::rsa_public_from_spki(f.domain_spki);
  if (!pub) return std::unexpected(pub.error());
  auto domain = t.unwrap_domain_key(kek, f.domain_wrapped, *pub, label, to_bytes(f.domain_kid));
  if (!domain) return unwrap_refused(domain.error(), "the domain key", f);
  made.add(domain->pub);
  made.add(domain->priv);
  auto held = t.rsa_public(domain->priv);
  if (!held) return std::unexpected(held.error());
  if (held->n != pub->n) return fail(Errc::Corruption, "the unwrapped domain key's modulus differs from the file's public key");
  return domain;
}

// Proves an unwrapped signing key is the certificate's: a signature over a fresh digest checks out.
Result<void> prove_signer(hsm::Token& t, hsm::Handle priv, ByteView cert_der, const std::string& what) {
  auto challenge = t.random(32);
  if (!challenge) return std::unexpected(challenge.error());
  auto sig = t.sign(hsm::Mech::Ecdsa, priv, crypto::sha256(*challenge));
  if (!sig) return std::unexpected(sig.error());
  auto ok = crypto::verify_es256(cert_der, *challenge, *sig);
  if (!ok) return std::unexpected(ok.error());
  if (!*ok) return fail(Errc::Corruption, "the transferred " + what + " does not match its certificate");
  return {};
}

}  // namespace transfer

using namespace transfer;

Result<DecryptedShare> decrypt_share(hsm::Token& token, const TransferFile& f, const std::string& label) {
  if (auto r = token.require(hsm::Mech::RsaOaepSha1); !r) return std::unexpected(r.error());
  auto key = find_custodian_key(token, f, label);
  if (!key) return std::unexpected(key.error());
  const auto& c = *key->custodian;
  auto plain = token.decrypt(hsm::Mech::RsaOaepSha1, key->priv, c.share_ciphertext);
  if (!plain)
    return fail(plain.error().code == Errc::Corruption ? Errc::BadParameter : plain.error().code,
                "share " + std::to_string(c.x) + " of transfer " + f.transfer_id + " does not decrypt with custodian " +
                    c.name + "'s key: " + plain.error().message);
  auto s = transfer::parse_share_plaintext(ByteView(plain->data(), plain->size()), "share " + std::to_string(c.x));
  if (!s) return std::unexpected(s.error());
  ByteView y(s->y.data(), s->y.size());
  if (s->id16 != f.transfer_id_bytes || s->x != c.x || s->y.size() != transfer::kKeyBytes ||
      transfer::share_hash(f.transfer_id_bytes, c.x, y) != c.share_sha256)
    return fail(Errc::BadParameter, "share " + std::to_string(c.x) + " in transfer file " + f.transfer_id +
                                        " is not the share made for it (moved from another transfer or forged)");
  DecryptedShare out;
  out.transfer_id = f.transfer_id;
  out.custodian_name = c.name;
  out.custodian_sha256 = c.sha256;
  out.file_signer_sha256 = f.signer_sha256;
  out.domain_kid = f.domain_kid;
  out.x = c.x;
  out.expires = f.expires;
  std::string yb = base64url_encode(y);
  out.file_text = SecureString(std::string_view(
      "{\"format\":\"" + std::string(transfer::kShareFormat) + "\",\"transfer_id\":\"" + f.transfer_id +
      "\",\"x\":" + std::to_string(c.x) + ",\"custodian_sha256\":\"" + c.sha256 + "\",\"file_signer_sha256\":\"" +
      f.signer_sha256 + "\",\"y\":\""));
  out.file_text.append(yb);
  out.file_text.append("\"}\n");
  secure_wipe(yb.data(), yb.size());
  return out;
}

Result<ImportReport> import_domain(Service& svc, std::string_view file_text, const std::vector<ShareInput>& shares,
                                   const ImportOptions& o) {
  // Expiry is checked below, once it is clear that this is not the finishing of a committed import (which
  // uses no secret and must work with any file of the domain, expired or not).
  auto f = read_transfer_file(file_text, std::nullopt);
  if (!f) return std::unexpected(f.error());
  auto cfg = load_config(svc.home());
  if (!cfg) return std::unexpected(cfg.error());
  if (cfg->join_id.empty()) {
    // A home made before `init --join` kept an id, or by a plain `init`: give it one now, so that its pending
    // labels are its own on a token other homes share.
    auto id = svc.token().random(8);
    if (!id) return std::unexpected(id.error());
    cfg->join_id = to_hex(*id);
    if (auto r = save_config(svc.home(), *cfg); !r) return std::unexpected(r.error());
  }
  const std::string prefix = pending_prefix(*cfg);
  if (!o.signer_sha256.empty() && lower(o.signer_sha256) != f->signer_sha256)
    return fail(Errc::BadParameter, "transfer file: signed by certificate " + f->signer_sha256 +
                                        ", not by the pinned " + lower(o.signer_sha256));
  auto& t = svc.token();
  ImportReport rep;
  rep.transfer_id = f->transfer_id;
  rep.domain_kid = f->domain_kid;
  rep.signer_sha256 = f->signer_sha256;
  rep.token_label = t.label();
  auto serial = t.serial();
  if (!serial) return std::unexpected(serial.error());
  rep.token_serial = *serial;

  // The catalogue already knows the domain: either an earlier import into this home committed but died before
  // config.json (finish it), or the catalogue is shared with the domain's other tokens (join it).
  auto known = svc.catalog().domain(f->domain_kid);
  if (!known && known.error().code != Errc::NotFound) return std::unexpected(known.error());
  if (svc.domain_kid().empty() && known) {
    auto ours = committed_by_this_home(svc, *f, *cfg);
    if (!ours) return std::unexpected(ours.error());
    if (!*ours) {
      if (auto r = join_shared_catalogue(svc, *f, shares, *cfg, false, rep); !r) return std::unexpected(r.error());
      return rep;
    }
    if (auto r = finish_labels(t, prefix, f->domain_kid); !r) return std::unexpected(r.error());
    auto kp = svc.domain_key(f->domain_kid);
    if (!kp) return std::unexpected(kp.error());
    auto held = t.rsa_public(kp->priv);
    auto want = crypto::rsa_public_from_spki(known->public_key_spki);
    if (!held || !want || held->n != want->n)
      return fail(Errc::Corruption, "the catalogue knows domain " + f->domain_kid + " but the token's key does not match it");
    cfg->domain_kid = f->domain_kid;
    if (auto r = save_config(svc.home(), *cfg); !r) return std::unexpected(r.error());
    svc.set_domain_kid(f->domain_kid);
    rep.resumed = true;
    return rep;
  }
  if (!svc.domain_kid().empty()) {
    if (svc.domain_kid() == f->domain_kid) {
      if (!svc.catalogue_shared() || !f->catalogue_keys)
        return fail(Errc::Conflict, "this home already holds security domain " + f->domain_kid);
      // The keys of vaults made since this token joined (a shared catalogue), if the file has any it lacks.
      if (auto r = join_shared_catalogue(svc, *f, shares, *cfg, true, rep); !r) return std::unexpected(r.error());
      return rep;
    }
    return fail(Errc::Conflict, "this home holds security domain " + svc.domain_kid() +
                                    "; import into a home made with `coldvault init --join`");
  }
  if (auto r = transfer::check_not_expired(*f, Service::now()); !r) return std::unexpected(r.error());
  for (auto m : {hsm::Mech::RsaOaepSha1, hsm::Mech::AesKeyWrapPad, hsm::Mech::AesGcm, hsm::Mech::Ecdsa})
    if (auto r = t.require(m); !r) return std::unexpected(r.error());

  auto kt = rebuild_key(*f, shares, rep.shares_used);
  if (!kt) return std::unexpected(kt.error());

  if (auto r = remove_leftovers(t, prefix, f->domain_kid); !r) return std::unexpected(r.error());
  if (auto r = refuse_taken_labels(t, *f); !r) return std::unexpected(r.error());
  MadeObjects made(t);
  auto kek = TransferKey::import(t, *kt);
  if (!kek) return std::unexpected(kek.error());
  if (auto d = unwrap_file_domain_key(t, kek->handle(), *f, prefix + "domain", made); !d)
    return std::unexpected(d.error());

  for (const auto& s : f->signers) {
    if (!s.wrapped) {
      rep.signers_trusted_only.push_back(s.vault);
      continue;
    }
    auto ec = crypto::certificate_ec_public(s.cert_der);
    if (!ec) return std::unexpected(ec.error());
    auto kp = t.unwrap_signing_key(kek->handle(), *s.wrapped, *ec, prefix + "sign-" + lower(s.vault));
    if (!kp) return unwrap_refused(kp.error(), "the signing key of vault '" + s.vault + "'", *f);
    made.add(kp->pub);
    made.add(kp->priv);
    if (auto r = prove_signer(t, kp->priv, s.cert_der, "signing key of vault '" + s.vault + "'"); !r)
      return std::unexpected(r.error());
    rep.signers_imported.push_back(s.vault);
  }

  test_kill_point("domain-import-unwrapped");
  // The integrity key, then one transaction for everything the catalogue learns.
  svc.set_domain_kid(f->domain_kid);
  auto integrity = svc.integrity();
  if (!integrity) {
    svc.set_domain_kid("");
    return std::unexpected(integrity.error());
  }
  auto commit = [&]() -> Result<void> {
    auto batch = svc.catalog().begin_batch();
    if (!batch) return std::unexpected(batch.error());
    // One domain per catalogue: a home over a shared catalogue (init --join --catalog) takes only its domain.
    auto domains = svc.catalog().domains();
    if (!domains) return std::unexpected(domains.error());
    for (const auto& d : *domains)
      if (d.kid != f->domain_kid)
        return fail(Errc::Conflict, "the catalogue holds security domain " + d.kid + ", not " + f->domain_kid +
                                        ": a home over it can take only that domain; nothing was imported");
    IMPORT_TRY(svc.catalog().add_domain({f->domain_kid, f->domain_spki, f->created}));
    for (const auto& s : f->signers) {
      auto r = add_vault_signer_row(svc, s.cert_der, s.vault);
      if (!r && r.error().code != Errc::Conflict) return r;
    }
    for (const auto& tok : f->tokens)
      IMPORT_TRY(store::add_domain_event(svc.catalog(), {tok.joined, f->domain_kid, "member", tok.transfer_id, tok.label,
                                                     tok.serial, ""}));
    std::int64_t now = Service::now();
    IMPORT_TRY(store::add_domain_event(svc.catalog(), {now, f->domain_kid, "member", f->transfer_id, t.label(), *serial, ""}));
    json detail = {{"source_token", f->source_token_label},
                   {"source_serial", f->source_token_serial},
                   {"signer_sha256", f->signer_sha256},
                   {"shares", rep.shares_used},
                   {"join_id", cfg->join_id}};
    IMPORT_TRY(store::add_domain_event(svc.catalog(), {now, f->domain_kid, "import", f->transfer_id, t.label(), *serial,
                                                   detail.dump()}));
    return batch->commit();
  };
  if (auto r = commit(); !r) {
    made.add((*integrity)->key());
    svc.set_domain_kid("");
    return std::unexpected(r.error());
  }
  made.keep();
  test_kill_point("domain-import-committed");
  // Killed from here on, the next import finds the committed domain and finishes these two steps.
  if (auto r = finish_labels(t, prefix, f->domain_kid); !r) return std::unexpected(r.error());
  cfg->domain_kid = f->domain_kid;
  if (auto r = save_config(svc.home(), *cfg); !r) return std::unexpected(r.error());
  return rep;
}

Result<DomainMembers> domain_members(Service& svc) {
  if (svc.domain_kid().empty()) return fail(Errc::NotFound, "this home holds no security domain yet");
  auto events = store::domain_events(svc.catalog(), svc.domain_kid());
  if (!events) return std::unexpected(events.error());
  auto serial = svc.token().serial();
  if (!serial) return std::unexpected(serial.error());
  DomainMembers out;
  bool self = false;
  for (const auto& e : *events) {
    if (e.event == "member") {
      bool mine = e.token_serial == *serial && e.token_label == svc.token().label();
      bool dup = false;
      for (const auto& k : out.tokens) dup = dup || (k.serial == e.token_serial && k.label == e.token_label);
      if (dup) continue;
      self = self || mine;
      out.tokens.push_back(DomainToken{e.token_label, e.token_serial, e.transfer_id, e.time, mine});
    } else {
      out.transfers.push_back(DomainTransferEvent{e.time, e.event, e.transfer_id, e.detail});
    }
  }
  if (!self) {
    auto d = svc.catalog().domain(svc.domain_kid());
    if (!d) return std::unexpected(d.error());
    out.tokens.insert(out.tokens.begin(), DomainToken{svc.token().label(), *serial, "", d->created, true});
  }
  return out;
}

}  // namespace cv::vault
