// `domain export`: wraps the domain key (and the vaults' signing keys) under a transfer key the SO marks
// trusted, splits that key M-of-N among custodians and signs the file (docs/domain-transfer.md "Export").
#include <algorithm>
#include <nlohmann/json.hpp>

#include "coldvault/audit.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/domain_rows.hpp"
#include "coldvault/domain_transfer.hpp"
#include "coldvault/shamir.hpp"
#include "coldvault/x509.hpp"
#include "vault/home.hpp"
#include "vault/integrity.hpp"
#include "vault/labels.hpp"
#include "vault/transfer_detail.hpp"

namespace cv::vault {

namespace {

using nlohmann::json;

Result<void> check_options(const ExportOptions& o) {
  const auto n = o.custodians.size();
  if (n < 3 || n > 10) return fail(Errc::BadParameter, "a transfer needs 3 to 10 custodians, not " + std::to_string(n));
  if (o.quorum < 2 || o.quorum > n)
    return fail(Errc::BadParameter, "the quorum must be 2 to " + std::to_string(n) + ", not " + std::to_string(o.quorum));
  if (o.valid_days < 1 || o.valid_days > 90)
    return fail(Errc::BadParameter, "--valid-days must be 1 to 90, not " + std::to_string(o.valid_days));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (o.custodians[i].sha256 == o.custodians[j].sha256)
        return fail(Errc::BadParameter, "custodian certificate " + o.custodians[i].sha256 + " is given twice");
  return {};
}

// Whether this token lacks a live vault's keys (a shared catalogue's vault made through another node): such a
// vault is listed with its certificate and nothing wrapped, as one whose keys cannot move.
bool keys_elsewhere(const Result<const VaultKeys*>& vk) {
  return !vk && vk.error().inner == kVaultKeysNotInToken;
}

// The named vault, or the oldest live vault whose keys this token holds.
Result<store::VaultRow> signing_vault(Service& svc, const std::string& name) {
  if (!name.empty()) return svc.catalog().vault(name);
  auto all = svc.catalog().vaults();
  if (!all) return std::unexpected(all.error());
  std::sort(all->begin(), all->end(), [](const auto& a, const auto& b) { return a.created < b.created; });
  for (const auto& v : *all) {
    auto vk = svc.vault(v.name);
    if (vk) return v;
    if (!keys_elsewhere(vk)) return std::unexpected(vk.error());
  }
  return fail(Errc::NotFound, "the home has no live vault whose keys this token holds to sign the transfer file");
}

// Every M-subset of the shares rebuilds `kt` (at most C(10,5) = 252 subsets).
Result<void> check_every_subset(const std::vector<shamir::Share>& shares, unsigned m, ByteView kt) {
  const unsigned n = static_cast<unsigned>(shares.size());
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<unsigned>(__builtin_popcount(mask)) != m) continue;
    std::vector<shamir::Share> subset;
    for (unsigned i = 0; i < n; ++i)
      if (mask & (1u << i)) subset.push_back(shares[i]);
    auto k = shamir::combine(subset);
    if (!k) return std::unexpected(k.error());
    if (!crypto::equal_ct(ByteView(k->data(), k->size()), kt))
      return fail(Errc::Internal, "a quorum of shares does not rebuild the transfer key");
  }
  return {};
}

// Wraps the domain key under the trusted transfer key and proves the wrap opens again to the same modulus.
Result<Bytes> wrap_domain_key(hsm::Token& t, hsm::Handle kt, const hsm::KeyPair& domain) {
  auto wrapped = t.wrap(hsm::Mech::AesKeyWrapPad, kt, domain.priv);
  if (!wrapped) return std::unexpected(wrapped.error());
  auto copy = t.unwrap(hsm::Mech::AesKeyWrapPad, kt, *wrapped, hsm::KeyType::Rsa, hsm::KeyUsage{.unwrap = true});
  if (!copy) return std::unexpected(copy.error());
  auto a = t.rsa_public(*copy);
  (void)t.destroy(*copy);
  auto b = t.rsa_public(domain.pub);
  if (!a) return std::unexpected(a.error());
  if (!b) return std::unexpected(b.error());
  if (a->n != b->n) return fail(Errc::HsmFailure, "the wrapped domain key does not unwrap to the domain key");
  return wrapped;
}

// `key` wrapped under the transfer key as a "wrapped" value: null (and `moved` false) for a key made before
// it could be transferred (not extractable).
Result<json> wrapped_or_null(hsm::Token& t, hsm::Handle kt, hsm::Handle key, bool& moved) {
  auto w = t.wrap(hsm::Mech::AesKeyWrapPad, kt, key);
  moved = bool(w);
  if (w) return json(base64url_encode(*w));
  if (w.error().code == Errc::Forbidden) return json(nullptr);
  return std::unexpected(w.error());
}

// "catalogue_keys": the keys another token needs to read and write the same catalogue (a node joining a
// shared PostgreSQL catalogue): every live vault's master key, the integrity key, the audit key.
Result<json> wrap_catalogue_keys(Service& svc, hsm::Handle kt, const std::vector<store::VaultRow>& vaults,
                                 const std::string& audit_cert_pem, ExportReport& rep) {
  auto& t = svc.token();
  json masters = json::array();
  for (const auto& v : vaults) {
    auto vk = svc.vault(v.name);
    if (keys_elsewhere(vk)) {
      rep.masters_not_moved.push_back(v.name);
      masters.push_back(json{{"vault", v.name}, {"wrapped", nullptr}});
      continue;
    }
    if (!vk) return std::unexpected(vk.error());
    bool moved = false;
    auto w = wrapped_or_null(t, kt, (*vk)->master, moved);
    if (!w) return std::unexpected(w.error());
    (moved ? rep.masters_moved : rep.masters_not_moved).push_back(v.name);
    masters.push_back(json{{"vault", v.name}, {"wrapped", std::move(*w)}});
  }
  auto integrity = svc.integrity();
  if (!integrity) return std::unexpected(integrity.error());
  auto wi = wrapped_or_null(t, kt, (*integrity)->key(), rep.integrity_moved);
  if (!wi) return std::unexpected(wi.error());
  json audit = nullptr;
  if (!audit_cert_pem.empty()) {
    auto der = crypto::certificate_der_from_pem(audit_cert_pem);
    if (!der) return std::unexpected(der.error());
    auto priv = t.find(kAuditLabel, "private");
    if (!priv) return std::unexpected(priv.error());
    auto wa = wrapped_or_null(t, kt, *priv, rep.audit_moved);
    if (!wa) return std::unexpected(wa.error());
    audit = json{{"cert", base64_encode(*der)}, {"wrapped", std::move(*wa)}};
  }
  json out = json::object();
  out["integrity"] = std::move(*wi);
  out["audit"] = std::move(audit);
  out["masters"] = std::move(masters);
  return out;
}

}  // namespace

Result<ExportReport> export_domain(Service& svc, const ExportOptions& o) {
  if (svc.domain_kid().empty()) return fail(Errc::NotFound, "this home holds no security domain yet");
  if (auto r = check_options(o); !r) return std::unexpected(r.error());
  auto& t = svc.token();
  for (auto m : {hsm::Mech::AesKeyWrapPad, hsm::Mech::Ecdsa})
    if (auto r = t.require(m); !r) return std::unexpected(r.error());
  if (o.catalogue_keys && !svc.catalogue_shared())
    return fail(Errc::BadParameter, "--with-catalogue-keys is for a home over a shared PostgreSQL catalogue; this "
                                    "home's catalogue is its own SQLite file, whose keys never leave the token");
  // The audit key exists before the file is made (it is made on first use), so that the file carries it.
  auto audit_key = audit::key(svc);
  if (!audit_key) return std::unexpected(audit_key.error());
  // The SO step first: its logout may invalidate every handle to a private object found before it.
  auto random = t.random(transfer::kKeyBytes);
  if (!random) return std::unexpected(random.error());
  SecureBytes kt(random->begin(), random->end());
  secure_wipe(random->data(), random->size());
  auto kt_handle = t.create_trusted_transfer_key(kt, o.so_pin, o.user_pin);
  svc.forget_token_handles();  // the user was logged out and in again, whatever the SO step's outcome
  if (!kt_handle) return std::unexpected(kt_handle.error());
  struct DropKt {
    hsm::Token& t;
    hsm::Handle h;
    bool done = false;
    void now() {
      if (!done) (void)t.destroy(h);
      done = true;
    }
    ~DropKt() { now(); }
  } drop_kt{t, *kt_handle};
  auto vault = signing_vault(svc, o.vault);
  if (!vault) return std::unexpected(vault.error());
  auto keys = svc.vault(vault->name);
  if (!keys) return std::unexpected(keys.error());
  auto signer_der = crypto::certificate_der_from_pem((*keys)->row.signer_cert_pem);
  if (!signer_der) return std::unexpected(signer_der.error());
  auto domain = svc.domain_key(svc.domain_kid());
  if (!domain) return std::unexpected(domain.error());
  auto domain_row = svc.catalog().domain(svc.domain_kid());
  if (!domain_row) return std::unexpected(domain_row.error());
  auto serial = t.serial();
  if (!serial) return std::unexpected(serial.error());

  ExportReport rep;
  auto id = new_uuid(t);
  if (!id) return std::unexpected(id.error());
  rep.transfer_id = *id;
  auto id16 = transfer::uuid_bytes(*id);
  if (!id16) return std::unexpected(id16.error());
  rep.domain_kid = svc.domain_kid();
  rep.vault = vault->name;
  rep.signer_sha256 = to_hex(crypto::sha256(*signer_der));
  rep.created = Service::now();
  rep.expires = rep.created + std::int64_t{o.valid_days} * 86400;
  rep.required = o.quorum;

  // Wrap everything that moves, then the transfer key leaves the token for good.
  auto wrapped_domain = wrap_domain_key(t, *kt_handle, *domain);
  json signers = json::array();
  json catalogue_keys;
  auto vaults = svc.catalog().vaults();
  if (wrapped_domain) {
    if (!vaults) wrapped_domain = std::unexpected(vaults.error());
    for (const auto& v : vaults ? *vaults : std::vector<store::VaultRow>{}) {
      auto vk = svc.vault(v.name);
      auto der = crypto::certificate_der_from_pem(v.signer_cert_pem);
      if (keys_elsewhere(vk) && der) {
        rep.signers_not_moved.push_back(v.name);
        signers.push_back(json{{"vault", v.name}, {"cert", base64_encode(*der)}, {"wrapped", nullptr}});
        continue;
      }
      if (!vk || !der) {
        wrapped_domain = std::unexpected(!vk ? vk.error() : der.error());
        break;
      }
      auto w = t.wrap(hsm::Mech::AesKeyWrapPad, *kt_handle, (*vk)->signer.priv);
      json entry = {{"vault", v.name}, {"cert", base64_encode(*der)}, {"wrapped", nullptr}};
      if (w) {
        entry["wrapped"] = base64url_encode(*w);
        rep.signers_moved.push_back(v.name);
      } else if (w.error().code == Errc::Forbidden) {
        // A signing key made before domain transfer existed is not extractable: its certificate still goes.
        rep.signers_not_moved.push_back(v.name);
      } else {
        wrapped_domain = std::unexpected(w.error());
        break;
      }
      signers.push_back(std::move(entry));
    }
  }
  if (wrapped_domain && o.catalogue_keys) {
    auto keys = wrap_catalogue_keys(svc, *kt_handle, *vaults, audit_key->cert_pem, rep);
    if (keys) catalogue_keys = std::move(*keys);
    else wrapped_domain = std::unexpected(keys.error());
  }
  drop_kt.now();
  if (!wrapped_domain) return std::unexpected(wrapped_domain.error());

  auto shares = shamir::split(ByteView(kt.data(), kt.size()), o.quorum, static_cast<unsigned>(o.custodians.size()));
  if (!shares) return std::unexpected(shares.error());
  if (auto r = check_every_subset(*shares, o.quorum, ByteView(kt.data(), kt.size())); !r) return std::unexpected(r.error());
  json custodians = json::array();
  for (std::size_t i = 0; i < shares->size(); ++i) {
    const auto& c = o.custodians[i];
    const auto& s = (*shares)[i];
    auto der = crypto::certificate_der_from_pem(c.pem);
    if (!der) return std::unexpected(der.error());
    auto fields = crypto::certificate_fields(*der);
    if (!fields) return std::unexpected(fields.error());
    auto pub = crypto::rsa_public_from_spki(fields->spki_der);
    if (!pub) return std::unexpected(pub.error());
    ByteView y(s.y.data(), s.y.size());
    auto plain = transfer::share_plaintext(*id16, s.x, y);
    auto ct = crypto::rsa_encrypt_oaep(*pub, Hash::Sha1, ByteView(plain.data(), plain.size()));
    if (!ct) return std::unexpected(ct.error());
    custodians.push_back(json{{"x", s.x},
                          {"name", c.name},
                          {"sha256", c.sha256},
                          {"cert", base64_encode(*der)},
                          {"share", base64url_encode(*ct)},
                          {"share_sha256", transfer::share_hash(*id16, s.x, y)}});
    rep.shares.push_back(ExportedShare{s.x, c.name, c.sha256});
  }
  Bytes commitment = transfer::commitment(ByteView(kt.data(), kt.size()), *id);
  secure_wipe(kt.data(), kt.size());

  // The tokens this home knows hold the domain; this one is the origin when nothing says otherwise.
  auto events = store::domain_events(svc.catalog(), svc.domain_kid());
  if (!events) return std::unexpected(events.error());
  json tokens = json::array();
  bool self_listed = false;
  for (const auto& e : *events) {
    if (e.event != "member") continue;
    self_listed = self_listed || (e.token_serial == *serial && e.token_label == t.label());
    tokens.push_back(json{{"label", e.token_label}, {"serial", e.token_serial}, {"joined", e.time}, {"transfer_id", e.transfer_id}});
  }
  store::DomainEvent self{domain_row->created, svc.domain_kid(), "member", "", t.label(), *serial, ""};
  if (!self_listed)
    tokens.push_back(json{{"label", self.token_label}, {"serial", self.token_serial}, {"joined", self.time}, {"transfer_id", ""}});

  auto spki = crypto::rsa_public_from_spki(domain_row->public_key_spki);
  if (!spki) return std::unexpected(spki.error());
  json payload = {{"format", transfer::kFileFormat},
                  {"transfer_id", *id},
                  {"created", rep.created},
                  {"expires", rep.expires},
                  {"source", {{"domain_kid", svc.domain_kid()}, {"token_label", t.label()}, {"token_serial", *serial}, {"vault", vault->name}}},
                  {"quorum", {{"scheme", transfer::kScheme}, {"required", o.quorum}, {"shares", o.custodians.size()}}},
                  {"kek_commitment", base64url_encode(commitment)},
                  {"custodians", std::move(custodians)},
                  {"domain", {{"kid", svc.domain_kid()}, {"spki", base64_encode(domain_row->public_key_spki)},
                              {"mech", "CKM_AES_KEY_WRAP_PAD"}, {"wrapped", base64url_encode(*wrapped_domain)}}},
                  {"signers", std::move(signers)},
                  {"tokens", std::move(tokens)}};
  if (o.catalogue_keys) payload["catalogue_keys"] = std::move(catalogue_keys);
  auto text = transfer::sign_transfer_file(payload, *signer_der, [&](ByteView digest) {
    return t.sign(hsm::Mech::Ecdsa, (*keys)->signer.priv, digest);
  });
  if (!text) return std::unexpected(text.error());
  rep.file_text = std::move(*text);

  // The registry, this token's membership and the export itself, in one transaction.
  json detail = {{"required", o.quorum}, {"expires", rep.expires}, {"signer_sha256", rep.signer_sha256},
                 {"custodians", json::array()}};
  for (const auto& s : rep.shares) detail["custodians"].push_back(json{{"x", s.x}, {"name", s.name}, {"sha256", s.sha256}});
  auto batch = svc.catalog().begin_batch();
  if (!batch) return std::unexpected(batch.error());
  if (auto r = register_custodians(svc, o.custodians); !r) return std::unexpected(r.error());
  if (!self_listed)
    if (auto r = store::add_domain_event(svc.catalog(), self); !r) return std::unexpected(r.error());
  store::DomainEvent ev{rep.created, svc.domain_kid(), "export", *id, t.label(), *serial, detail.dump()};
  if (auto r = store::add_domain_event(svc.catalog(), ev); !r) return std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  return rep;
}

}  // namespace cv::vault
