// Raw PKCS#11 loops for benchmarks: the same operations as cv::hsm::Token's methods, but calling
// the function list directly on one borrowed session with buffers allocated once, so a benchmark
// can show what the adapter's own overhead (session lease, Result, templates, two-call sizing)
// costs. bench/ uses these so that it never includes pkcs11.h.
//
// Each function runs `iterations` operations on one session and returns operations per second of
// wall-clock time. It returns 0.0 if any call fails (the benchmark should treat that as an error)
// or if iterations <= 0. Not for production use: the GCM loops reuse one IV with one key.
#pragma once

#include <cstddef>

#include "coldvault/bytes.hpp"
#include "coldvault/hsm.hpp"

namespace cv::hsm {

// C_EncryptInit + C_Encrypt of `bytes` bytes with AES-GCM (fixed 12-byte IV, no AAD).
double raw_gcm_encrypt_rate(Token& token, Handle key, std::size_t bytes, int iterations);
// C_DecryptInit + C_Decrypt of a ciphertext of `bytes` plaintext bytes (made once before timing).
double raw_gcm_decrypt_rate(Token& token, Handle key, std::size_t bytes, int iterations);
// C_SignInit + C_Sign over a digest_len-byte input (a digest for RsaPss/Ecdsa, a DigestInfo for
// RsaPkcs1). PSS uses the hash whose length is digest_len (SHA-256 for 32).
double raw_sign_rate(Token& token, Mech m, Handle priv, std::size_t digest_len, int iterations);
// C_UnwrapKey of `wrapped` into a sensitive session key of `type` (decrypt/unwrap usage for secret
// keys, sign for private keys), then C_DestroyObject of it, per iteration.
double raw_unwrap_rate(Token& token, Mech m, Handle unwrapping_key, ByteView wrapped, KeyType type,
                       int iterations);
// C_DecryptInit + C_Decrypt of `ciphertext` (RSA OAEP-SHA1, PKCS#1 v1.5 or raw).
double raw_decrypt_rate(Token& token, Mech m, Handle priv, ByteView ciphertext, int iterations);

}  // namespace cv::hsm
