// The REST server's TLS identity and protocol policy. Part of the OpenSSL adapter: src/crypto is the
// only OpenSSL user. A handshake can sign with a private key that stays in the token: the identity's
// key then hands every ECDSA signature to a callback (the server signs through one of its own
// Tokens, docs/adr/0025-tls-key-through-the-pool.md).
//
// Policy (docs/rest.md "TLS"): TLS 1.2 is the floor; TLS 1.2 offers only ECDHE key exchange with
// AES-GCM or ChaCha20-Poly1305 (kTls12Ciphers); TLS 1.3 keeps OpenSSL's default suites, which are all
// AEAD with ephemeral key exchange. No compression, no renegotiation.
//
// The public header names only the tag of OpenSSL's SSL_CTX, never its headers, so callers compile
// without OpenSSL.
#pragma once

#include <functional>
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

// Signs a digest with the TLS private key: the raw ECDSA signature r||s (64 bytes for P-256), or an
// error. Called on the thread of the handshake; must be thread-safe.
using EcdsaSigner = std::function<Result<Bytes>(ByteView digest)>;

// A certificate plus its private key, ready to be put into an SSL_CTX.
//
// Signer keys (from_signer): OpenSSL holds the certificate's public key and calls the signer for each
// signature (TLS 1.3 CertificateVerify, TLS 1.2 ServerKeyExchange); nothing is loaded or logged in
// here, so the identity places no constraint on the PKCS#11 module's life: the signer decides which
// Token signs, and may be one that was opened after the module was finalised and initialised again.
// A signer that fails ends that handshake only (the client sees a handshake failure).
//
// Thread safety: apply() once before serving; handshakes on many threads may then sign at once (the
// signer must allow it).
class ServerTlsIdentity {
 public:
  // The certificate (DER, an EC P-256 key) with a key whose signatures come from `sign`.
  // BadParameter when the certificate is not one DER certificate or its key is not EC P-256.
  static Result<ServerTlsIdentity> from_signer(ByteView cert_der, EcdsaSigner sign);
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
