// The REST server's TLS key pair and certificate.
//
// The key pair is a token object (EC P-256, label coldvault-tls-<domain kid>, private half sensitive,
// non-extractable, sign only; CKA_ID = the label's bytes so libp11 can pair the halves). Its
// certificate is self-signed by that key and kept in the home as public data, <home>/tls/server.pem:
// the file clients trust. No private key is ever written to the home.
//
// The certificate is reused across starts while it covers the names asked for, carries the token
// key and has more than 30 days left; otherwise a new one is issued (same key). Homes of the
// earlier layout (a software CA and server key in <home>/tls) are migrated: their key files and the
// old CA certificate are wiped (overwritten, best effort) and removed once the new certificate is in
// place.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX: named, never included

namespace cv::vault {

struct TlsCertificate {
  Bytes der;                          // self-signed by the token key
  std::string path;                   // <home>/tls/server.pem (PEM of der)
  std::string key_label;              // the key pair's CKA_LABEL
  bool issued = false;                // a new certificate was written by this call
  std::vector<std::string> removed;   // files of the earlier layout removed by this call
};

std::string tls_key_label(const std::string& domain_kid);

// Finds or creates the key pair in svc's token, then reuses or issues the certificate for these
// names (subjectAltName: every DNS name and IP address; extendedKeyUsage serverAuth). BadParameter
// for an invalid name (the home unchanged; the key pair, once made, stays); Corruption when the token holds only the private half;
// StorageFailure when <home>/tls cannot be written.
Result<TlsCertificate> ensure_tls_certificate(Service& svc, const std::vector<std::string>& dns_names,
                                              const std::vector<std::string>& ip_addresses);

// The server's TLS identity: a certificate chain and its private key, ready for an SSL_CTX. It wraps
// the OpenSSL adapter's identity (coldvault/tls_server.hpp) so the server includes no crypto header.
// With the key in the token, every handshake signature is asked of a TlsSigner: the identity holds
// no session, login or handle of the module itself.
// Thread safety: apply() once before serving; handshakes may then sign on many threads at once.
class TlsIdentity {
 public:
  TlsIdentity(TlsIdentity&&) noexcept;
  TlsIdentity& operator=(TlsIdentity&&) noexcept;
  ~TlsIdentity();
  // Puts the chain and key into ctx and applies the TLS policy (docs/rest.md "TLS"). Internal when
  // OpenSSL refuses (the message says which step).
  Result<void> apply(ssl_ctx_st* ctx) const;

  struct Impl;
  explicit TlsIdentity(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// Signs a handshake's digest with the token TLS key (raw r||s); thread-safe. The server's borrows a
// pooled Service for each signature (docs/adr/0025-tls-key-through-the-pool.md).
using TlsSigner = std::function<Result<Bytes>(ByteView digest)>;

struct TlsSetup {
  TlsIdentity identity;
  std::vector<std::string> lines;  // to print at start-up: the file clients trust, migration notes
  std::string trust_file;          // the certificate file clients trust; empty for --tls-cert files
};

// With cert_file empty: finds or makes the token key and certificate for these names
// (ensure_tls_certificate) and makes an identity whose signatures come from `sign` (which should sign
// with sign_with_tls_key on a Service of this home). Otherwise loads the operator's PEM files
// (BadParameter naming an unreadable or mismatched file) and never calls `sign`.
Result<TlsSetup> prepare_tls(Service& svc, const std::string& cert_file, const std::string& key_file,
                             const std::vector<std::string>& dns_names,
                             const std::vector<std::string>& ip_addresses, TlsSigner sign);

// ECDSA (CKM_ECDSA) of `digest` with the private half of the TLS key pair labelled `key_label` in
// svc's token: r||s. NotFound naming the label when the token lacks it; the token's error otherwise.
Result<Bytes> sign_with_tls_key(Service& svc, const std::string& key_label, ByteView digest);

}  // namespace cv::vault
