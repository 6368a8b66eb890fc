// Views of vaults and the domain for front doors (coldvault/vault_info.hpp).
#include "coldvault/vault_info.hpp"

#include "coldvault/crypto.hpp"
#include "vault/domain_gate.hpp"
#include "vault/vault_info_detail.hpp"

namespace cv::vault {

VaultInfo info_of(const store::VaultRow& v) {
  VaultInfo out{v.name,    v.base_url,        v.domain_kid, v.retention_days, v.purge_protection,
                v.created, v.signer_cert_pem, std::nullopt, v.deleted_date,   v.scheduled_purge};
  if (auto c = crypto::inspect_certificate(v.signer_cert_pem))
    out.signer = SignerInfo{c->subject, c->not_before, c->not_after, c->sha256_fingerprint};
  return out;
}

Result<VaultInfo> create_vault(Service& svc, const VaultOptions& v) {
  auto row = svc.create_vault(v);
  if (!row) return std::unexpected(row.error());
  return info_of(*row);
}

Result<std::vector<VaultInfo>> list_vaults(Service& svc) {
  auto rows = svc.catalog().vaults();
  if (!rows) return std::unexpected(rows.error());
  std::vector<VaultInfo> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(info_of(r));
  return out;
}

Result<VaultInfo> vault_info(Service& svc, const std::string& name) {
  auto row = svc.catalog().vault(name);
  if (!row) return std::unexpected(row.error());
  return info_of(*row);
}

Result<DomainInfo> domain_info(Service& svc) {
  if (svc.domain_kid().empty())
    return fail(Errc::NotFound, "this home holds no security domain yet: run `coldvault domain import` first");
  if (auto made = domain_gate::await(svc.domain_kid()); !made) return std::unexpected(made.error());
  auto d = svc.catalog().domain(svc.domain_kid());
  if (!d) return std::unexpected(d.error());
  return DomainInfo{d->kid, d->created, crypto::pem_encode("PUBLIC KEY", d->public_key_spki),
                    svc.token().label()};
}

}  // namespace cv::vault
