// The domain's signer registry (coldvault/trust.hpp): rows in the catalogue, each authenticated by the
// home's integrity key; the one place restore asks whether a blob's signer is trusted.
#include "coldvault/trust.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "coldvault/crypto.hpp"
#include "coldvault/signer_rows.hpp"
#include "vault/integrity.hpp"
#include "vault/labels.hpp"
#include "vault/trust_detail.hpp"

namespace cv::vault {
namespace {

std::string binding(const store::SignerRow& r) {
  return nlohmann::json{"coldvault-signer-v1", r.domain_kid, to_hex(crypto::sha256(r.cert_der)), r.subject,
                        r.kind, r.label, r.ca, r.added}
      .dump();
}

Result<store::SignerRow> make_row(Service& svc, ByteView der, const std::string& kind, const std::string& label) {
  auto pem = crypto::certificate_pem_from_der(der);
  if (!pem) return std::unexpected(pem.error());
  auto info = crypto::inspect_certificate(*pem);
  if (!info) return std::unexpected(info.error());
  store::SignerRow r;
  r.domain_kid = svc.domain_kid();
  r.sha256 = info->sha256_fingerprint;
  r.cert_der.assign(der.begin(), der.end());
  r.subject = info->subject;
  r.kind = kind;
  r.label = label;
  r.ca = kind == "operator" && info->ca;
  r.added = Service::now();
  auto integrity = svc.integrity();
  if (!integrity) return std::unexpected(integrity.error());
  auto auth = (*integrity)->seal(binding(r));
  if (!auth) return std::unexpected(auth.error());
  r.auth = std::move(*auth);
  return r;
}

// Rows come from make_row (which parsed the DER) or checked_rows (DER authenticated by the integrity key
// and its own digest, parsed when it was made), so it is armoured without being parsed again: every
// restore asks for its anchor.
TrustedSigner entry_of(const store::SignerRow& r) {
  return TrustedSigner{r.sha256, r.subject, r.kind, r.label, r.ca, r.added,
                       crypto::pem_encode("CERTIFICATE", r.cert_der)};
}

}  // namespace

namespace {

// One row, checked against the integrity key and its own certificate.
Result<void> check_row(const store::SignerRow& r, Integrity& key) {
  std::string what = "signer registry entry " + r.sha256;
  if (auto ok = key.check(binding(r), r.auth, what); !ok) return std::unexpected(ok.error());
  if (to_hex(crypto::sha256(r.cert_der)) != r.sha256)
    return fail(Errc::Corruption, what + " names another certificate than it holds");
  return {};
}

}  // namespace

Result<std::vector<store::SignerRow>> check_registry_with(Service& svc, const std::string& kid, Integrity& key) {
  auto rows = store::signers(svc.catalog(), kid);
  if (!rows) return std::unexpected(rows.error());
  for (const auto& r : *rows)
    if (auto ok = check_row(r, key); !ok) return std::unexpected(ok.error());
  return rows;
}

namespace {

// Every row, each checked against the home's integrity key and its own certificate.
Result<std::vector<store::SignerRow>> checked_rows(Service& svc) {
  auto integrity = svc.integrity();
  if (!integrity) return std::unexpected(integrity.error());
  return check_registry_with(svc, svc.domain_kid(), **integrity);
}

}  // namespace

Result<void> register_vault_signer(Service& svc, const store::VaultRow& v) {
  auto der = crypto::certificate_der_from_pem(v.signer_cert_pem);
  if (!der) return std::unexpected(der.error());
  return add_vault_signer_row(svc, *der, v.name);
}

Result<void> add_vault_signer_row(Service& svc, ByteView cert_der, const std::string& vault) {
  auto row = make_row(svc, cert_der, "vault", vault);
  if (!row) return std::unexpected(row.error());
  return store::add_signer(svc.catalog(), *row);
}

Result<std::optional<ImportedSigner>> imported_signer(Service& svc, const std::string& vault) {
  auto& t = svc.token();
  auto priv = t.find(signing_label(vault), "private");
  if (!priv) {
    if (priv.error().code == Errc::NotFound) return std::nullopt;
    return std::unexpected(priv.error());
  }
  auto pub = t.find(signing_label(vault), "public");
  if (!pub) return std::unexpected(pub.error());
  auto held = t.ec_public(*pub);
  if (!held) return std::unexpected(held.error());
  auto rows = checked_rows(svc);
  if (!rows) return std::unexpected(rows.error());
  for (const auto& r : *rows) {
    if (r.kind != "vault" || lower(r.label) != lower(vault)) continue;
    auto ec = crypto::certificate_ec_public(r.cert_der);
    if (ec && ec->point == held->point)
      return ImportedSigner{hsm::KeyPair{*pub, *priv}, crypto::pem_encode("CERTIFICATE", r.cert_der)};
  }
  return fail(Errc::Conflict, "the token already holds a signing key labelled '" + signing_label(vault) +
                                  "' that no registry entry of vault '" + vault + "' vouches for");
}

Result<bool> signing_key_matches(hsm::Token& t, hsm::Handle pub, const std::string& cert_pem) {
  auto held = t.ec_public(pub);
  if (!held) return std::unexpected(held.error());
  auto der = crypto::certificate_der_from_pem(cert_pem);
  if (!der) return std::unexpected(der.error());
  auto ec = crypto::certificate_ec_public(*der);
  if (!ec) return std::unexpected(ec.error());
  return ec->point == held->point;
}

Result<void> adopt_rows(Service& svc) {
  auto batch = svc.catalog().begin_batch();
  if (!batch) return std::unexpected(batch.error());
  auto listed = store::signers(svc.catalog(), svc.domain_kid());
  if (!listed) return std::unexpected(listed.error());
  if (!listed->empty())
    return fail(Errc::Corruption, "the signer registry has entries but the token has no integrity key for them");
  auto vaults = svc.catalog().vaults();
  if (!vaults) return std::unexpected(vaults.error());
  for (const auto& v : *vaults)
    if (v.domain_kid == svc.domain_kid())
      if (auto r = register_vault_signer(svc, v); !r) return std::unexpected(r.error());
  if (auto r = svc.catalog().seal_unsealed_rows(); !r) return std::unexpected(r.error());
  return batch->commit();
}

Result<std::vector<TrustedSigner>> trusted_signers(Service& svc) {
  auto rows = checked_rows(svc);
  if (!rows) return std::unexpected(rows.error());
  std::vector<TrustedSigner> out;
  for (const auto& r : *rows) out.push_back(entry_of(r));
  return out;
}

Result<TrustedSigner> trust_add(Service& svc, std::string_view pem, const std::string& label) {
  auto der = crypto::certificate_der_from_pem(pem);
  if (!der) return std::unexpected(der.error());
  if (auto rows = checked_rows(svc); !rows) return std::unexpected(rows.error());
  auto row = make_row(svc, *der, "operator", label);
  if (!row) return std::unexpected(row.error());
  if (auto r = store::add_signer(svc.catalog(), *row); !r) return std::unexpected(r.error());
  return entry_of(*row);
}

Result<TrustedSigner> trust_remove(Service& svc, const std::string& sha256) {
  auto rows = checked_rows(svc);
  if (!rows) return std::unexpected(rows.error());
  std::string want;
  for (char c : sha256) want.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (want.size() < 8) return fail(Errc::BadParameter, "give at least 8 hex characters of the certificate's SHA-256");
  const store::SignerRow* found = nullptr;
  for (const auto& r : *rows)
    if (r.sha256.starts_with(want)) {
      if (found) return fail(Errc::BadParameter, "'" + sha256 + "' names several trusted certificates");
      found = &r;
    }
  if (!found) return fail(Errc::NotFound, "certificate " + sha256 + " is not trusted by this domain");
  // A vault's own certificate stays while the vault exists (live or soft-deleted); once it is purged
  // the operator may drop it (its old blobs then stop restoring).
  auto owner = svc.catalog().vault(found->label);
  if (!owner) owner = svc.catalog().deleted_vault(found->label);
  bool owner_exists = owner && certificate_sha256(owner->signer_cert_pem).value_or("") == found->sha256;
  if (found->kind == "vault" && owner_exists)
    return fail(Errc::Forbidden, "certificate " + found->sha256 + " is the signing certificate of vault '" +
                                     found->label + "' and is trusted as long as the vault exists");
  if (auto r = store::remove_signer(svc.catalog(), svc.domain_kid(), found->sha256); !r)
    return std::unexpected(r.error());
  return entry_of(*found);
}

Result<std::string> certificate_sha256(std::string_view pem) {
  auto der = crypto::certificate_der_from_pem(pem);
  if (!der) return std::unexpected(der.error());
  return to_hex(crypto::sha256(*der));
}

// Only the entry the answer rests on goes to the token (ADR 0027): the leaf's own entry, else the CA entry
// that issued the chain, checked before it is trusted. An entry that is altered but not relied on changes no
// answer (it grants nothing, and `domain trust list` still reports it), and a restore costs one integrity
// check, not one per vault the domain ever had.
Result<TrustedSigner> trusted_anchor(Service& svc, const std::vector<Bytes>& chain) {
  if (chain.empty()) return fail(Errc::BadParameter, "malformed backup blob: x5c is empty");
  auto rows = store::signers(svc.catalog(), svc.domain_kid());
  if (!rows) return std::unexpected(rows.error());
  auto relied_on = [&](const store::SignerRow& r) -> Result<TrustedSigner> {
    auto integrity = svc.integrity();
    if (!integrity) return std::unexpected(integrity.error());
    if (auto ok = check_row(r, **integrity); !ok) return std::unexpected(ok.error());
    return entry_of(r);
  };
  const std::string leaf = to_hex(crypto::sha256(chain[0]));
  for (const auto& r : *rows)
    if (r.sha256 == leaf) return relied_on(r);
  for (const auto& r : *rows) {
    if (!r.ca) continue;
    auto anchor = crypto::certificate_pem_from_der(r.cert_der);
    if (!anchor) continue;
    auto v = crypto::verify_chain(chain, *anchor);
    if (v && v->chain_ok) return relied_on(r);
  }
  std::string subject = "(unreadable)";
  if (auto pem = crypto::certificate_pem_from_der(chain[0]))
    if (auto info = crypto::inspect_certificate(*pem)) subject = info->subject;
  return fail(Errc::BadParameter, "backup blob signer is not trusted by security domain " + svc.domain_kid() +
                                      ": certificate SHA-256 " + leaf + ", subject \"" + subject +
                                      "\"; if you trust it, add it with `coldvault domain trust add --cert FILE`");
}

}  // namespace cv::vault
