// The web console's files and the browser-facing headers (see console.hpp; docs/adr/0020-web-console.md).
#include "server/console.hpp"

#include <algorithm>
#include <cctype>

#include "server/console_assets.hpp"
#include "server/errors.hpp"

namespace cv::server {
namespace {

constexpr std::string_view kPrefix = "/console";

std::string_view path_part(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".mjs") || name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".png")) return "image/png";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

// ":8443" from "host:8443" or "[::1]:8443"; "" without a port.
std::string_view port_part(std::string_view host) {
  auto close = host.rfind(']');
  auto colon = host.rfind(':');
  if (colon == std::string_view::npos || (close != std::string_view::npos && colon < close)) return {};
  return host.substr(colon);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

bool is_console(std::string_view target) {
  std::string_view p = path_part(target);
  return p == kPrefix || p.starts_with("/console/");
}

void console_security_headers(Response& r, std::string_view scheme, std::string_view host) {
  // connect-src: this origin, and the other vaults of this server on the same port (the console switches
  // vault by origin; CORS lets them answer, own_origin). No inline script or style anywhere in the console.
  std::string port(valid_host(host) ? port_part(host) : std::string_view{});
  std::string others = valid_host(host) ? " " + std::string(scheme) + "://*.localhost" + port : std::string();
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                         "connect-src 'self'" + others + "; frame-ancestors 'none'; base-uri 'none'; "
                         "form-action 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-cache");
}

void api_security_headers(Response& r) {
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
}

Response console_response(const Request& req, std::string_view scheme) {
  Response r;
  std::string_view p = path_part(req.target);
  if (req.method != "GET" && req.method != "HEAD") {
    r = error_response(405, "MethodNotAllowed", "The console's files are read with GET or HEAD only.");
    r.headers.emplace_back("Allow", "GET, HEAD");
  } else if (p == kPrefix) {
    // Relative module URLs resolve against the directory: /console must become /console/.
    r.status = 301;
    r.headers.emplace_back("Location", "/console/");
  } else {
    std::string_view name = p.substr(kPrefix.size() + 1);
    if (name.empty()) name = "index.html";
    const auto assets = console_assets();
    auto it = std::find_if(assets.begin(), assets.end(), [name](const ConsoleAsset& a) { return a.name == name; });
    if (it == assets.end()) {
      r = error_response(404, "NotFound", "The console has no such file.");
    } else {
      r.body.assign(it->bytes);
      r.headers.emplace_back("Content-Type", std::string(content_type_of(name)));
    }
  }
  console_security_headers(r, scheme, req.host);
  return r;
}

bool own_origin(std::string_view origin, std::string_view request_host, std::string_view scheme,
                const VaultResolver& resolver) {
  std::string prefix = std::string(scheme) + "://";
  if (!origin.starts_with(prefix)) return false;
  std::string_view host = origin.substr(prefix.size());
  if (!valid_host(host) || !valid_host(request_host)) return false;
  if (port_part(host) != port_part(request_host)) return false;  // another port is another server
  return resolver.own_name(host_without_port(host)) && lower(host) == std::string(host);
}

Response preflight_response(const Request& req, bool allowed) {
  Response r;
  if (!allowed) {
    r = error_response(403, "Forbidden", "Cross-origin calls are answered only for origins of this server.");
    api_security_headers(r);
    return r;
  }
  r.status = 204;
  cors_headers(r, req.origin);
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, PUT, POST, PATCH, DELETE");
  r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, x-ms-client-request-id");
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  api_security_headers(r);
  return r;
}

void cors_headers(Response& r, const std::string& origin) {
  r.headers.emplace_back("Access-Control-Allow-Origin", origin);
  r.headers.emplace_back("Vary", "Origin");
  r.headers.emplace_back("Access-Control-Expose-Headers", "x-ms-request-id, WWW-Authenticate");
}

}  // namespace cv::server
