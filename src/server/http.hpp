// The server's own request/response types. The transport (http1.cpp parses, event_loop.cpp carries) fills them
// and writes them out; the App, the routes and the unit tests work on these plain structs, never on sockets or TLS.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::server {

struct Request {
  std::string method;             // "GET", "PUT", ...
  std::string target;             // raw request target: path and query, percent-encoded
  std::string host;               // Host header as sent (may carry :port)
  SecureString authorization;     // Authorization header (a bearer token); never logged, wiped when freed
  std::string client_request_id;  // x-ms-client-request-id, echoed back
  SecureString body;  // may carry a secret value, a password or key material: wiped when freed
  std::string peer;   // the client's "ip:port" (set by the event loop), for the audit log
  std::string origin;  // Origin header as sent (browsers), for CORS (console.hpp); empty when absent
};

struct Response {
  int status = 200;
  std::string body;  // JSON text (a console file: console.hpp); empty only for 204
  // A "Content-Type" among these replaces the default application/json (http1::serialize).
  std::vector<std::pair<std::string, std::string>> headers;
};

inline Response json_response(int status, const nlohmann::json& j) {
  return {status, j.dump(), {}};
}

// A permission a route needs, as Key Vault names it: {"secrets", "get"}.
struct Permission {
  std::string collection;
  std::string action;
};

struct Params {
  std::string name, version;
};

// Everything a route handler gets. `svc` is borrowed from the pool for this request only.
struct Ctx {
  const Request& req;
  const std::map<std::string, std::string>& query;  // percent-decoded names and values
  std::string vault;                                // the served vault the Host header selected
  std::string origin;       // "https://<Host>", the base of every id in the response
  std::string api_version;  // as the client sent it (echoed into nextLink)
  std::string path;         // decoded path of the request, for nextLink
  Params params;
  vault::Service& svc;
  // Whether the caller's token grants a permission, for handlers whose need depends on the object.
  std::function<bool(const Permission&)> allows = [](const Permission&) { return false; };
};

using Handler = std::function<Result<Response>(Ctx&)>;

// `CV_UNWRAP(x, expr);` declares x as the value of a Result, or returns its error from the handler.
#define CV_UNWRAP(var, expr)                                         \
  auto var##_result_ = (expr);                                       \
  if (!var##_result_) return std::unexpected(var##_result_.error()); \
  auto& var = *var##_result_

}  // namespace cv::server
