// Which vault a request is for, and the origin its ids are built from.
//
// Key Vault ids are absolute URLs and the SDKs send later calls (crypto, nextLink) to the origin
// inside them, so ids use the origin the client used: "https://" + its Host header. The vault comes
// from the Host name: a --hostname H=V mapping, "<vault>.vault.localhost" (any vault), "<vault>.localhost"
// (a vault named in `known`, the ones served at start), else the default (--vault-name), which also
// serves 127.0.0.1 and localhost. Unknown: "<x>.localhost" for a vault not in `known`, and under
// `strict` (serve --ephemeral) every other name that is not localhost or an IP literal: vault_for
// answers "" and the request gets a 404 naming the known vaults (docs/drop-in.md).
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
  VaultResolver(std::string default_vault, std::vector<HostMapping> map,
                std::vector<std::string> known = {}, bool strict = false)
      : default_(std::move(default_vault)), map_(std::move(map)), known_(std::move(known)), strict_(strict) {}
  // REQUIRES: host passed valid_host(). "" for an unknown host name (see above).
  std::string vault_for(std::string_view host) const;
  const std::string& default_vault() const { return default_; }
  // The vaults named in `known`, comma-separated, for the unknown-host message.
  std::string known_list() const;
  // Whether `host` (lower case, no port) is a name this server answers for itself, not one any client may
  // send: localhost, 127.0.0.1, [::1], a *.localhost name, or a --hostname mapping. For CORS (console.hpp).
  bool own_name(std::string_view host) const;

 private:
  std::string default_;
  std::vector<HostMapping> map_;
  std::vector<std::string> known_;  // lower case
  bool strict_ = false;
};

// "H" -> {H, default}; "H=V" -> {H, V}. BadParameter for an empty part.
Result<HostMapping> parse_hostname_option(std::string_view text, const std::string& default_vault);
// A Host header we are willing to echo into ids: host name / IPv4 / [IPv6], optional :port.
bool valid_host(std::string_view host);
// The host name without the port, lower case.
std::string host_without_port(std::string_view host);

}  // namespace cv::server
