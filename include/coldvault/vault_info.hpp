// Vaults and the security domain as front doors show them (`vault create|list|show`, `domain show`,
// the server's start-up): plain views, so the CLI and server never read catalogue rows or parse
// certificates themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// The vault's signing certificate, decoded.
struct SignerInfo {
  std::string subject;
  std::string not_before, not_after;  // ISO-8601 UTC
  std::string sha256;                 // fingerprint of the DER, lower-case hex
};

struct VaultInfo {
  std::string name;
  std::string base_url;  // "https://<name>.vault.localhost"
  std::string domain_kid;
  int retention_days = 90;
  bool purge_protection = false;
  std::int64_t created = 0;
  std::string signer_cert_pem;
  std::optional<SignerInfo> signer;  // absent when the PEM cannot be decoded
  std::optional<std::int64_t> deleted_date;     // soft-deleted vaults only (vault_lifecycle.hpp)
  std::optional<std::int64_t> scheduled_purge;
};

struct DomainInfo {
  std::string kid;
  std::int64_t created = 0;
  std::string public_key_pem;  // the RSA-3072 domain key, SubjectPublicKeyInfo PEM
  std::string token_label;
};

// Service::create_vault, as a view. Conflict if the vault exists.
Result<VaultInfo> create_vault(Service& svc, const VaultOptions& v);
// Every vault of the home, in the catalogue's order.
Result<std::vector<VaultInfo>> list_vaults(Service& svc);
// NotFound if no such vault.
Result<VaultInfo> vault_info(Service& svc, const std::string& name);
// The home's security domain (svc.domain_kid()).
Result<DomainInfo> domain_info(Service& svc);

}  // namespace cv::vault
