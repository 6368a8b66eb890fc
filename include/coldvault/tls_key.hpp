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

#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

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

}  // namespace cv::vault
