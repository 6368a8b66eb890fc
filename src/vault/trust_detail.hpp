// Private to src/vault: registry writes made by the Service itself.
#pragma once

#include "coldvault/catalog.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// Lists a new vault's signing certificate (kind "vault"). Call inside the vault's own transaction.
Result<void> register_vault_signer(Service& svc, const store::VaultRow& v);
// The one-time adoption of a home made before rows were authenticated: lists every vault's signer and
// seals every key row, in one transaction.
Result<void> adopt_rows(Service& svc);

}  // namespace cv::vault
