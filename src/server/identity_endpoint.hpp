// A managed-identity token endpoint on loopback, as Azure App Service has it, so
// DefaultAzureCredential / ManagedIdentityCredential work unchanged against `coldvault serve`
// (docs/drop-in.md).
//
// Protocols (plain HTTP on 127.0.0.1, GET <endpoint>?resource=R&api-version=V):
//   2019-08-01: IDENTITY_ENDPOINT + header X-IDENTITY-HEADER: <IDENTITY_HEADER>
//   2017-09-01: MSI_ENDPOINT + header secret: <MSI_SECRET>   (the same value here)
// Answer 200 {"access_token","expires_on" (Unix seconds, as a
// string),"expires_in","resource","token_type": "Bearer","client_id"}; the token is a
// vault::SessionTokens token valid for `lifetime` seconds, opening every vault the server serves. A
// missing or wrong header: 401; no or a non-https resource, an unknown api-version: 400 (App
// Service's statuses).
//
// Thread safety: one thread of its own serves the connections, one at a time (loopback test clients
// ask once an hour); a slow client is cut off after 2 seconds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "coldvault/error.hpp"
#include "coldvault/secure_string.hpp"
#include "coldvault/session_tokens.hpp"

namespace cv::server {

struct IdentityConfig {
  std::shared_ptr<const vault::SessionTokens> tokens;
  SecureString header_secret;  // IDENTITY_HEADER / MSI_SECRET
  unsigned lifetime = 3600;    // seconds a handed-out token lives
};

struct IdentityAnswer {
  int status = 200;
  SecureString body;  // carries the token: wiped when freed
};

// The answer to one request (pure: no sockets), `header` looks a request header up by lower-case
// name.
IdentityAnswer answer_identity_request(
    const IdentityConfig& cfg, std::string_view method, std::string_view target,
    const std::function<std::string_view(std::string_view)>& header, std::int64_t now);

class IdentityEndpoint {
 public:
  // Binds 127.0.0.1:port (0: any free port) and starts serving. Conflict when the port is taken.
  static Result<std::unique_ptr<IdentityEndpoint>> start(IdentityConfig cfg, int port = 0);
  ~IdentityEndpoint();  // stops and joins
  IdentityEndpoint(const IdentityEndpoint&) = delete;
  IdentityEndpoint& operator=(const IdentityEndpoint&) = delete;
  int port() const { return port_; }
  // "http://127.0.0.1:<port>/msi/token"
  std::string url() const;

 private:
  IdentityEndpoint(IdentityConfig cfg, int listen_fd, int port, int stop_fd);
  void run();
  void serve_one(int fd);

  IdentityConfig cfg_;
  int listen_fd_ = -1, port_ = 0, stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace cv::server
