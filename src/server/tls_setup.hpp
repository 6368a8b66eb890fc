// The TLS identity of `coldvault serve`: the operator's PEM files, or the token key with its
// self-signed certificate in <home>/tls/server.pem (include/coldvault/tls_key.hpp).
#pragma once

#include <string>
#include <vector>

#include "coldvault/error.hpp"
#include "coldvault/tls_server.hpp"
#include "coldvault/vault.hpp"

namespace cv::server {

struct TlsSetup {
  crypto::ServerTlsIdentity identity;
  std::vector<std::string> lines;  // to print at start-up: the file clients trust, migration notes
};

// With cert_file/key_file empty: finds or makes the token key and certificate for these names and
// opens the key through libp11 (svc must stay open while the identity is in use, see
// ServerTlsIdentity). Otherwise loads the operator's files.
Result<TlsSetup> prepare_tls(vault::Service& svc, const SecureBytes& pin,
                             const std::string& cert_file, const std::string& key_file,
                             const std::vector<std::string>& dns_names,
                             const std::vector<std::string>& ip_addresses);

}  // namespace cv::server
