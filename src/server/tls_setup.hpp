// TLS files for `coldvault serve`: the operator's, or a server certificate issued at each start by
// a local CA kept in <home>/tls (ca.pem is what clients trust; keys are 0600 files).
#pragma once

#include <string>
#include <vector>

#include "coldvault/error.hpp"

namespace cv::server {

struct TlsFiles {
  std::string cert, key;
  std::string ca;  // empty when the operator gave the files
};

// Issues <home>/tls/server.pem for the names and addresses given (creating the CA on first use).
Result<TlsFiles> issue_tls_files(const std::string& home, const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses);

}  // namespace cv::server
