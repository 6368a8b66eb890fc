// Key material of a key version: how it is wrapped for the catalogue and unwrapped for use.
//
// VersionRow.ciphertext of a key is its private (RSA, EC: PKCS#8 as the token wraps it) or secret (oct)
// key, wrapped inside the token under the vault master key with CKM_AES_KEY_WRAP_PAD (RFC 5649 in
// SoftHSM), no IV. Unwrapping lands it in a *session* object of the token: the material never exists in
// clear outside the token. Backup code calls these too (re-wrapping for a blob), so keep the signatures.
#pragma once

#include "coldvault/catalog.hpp"
#include "coldvault/hsm.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// A session object holding the key of version v, usage per key_usage_of. The caller destroys it.
// extractable = true only for backup re-wrapping; operations use non-extractable objects.
// Corruption when the row's meta_json is malformed or the wrapped bytes do not unwrap.
Result<hsm::Handle> unwrap_stored_key(Service& svc, const VaultKeys& vk, const store::VersionRow& v,
                                      bool extractable);
// The wrapped bytes of `key` (which must be extractable) for VersionRow.ciphertext.
Result<Bytes> wrap_for_store(Service& svc, const VaultKeys& vk, hsm::Handle key);

// The token key type of a version: Rsa, Ec or Aes (oct); Aes for a malformed meta_json (its unwrap then
// fails with Corruption in unwrap_stored_key, which checks the meta first).
hsm::KeyType key_type_of(const store::VersionRow& v);
// Every usage the key's type supports (key_ops are enforced above the token, so a set-attributes that
// widens key_ops needs no new object): RSA decrypt+sign+unwrap, EC sign, oct encrypt+decrypt+wrap+unwrap.
hsm::KeyUsage key_usage_of(const store::VersionRow& v, bool extractable);

// Restore's check that a key version's described public parts (meta_json) belong to the material now in
// the token as `key` (RSA: modulus and exponent; EC: a signature over a fresh digest verifies with the
// described point; oct has none). BadParameter when they do not: a blob whose meta lies is refused.
Result<void> check_material_matches(Service& svc, hsm::Handle key, const store::VersionRow& v);

// A non-extractable session object for version v of vault|name, from the Service's KeyCache, unwrapped
// on a miss. The cache owns the handle: do not destroy it.
Result<hsm::Handle> cached_key(Service& svc, const VaultKeys& vk, const std::string& name,
                               const store::VersionRow& v);
// The same oct key version unwrapped as a CKK_GENERIC_SECRET that can only sign and verify: PKCS#11 HMAC
// mechanisms take a generic secret, not an AES key. The same bytes, never outside the token; cached beside
// the AES object under the same name prefix, so a delete or purge evicts both.
Result<hsm::Handle> cached_hmac_key(Service& svc, const VaultKeys& vk, const std::string& name,
                                    const store::VersionRow& v);

}  // namespace cv::vault
