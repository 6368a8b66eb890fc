// Private to src/vault: registry writes made by the Service itself.
#pragma once

#include <optional>

#include "coldvault/catalog.hpp"
#include "coldvault/signer_rows.hpp"
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
// Checks every signer registry row of domain `kid` against `key` (an integrity key that may not be this home's
// own yet: a joining token's) and its own certificate. The rows; Corruption at the first that fails.
Result<std::vector<store::SignerRow>> check_registry_with(Service& svc, const std::string& kid, Integrity& key);
// Whether the token's signing public key `pub` is the one of the certificate `cert_pem` (a vault row's). false:
// the token holds the keys of an earlier vault of that name (purged through another token of a shared
// catalogue and made again since).
Result<bool> signing_key_matches(hsm::Token& t, hsm::Handle pub, const std::string& cert_pem);

}  // namespace cv::vault
