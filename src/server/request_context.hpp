// Which vault a request is for, and the origin its ids are built from.
//
// Key Vault ids are absolute URLs and the SDKs send later calls (crypto, nextLink) to the origin
// inside them, so ids use the origin the client used: "https://" + its Host header. The vault comes
// from the Host name: "<vault>.vault.localhost", a --hostname H=V mapping, else the default
// (--vault-name), which also serves 127.0.0.1 and localhost.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/error.hpp"

namespace cv::server {

struct HostMapping {
  std::string host;  // lower case, no port
  std::string vault;
};

class VaultResolver {
 public:
  VaultResolver(std::string default_vault, std::vector<HostMapping> map)
      : default_(std::move(default_vault)), map_(std::move(map)) {}
  // REQUIRES: host passed valid_host().
  std::string vault_for(std::string_view host) const;
  const std::string& default_vault() const { return default_; }

 private:
  std::string default_;
  std::vector<HostMapping> map_;
};

// "H" -> {H, default}; "H=V" -> {H, V}. BadParameter for an empty part.
Result<HostMapping> parse_hostname_option(std::string_view text, const std::string& default_vault);
// A Host header we are willing to echo into ids: host name / IPv4 / [IPv6], optional :port.
bool valid_host(std::string_view host);
// The host name without the port, lower case.
std::string host_without_port(std::string_view host);

}  // namespace cv::server
