// BYOK export (docs/keys.md, "BYOK"): a key of this vault as the .byok file Key Vault's import takes.
// Import is Keys::import_byok (keys.hpp).
#pragma once

#include <string>
#include <string_view>

#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// The .byok JSON text for version `version` (empty = current) of key `name`, wrapped for the KEK whose public
// key is kek_pem (an RSA "PUBLIC KEY" PEM, 2048-4096 bits) and whose versioned identifier is kek_kid (written
// to header.kid as given). Everything happens inside the token: the key is unwrapped from the catalogue into an
// extractable session object, wrapped (CKM_AES_KEY_WRAP_PAD) under a fresh session AES-256 key, which is wrapped
// (CKM_RSA_PKCS_OAEP, SHA-1) under the KEK imported as a session public key; all three objects are destroyed.
// NotFound for an unknown key; BadParameter for a PEM that is not an RSA public key or an empty kid; Forbidden
// for a disabled key. The caller writes the text with the atomic writer.
Result<std::string> export_byok(Service& svc, const std::string& vault, const std::string& name,
                                const std::string& version, std::string_view kek_pem, const std::string& kek_kid);

}  // namespace cv::vault
