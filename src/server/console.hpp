// The web console's front door: GET/HEAD of /console, /console/ and /console/<file> answered from the files
// compiled into the binary (console_assets.hpp). No token, no api-version and no audit record, as for the
// probes: the files are public, the same for every caller, and the console then talks to the REST API with
// the bearer token the user pastes, where every check and audit record applies (docs/adr/0020-web-console.md).
//
// Also the headers that keep the console and the API safe to open in a browser, and CORS for the console's
// calls to the other vaults of this server (<vault>.vault.localhost on the same port).
//
// Thread safety: every function here is pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/http.hpp"
#include "server/request_context.hpp"

namespace cv::server {

// Whether a request target is the console's: its path is /console or starts with /console/.
bool is_console(std::string_view target);
// The console's answer to `req` (REQUIRES: is_console(req.target)): 200 with the file and its Content-Type,
// 301 from /console to /console/, 404 for a file that is not part of the console, 405 for a method other
// than GET or HEAD. Every answer carries the console's security headers (console_security_headers).
Response console_response(const Request& req, std::string_view scheme);
// `scheme` is the server's ("https"), `host` the request's Host header (its port goes into connect-src).
// Content-Security-Policy (scripts and styles from this origin only, no inline script, connections to this
// origin and to the other vault origins of this server on the same port), nosniff, no framing, no referrer.
void console_security_headers(Response& r, std::string_view scheme, std::string_view host);
// What every API answer carries too: nosniff and a CSP that forbids framing and any active content.
void api_security_headers(Response& r);

// CORS (docs/rest.md, "Browser origins"): `origin` (the Origin header) is allowed when it is an origin of this
// server: same scheme, the same port as the request's Host, and a host name this server answers for itself
// (localhost, 127.0.0.1, [::1], a *.localhost name, or a serve --hostname mapping). Never a wildcard.
bool own_origin(std::string_view origin, std::string_view request_host, std::string_view scheme,
                const VaultResolver& resolver);
// The answer to a CORS preflight (any OPTIONS carrying an Origin, as browsers send it): 204 with the allow
// headers when own_origin, else 403 without them (the browser then refuses the call).
Response preflight_response(const Request& req, bool allowed);
// Adds Access-Control-Allow-Origin (the origin itself), Vary: Origin and the exposed headers to an answer
// for an allowed origin.
void cors_headers(Response& r, const std::string& origin);

}  // namespace cv::server
