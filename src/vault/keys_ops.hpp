// Key operations per key kind (private to src/vault). Keys::encrypt & co. (keys_ops.cpp) load the
// version, enforce key_ops/enabled/nbf/exp and the algorithm's fit, then call one of these.
//
// Where each step runs (docs/keys.md): every private- or secret-key step in the token, on a cached
// session object; RSA public-key encryption and all verification in software over the stored public
// parts (nothing secret involved); padding outside the token only where the token lacks the mechanism
// (OAEP with SHA-256, and OAEP/PKCS#1 signing fallbacks over CKM_RSA_X_509).
#pragma once

#include "coldvault/crypto.hpp"
#include "vault/keys_common.hpp"

namespace cv::vault::keys_detail {

// RSA-OAEP, RSA-OAEP-256, RSA1_5. Encrypt with the public parts; decrypt in the token.
Result<KeyOpResult> rsa_encrypt(const LoadedKey& k, const std::string& alg, ByteView plaintext);
Result<KeyOpResult> rsa_decrypt(Service& svc, const LoadedKey& k, const std::string& alg, ByteView ciphertext);
// RS*, PS* on a digest of the alg's hash length.
Result<KeyOpResult> rsa_sign(Service& svc, const LoadedKey& k, crypto::SigAlg alg, ByteView digest);
// ES* on a digest; the curve must be the alg's; r||s out.
Result<KeyOpResult> ec_sign(Service& svc, const LoadedKey& k, crypto::SigAlg alg, ByteView digest);
// A*GCM with the oct key, tag 16 bytes. Encrypt: `iv` must be empty (BadParameter otherwise, before
// any token call); the token draws 12 random bytes and the result carries them. Decrypt: the caller's
// 12-byte iv.
Result<KeyOpResult> aes_gcm_encrypt(Service& svc, const LoadedKey& k, ByteView plaintext, ByteView iv, ByteView aad);
Result<KeyOpResult> aes_gcm_decrypt(Service& svc, const LoadedKey& k, ByteView ciphertext, ByteView iv,
                                    ByteView aad, ByteView tag);
// A*CBC (no padding: plaintext a multiple of 16 bytes) and A*CBCPAD (PKCS#7) with the oct key. Encrypt: the
// caller's 16-byte iv, or, when none is given, 16 random bytes drawn by the token (returned in the result);
// decrypt: the caller's 16-byte iv. CBC carries no tag: a wrong key or iv decrypts to other bytes, and only
// CBCPAD can notice (bad padding, BadParameter).
Result<KeyOpResult> aes_cbc_encrypt(Service& svc, const LoadedKey& k, bool pad, ByteView plaintext, ByteView iv);
Result<KeyOpResult> aes_cbc_decrypt(Service& svc, const LoadedKey& k, bool pad, ByteView ciphertext, ByteView iv);
// HS256/384/512: HMAC of `data` (Key Vault's sign value, taken as given) with the oct key, in the token,
// as a CKK_GENERIC_SECRET copy of it (cached_hmac_key). Verify recomputes it in the token (C_Verify).
Result<KeyOpResult> hmac_sign(Service& svc, const LoadedKey& k, hsm::Mech mech, const std::string& alg,
                              ByteView data);
Result<bool> hmac_verify(Service& svc, const LoadedKey& k, hsm::Mech mech, const std::string& alg, ByteView data,
                         ByteView mac);
// A*KW (RFC 3394) of a 16..128-byte key, multiple of 8: the key enters the token to be wrapped.
Result<KeyOpResult> aes_kw_wrap(Service& svc, const LoadedKey& k, ByteView key);
Result<KeyOpResult> aes_kw_unwrap(Service& svc, const LoadedKey& k, ByteView wrapped);

}  // namespace cv::vault::keys_detail
