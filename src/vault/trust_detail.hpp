// Private to src/vault: registry writes made by the Service itself.
#pragma once

#include <optional>

#include "coldvault/catalog.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// Lists a new vault's signing certificate (kind "vault"). Call inside the vault's own transaction.
Result<void> register_vault_signer(Service& svc, const store::VaultRow& v);
// Lists a vault signing certificate (kind "vault") by its DER: a vault's own, or one a domain import
// brought from the source. Conflict when already listed.
Result<void> add_vault_signer_row(Service& svc, ByteView cert_der, const std::string& vault);
// A vault signing key a domain import put in the token for `vault` (label coldvault-sign-<vault>) whose
// certificate the registry lists as that vault's: `vault create` takes it over. nullopt when the token has
// no such key; Conflict when it has one the registry does not vouch for.
struct ImportedSigner {
  hsm::KeyPair keys;
  std::string cert_pem;
};
Result<std::optional<ImportedSigner>> imported_signer(Service& svc, const std::string& vault);
// The one-time adoption of a home made before rows were authenticated: lists every vault's signer and
// seals every key row, in one transaction.
Result<void> adopt_rows(Service& svc);

}  // namespace cv::vault
