// The REST server's TLS identity and protocol policy. Part of the OpenSSL adapter: src/crypto is the
// only OpenSSL user, and the only user of libp11 (OpenSSL's bridge to PKCS#11), which lets a TLS
// handshake sign with a private key that stays in the token.
//
// Policy (docs/rest.md "TLS"): TLS 1.2 is the floor; TLS 1.2 offers only ECDHE key exchange with
// AES-GCM or ChaCha20-Poly1305 (kTls12Ciphers); TLS 1.3 keeps OpenSSL's default suites, which are all
// AEAD with ephemeral key exchange. No compression, no renegotiation.
//
// The public header names only the tag of OpenSSL's SSL_CTX, never its headers, so callers compile
// without OpenSSL.
#pragma once

#include <memory>
#include <string>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace cv::crypto {

// ECDSA first (the token key is EC P-256); the RSA variants serve an operator's own RSA key.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

// Where a TLS private key lives in a token: the module, the token's label and the key's CKA_LABEL.
struct TokenKeyLocation {
  std::string module_path;
  std::string token_label;
  std::string key_label;
};

// A certificate plus its private key, ready to be put into an SSL_CTX.
//
// Token keys (from_token): libp11 loads the module itself. Its C_Initialize meets the one coldvault's
// hsm::Token already did (CKR_CRYPTOKI_ALREADY_INITIALIZED, which libp11 0.4.12 accepts) and its
// C_Login meets the existing login (CKR_USER_ALREADY_LOGGED_IN, also accepted). libp11 is never asked
// to "open a session" (PKCS11_open_session would C_CloseAllSessions on the slot, ending every
// hsm::Token session); it opens read-only sessions on demand, up to 16, and signs with CKM_ECDSA.
//
// REQUIRES for from_token: destroy the identity only after every hsm::Token of the process on this
// module is gone. libp11's teardown calls C_CloseAllSessions on the slot and C_Finalize on the module
// (libp11 0.4.12 p11_slot.c / p11_load.c), which would end the sessions and login of a live Token.
// Destroyed last, those calls fail quietly (CKR_CRYPTOKI_NOT_INITIALIZED) once the last Token has
// finalised the module. A failed from_token tears down the same way. If every Token goes while the
// identity is in use, the module is finalised under libp11 and its signing fails from then on.
//
// Thread safety: apply() once before serving; handshakes on many threads may then sign at once
// (libp11 hands each its own session).
class ServerTlsIdentity {
 public:
  // The certificate (DER) and the private key labelled key.key_label in the token, found through
  // libp11 after logging in with `pin` (libp11 keeps its own copy, wiped at teardown). NotFound
  // naming the token or key when absent; HsmUnavailable when the module cannot be loaded;
  // BadParameter when the key does not match the certificate.
  static Result<ServerTlsIdentity> from_token(ByteView cert_der, const TokenKeyLocation& key,
                                              const SecureBytes& pin);
  // An operator's PEM files: a certificate chain (leaf first) and an unencrypted private key.
  // BadParameter naming the file that cannot be read or when they do not match.
  static Result<ServerTlsIdentity> from_files(const std::string& cert_path,
                                              const std::string& key_path);

  ServerTlsIdentity(ServerTlsIdentity&&) noexcept;
  ServerTlsIdentity& operator=(ServerTlsIdentity&&) noexcept;
  ~ServerTlsIdentity();

  // Puts the certificate chain and key into ctx and applies the policy above. Internal when OpenSSL
  // refuses (the message says which step).
  Result<void> apply(ssl_ctx_st* ctx) const;

 private:
  struct Impl;
  explicit ServerTlsIdentity(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cv::crypto
