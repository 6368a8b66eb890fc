// TLS certificates for the REST server when the operator gives none: a local CA and server
// certificates it signs. Implemented in src/crypto (the only OpenSSL user).
//
// These keys are software keys in 0600 files, not token keys: they protect the transport on one
// machine, and nothing of a vault (no blob, no key) is ever signed or sealed with them. An operator
// who wants a TLS key in the HSM passes --tls-cert/--tls-key of their own PKI instead.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

namespace cv::crypto {

struct PemPair {
  std::string cert_pem;
  SecureString key_pem;  // unencrypted PKCS#8
};

// A CA certificate with a fresh EC P-256 key: subject = issuer = "CN=<common_name>",
// basicConstraints critical CA:TRUE pathlen:0, keyUsage keyCertSign+cRLSign, valid `days` days.
Result<PemPair> create_local_ca(std::string_view common_name, int days);

// A server certificate with a fresh EC P-256 key, signed by `ca`: CN = first DNS name (or IP),
// subjectAltName = every DNS name and IP address given, CA:FALSE, extendedKeyUsage serverAuth,
// valid from now - 5 minutes for `days` days. BadParameter for an unparsable IP or CA, or no names.
Result<PemPair> issue_tls_server_certificate(const PemPair& ca,
                                             const std::vector<std::string>& dns_names,
                                             const std::vector<std::string>& ip_addresses,
                                             int days);

}  // namespace cv::crypto
