// A token joining a catalogue that already holds its domain: several `coldvault serve` nodes over one PostgreSQL
// catalogue, each with its own token (docs/deployment.md "Adding a node", docs/domain-transfer.md "Joining a
// shared catalogue"). The transfer file's catalogue keys (the vaults' master keys, the integrity and audit keys)
// come into this token; each is checked against what the catalogue already holds, and the catalogue learns only
// that this token is a member.
#include <nlohmann/json.hpp>

#include "coldvault/audit_log.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/domain_rows.hpp"
#include "coldvault/domain_transfer.hpp"
#include "coldvault/trust.hpp"
#include "coldvault/x509.hpp"
#include "vault/home.hpp"
#include "vault/integrity.hpp"
#include "vault/labels.hpp"
#include "vault/transfer_detail.hpp"
#include "vault/trust_detail.hpp"

namespace cv::vault::transfer {

namespace {

using nlohmann::json;

// One vault of the catalogue whose keys this import brings: the file vouches for it with the same signing
// certificate the catalogue's row holds.
struct PlannedVault {
  std::string name;
  const TransferSigner* signer = nullptr;
  const TransferRootKey* master = nullptr;
  bool replaces = false;  // the token holds an earlier vault's keys under this name: they go once committed
};

struct Plan {
  std::vector<PlannedVault> vaults;
  std::vector<UnreadableVault> unreadable;  // live vaults this token will still lack the keys of, with why
};

Result<bool> holds(hsm::Token& t, const std::string& label, const char* cls) {
  auto found = t.find_all(label, cls);
  if (!found) return std::unexpected(found.error());
  return !found->empty();
}

// Which live vaults of the catalogue the file's keys open. A vault whose row names another signing certificate
// than the file's (deleted and made again since the export, or not in the file) is left out and reported.
Result<Plan> plan_vaults(Service& svc, const TransferFile& f, bool have_domain) {
  auto vaults = svc.catalog().vaults();
  if (!vaults) return std::unexpected(vaults.error());
  Plan plan;
  for (const auto& v : *vaults) {
    if (v.domain_kid != f.domain_kid) continue;
    bool replaces = false;
    if (have_domain) {
      auto master = holds(svc.token(), master_label(v.name), "secret");
      if (!master) return std::unexpected(master.error());
      if (*master) {
        // This token reads it already, unless its keys are an earlier vault's of that name (purged through
        // another token and made again): then this vault's keys replace them.
        auto pub = svc.token().find(signing_label(v.name), "public");
        if (!pub && pub.error().code != Errc::NotFound) return std::unexpected(pub.error());
        auto same = pub ? signing_key_matches(svc.token(), *pub, v.signer_cert_pem) : Result<bool>(false);
        if (!same) return std::unexpected(same.error());
        if (*same) continue;
        replaces = true;
      }
    }
    auto der = crypto::certificate_der_from_pem(v.signer_cert_pem);
    if (!der) return std::unexpected(der.error());
    PlannedVault p{v.name, nullptr, nullptr, replaces};
    for (const auto& s : f.signers)
      if (lower(s.vault) == lower(v.name) && s.cert_der == *der) p.signer = &s;
    for (const auto& m : f.catalogue_keys->masters)
      if (lower(m.vault) == lower(v.name)) p.master = &m;
    if (!p.signer) {
      plan.unreadable.push_back({v.name, "not in this transfer file: made after it, or made again since"});
    } else if (!p.master || !p.master->wrapped || !p.signer->wrapped) {
      plan.unreadable.push_back({v.name, "the transfer file carries its certificate only: its keys were made before "
                                         "they could be transferred, or the exporting token does not hold them"});
    } else {
      plan.vaults.push_back(p);
    }
  }
  return plan;
}

// What must hold before anything is made: the file carries the catalogue's keys and they are the catalogue's.
Result<void> check_file_fits(Service& svc, const TransferFile& f, bool have_domain, const store::AuditState& audit) {
  const std::string id = "transfer file " + f.transfer_id;
  if (!f.catalogue_keys)
    return fail(Errc::BadParameter, id + " carries no catalogue keys, and this catalogue already holds domain " +
                                         f.domain_kid + ": export the file with `domain export --with-catalogue-keys` "
                                         "at a node of this catalogue to join it");
  if (!f.catalogue_keys->integrity)
    return fail(Errc::Unsupported, "the source's integrity key was made before it could be transferred, so token '" +
                                       svc.token().label() + "' cannot check that the file is this catalogue's; a "
                                       "node needs a token holding copies of the same keys (docs/deployment.md)");
  if (have_domain) return {};
  auto known = svc.catalog().domain(f.domain_kid);
  if (!known) return std::unexpected(known.error());
  if (known->public_key_spki != f.domain_spki)
    return fail(Errc::Conflict, id + " carries another public key for domain " + f.domain_kid +
                                    " than the catalogue holds; nothing was imported");
  if (!audit.cert_pem.empty()) {
    auto der = crypto::certificate_der_from_pem(audit.cert_pem);
    if (!der) return std::unexpected(der.error());
    const auto& a = f.catalogue_keys->audit;
    if (!a || a->cert_der != *der)
      return fail(Errc::Conflict, id + " does not carry the audit key whose certificate the catalogue holds "
                                       "(exported before the audit key was made, or from another catalogue)");
    if (!a->wrapped)
      return fail(Errc::Unsupported, "the source's audit key was made before it could be transferred, so token '" +
                                         svc.token().label() + "' could not sign this catalogue's audit checkpoints");
  }
  return {};
}

// Refuses labels another home on this token already uses; this home's own leftovers were removed before.
Result<void> refuse_taken(hsm::Token& t, const TransferFile& f, const Plan& plan, bool have_domain, bool audit) {
  std::vector<std::pair<std::string, const char*>> finals;
  if (!have_domain) {
    if (auto d = t.find_by_id(to_bytes(f.domain_kid), "private"); d || d.error().code == Errc::Conflict)
      return fail(Errc::Conflict, "token '" + t.label() + "' already holds a key of security domain " + f.domain_kid +
                                      " (another home uses this token); import into a token without it");
    finals = {{domain_label(f.domain_kid), "private"}, {integrity_label(f.domain_kid), "secret"}};
  }
  if (audit) finals.emplace_back(kAuditLabel, "private");
  for (const auto& v : plan.vaults) {
    if (v.replaces) continue;  // this home's own stale keys, replaced after the commit
    finals.emplace_back(master_label(v.name), "secret");
    finals.emplace_back(signing_label(v.name), "private");
  }
  for (const auto& [label, cls] : finals) {
    auto taken = holds(t, label, cls);
    if (!taken) return std::unexpected(taken.error());
    if (*taken)
      return fail(Errc::Conflict, "token '" + t.label() + "' already holds a key labelled '" + label +
                                      "' (another home uses this token); import into a token without it");
  }
  return {};
}

// The file's integrity key authenticates this catalogue's signer registry (at least one row): the file comes from
// a token of this catalogue, so its vault keys are this catalogue's (not those of another home of the domain
// that took over the same signing certificates).
Result<void> check_integrity_key(Service& svc, hsm::Handle key, const TransferFile& f) {
  Integrity with(svc.token(), key);
  auto n = check_registry_with(svc, f.domain_kid, with);
  if (!n && n.error().code != Errc::Corruption) return std::unexpected(n.error());
  if (!n || n->empty())
    return fail(Errc::Corruption, "the integrity key in transfer file " + f.transfer_id +
                                      " does not authenticate this catalogue's signer registry" +
                                      (n ? std::string(" (which is empty)") : ": " + n.error().message) +
                                      ": the file comes from another catalogue of the domain; nothing was imported");
  return {};
}

// Whether the catalogue records an import of `transfer_id` by this home (its join id).
Result<bool> import_recorded(Service& svc, const std::string& kid, const std::string& join_id,
                             const std::string& transfer_id) {
  auto events = store::domain_events(svc.catalog(), kid);
  if (!events) return std::unexpected(events.error());
  for (const auto& e : *events) {
    if (e.event != "import" || (!transfer_id.empty() && e.transfer_id != transfer_id)) continue;
    json d = json::parse(e.detail, nullptr, false);
    if (d.is_object() && d.value("join_id", "") == join_id) return true;
  }
  return false;
}

}  // namespace

Result<bool> committed_by_this_home(Service& svc, const TransferFile& f, const HomeConfig& cfg) {
  auto ours = import_recorded(svc, f.domain_kid, cfg.join_id, "");
  if (!ours || *ours) return ours;
  auto events = store::domain_events(svc.catalog(), f.domain_kid);
  if (!events) return std::unexpected(events.error());
  auto serial = svc.token().serial();
  if (!serial) return std::unexpected(serial.error());
  for (const auto& e : *events) {
    if (e.event != "import") continue;
    json d = json::parse(e.detail, nullptr, false);
    if (d.is_object() && d.contains("join_id")) continue;  // another home's (ours was looked for above)
    // An import committed before import events named their home: this token's, with its pending domain key.
    if (e.token_serial == *serial && e.token_label == svc.token().label()) {
      auto pending = holds(svc.token(), pending_prefix(cfg) + "domain", "private");
      if (!pending) return std::unexpected(pending.error());
      if (*pending) return true;
    }
  }
  return false;
}

Result<void> join_shared_catalogue(Service& svc, const TransferFile& f, const std::vector<ShareInput>& shares,
                                   HomeConfig& cfg, bool have_domain, ImportReport& rep) {
  auto& t = svc.token();
  const std::string prefix = pending_prefix(cfg);
  rep.shared_catalogue = true;
  if (auto r = check_not_expired(f, Service::now()); !r) return r;
  for (auto m : {hsm::Mech::AesKeyWrapPad, hsm::Mech::AesGcm, hsm::Mech::Ecdsa})
    if (auto r = t.require(m); !r) return r;
  auto audit = store::audit_state(svc.catalog());
  if (!audit) return std::unexpected(audit.error());
  if (auto r = check_file_fits(svc, f, have_domain, *audit); !r) return r;
  auto plan = plan_vaults(svc, f, have_domain);
  if (!plan) return std::unexpected(plan.error());
  rep.vaults_unreadable = plan->unreadable;
  const bool with_audit = !have_domain && !audit->cert_pem.empty();

  auto kt = rebuild_key(f, shares, rep.shares_used);
  if (!kt) return std::unexpected(kt.error());
  if (auto r = remove_leftovers(t, prefix, f.domain_kid); !r) return r;
  if (auto r = refuse_taken(t, f, *plan, have_domain, with_audit); !r) return r;
  MadeObjects made(t);
  auto transfer_key = TransferKey::import(t, *kt);
  if (!transfer_key) return std::unexpected(transfer_key.error());
  const hsm::Handle kek = transfer_key->handle();

  if (have_domain) {
    // A home holding the domain: the file's integrity key, as a session object, must be this catalogue's.
    auto ik = t.unwrap(hsm::Mech::AesKeyWrapPad, kek, *f.catalogue_keys->integrity, hsm::KeyType::Aes,
                       hsm::KeyUsage{.decrypt = true});
    if (!ik) return unwrap_refused(ik.error(), "the integrity key", f);
    auto checked = check_integrity_key(svc, *ik, f);
    (void)t.destroy(*ik);
    if (!checked) return checked;
    if (plan->vaults.empty())
      return fail(Errc::Conflict, "this home already holds security domain " + f.domain_kid +
                                      " and transfer file " + f.transfer_id + " carries no vault keys it lacks");
  } else if (auto d = unwrap_file_domain_key(t, kek, f, prefix + "domain", made); !d) {
    return std::unexpected(d.error());
  }
  for (const auto& v : plan->vaults) {
    auto ec = crypto::certificate_ec_public(v.signer->cert_der);
    if (!ec) return std::unexpected(ec.error());
    const std::string what = "signing key of vault '" + v.name + "'";
    auto kp = t.unwrap_signing_key(kek, *v.signer->wrapped, *ec, prefix + "sign-" + lower(v.name));
    if (!kp) return unwrap_refused(kp.error(), "the " + what, f);
    made.add(kp->pub);
    made.add(kp->priv);
    if (auto r = prove_signer(t, kp->priv, v.signer->cert_der, what); !r) return r;
    auto master = t.unwrap_master_key(kek, *v.master->wrapped, prefix + "master-" + lower(v.name));
    if (!master) return unwrap_refused(master.error(), "the master key of vault '" + v.name + "'", f);
    made.add(*master);
    rep.signers_imported.push_back(v.name);
    rep.masters_imported.push_back(v.name);
  }
  if (with_audit) {
    const auto& a = *f.catalogue_keys->audit;
    auto ec = crypto::certificate_ec_public(a.cert_der);
    if (!ec) return std::unexpected(ec.error());
    auto kp = t.unwrap_signing_key(kek, *a.wrapped, *ec, prefix + "audit");
    if (!kp) return unwrap_refused(kp.error(), "the audit key", f);
    made.add(kp->pub);
    made.add(kp->priv);
    if (auto r = prove_signer(t, kp->priv, a.cert_der, "audit key"); !r) return r;
  }
  if (!have_domain) {
    // The integrity key under its final label (as a first import makes it): the catalogue's signer registry,
    // sealed by the source, must check out with it, or this is not the catalogue's key.
    auto ik = t.unwrap_master_key(kek, *f.catalogue_keys->integrity, integrity_label(f.domain_kid));
    if (!ik) return unwrap_refused(ik.error(), "the integrity key", f);
    made.add(*ik);
    if (auto r = check_integrity_key(svc, *ik, f); !r) return r;
    svc.set_domain_kid(f.domain_kid);
  }
  test_kill_point("domain-import-unwrapped");

  auto serial = t.serial();
  if (!serial) return std::unexpected(serial.error());
  auto commit = [&]() -> Result<void> {
    auto batch = svc.catalog().begin_batch();
    if (!batch) return std::unexpected(batch.error());
    std::int64_t now = Service::now();
    if (!have_domain)
      if (auto r = store::add_domain_event(svc.catalog(), {now, f.domain_kid, "member", f.transfer_id, t.label(), *serial, ""}); !r)
        return r;
    json detail = {{"source_token", f.source_token_label}, {"source_serial", f.source_token_serial},
                   {"signer_sha256", f.signer_sha256},     {"shares", rep.shares_used},
                   {"join_id", cfg.join_id},               {"shared_catalogue", true},
                   {"vaults", rep.masters_imported}};
    if (auto r = store::add_domain_event(svc.catalog(), {now, f.domain_kid, "import", f.transfer_id, t.label(), *serial,
                                                         detail.dump()});
        !r)
      return r;
    return batch->commit();
  };
  if (auto r = commit(); !r) {
    // A commit whose answer was lost may have been stored: then the keys are the catalogue's and stay.
    auto stored = import_recorded(svc, f.domain_kid, cfg.join_id, f.transfer_id);
    if (!stored || !*stored) {
      if (!have_domain) {
        svc.forget_token_handles();
        svc.set_domain_kid("");
      }
      return r;
    }
  }
  made.keep();
  test_kill_point("domain-import-committed");
  // Killed from here on, the next import finds this home's committed import and finishes these steps (or, for
  // a home that held the domain, imports the keys again: its pending objects are removed first).
  for (const auto& v : plan->vaults) {
    if (!v.replaces) continue;
    const std::pair<std::string, const char*> stale[] = {
        {master_label(v.name), "secret"}, {signing_label(v.name), "private"}, {signing_label(v.name), "public"}};
    for (const auto& [label, cls] : stale)
      if (auto r = destroy_all(t, label, cls); !r) return r;
  }
  if (auto r = finish_labels(t, prefix, f.domain_kid); !r) return r;
  for (const auto& v : plan->vaults) svc.forget_vault(v.name);
  if (have_domain) return {};
  cfg.domain_kid = f.domain_kid;
  return save_config(svc.home(), cfg);
}

}  // namespace cv::vault::transfer
