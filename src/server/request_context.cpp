// Host header -> vault and origin.
#include "server/request_context.hpp"

#include <algorithm>
#include <cctype>

namespace cv::server {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

constexpr std::string_view kVaultSuffix = ".vault.localhost";
constexpr std::string_view kLocalSuffix = ".localhost";

bool is_ip_literal(const std::string& h) {
  return h.front() == '[' || h.find_first_not_of("0123456789.") == std::string::npos;
}

}  // namespace

bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  // Only characters of host names, IP literals and a port: anything else would end up inside ids.
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

std::string host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // [::1]:8443
    auto close = host.find(']');
    return lower(host.substr(0, close == host.npos ? host.npos : close + 1));
  }
  auto colon = host.find(':');
  return lower(host.substr(0, colon));
}

std::string VaultResolver::vault_for(std::string_view host) const {
  std::string h = host_without_port(host);
  for (const auto& m : map_)
    if (m.host == h) return m.vault;
  if (h.size() > kVaultSuffix.size() && h.ends_with(kVaultSuffix)) {
    std::string v = h.substr(0, h.size() - kVaultSuffix.size());
    if (v.find('.') == std::string::npos) return v;
  }
  if (h.size() > kLocalSuffix.size() && h.ends_with(kLocalSuffix)) {
    std::string v = h.substr(0, h.size() - kLocalSuffix.size());
    return std::find(known_.begin(), known_.end(), v) != known_.end() ? v : std::string();
  }
  if (strict_ && !h.empty() && h != "localhost" && !is_ip_literal(h)) return {};
  return default_;
}

std::string VaultResolver::known_list() const {
  std::string out;
  for (const auto& k : known_) out += (out.empty() ? "" : ", ") + k;
  return out;
}

bool VaultResolver::own_name(std::string_view host) const {
  if (host == "localhost" || host == "127.0.0.1" || host == "[::1]") return true;
  if (host.size() > kLocalSuffix.size() && host.ends_with(kLocalSuffix)) return true;
  return std::any_of(map_.begin(), map_.end(), [host](const HostMapping& m) { return m.host == host; });
}

Result<HostMapping> parse_hostname_option(std::string_view text, const std::string& default_vault) {
  auto eq = text.find('=');
  std::string host = lower(text.substr(0, eq));
  std::string vault = eq == text.npos ? default_vault : std::string(text.substr(eq + 1));
  if (host.empty() || vault.empty() || !valid_host(host) || host.find(':') != std::string::npos)
    return fail(Errc::BadParameter,
                "invalid --hostname '" + std::string(text) + "': use HOST or HOST=VAULT");
  return HostMapping{host, vault};
}

}  // namespace cv::server
