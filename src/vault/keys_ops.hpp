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
// A*KW (RFC 3394) of a 16..128-byte key, multiple of 8: the key enters the token to be wrapped.
Result<KeyOpResult> aes_kw_wrap(Service& svc, const LoadedKey& k, ByteView key);
Result<KeyOpResult> aes_kw_unwrap(Service& svc, const LoadedKey& k, ByteView wrapped);

}  // namespace cv::vault::keys_detail
