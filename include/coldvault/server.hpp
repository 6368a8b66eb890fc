// The Key Vault data-plane REST server (`coldvault serve`) and its bearer tokens.
//
// The server speaks HTTPS/1.1 with keep-alive on cpp-httplib (docs/adr/0002-http-library.md). Every
// request is authenticated first (401 with Key Vault's challenge), then routed, then checked
// against the token's permissions (403), and only then is its body parsed. docs/rest.md lists
// routes, limits and status codes.
//
// Threads: one HTTP thread per open connection (up to `threads`), and a pool of at most `workers`
// vault::Services (each one catalogue connection plus a Token on the shared module) that requests
// borrow. A Service that saw the HSM fail is dropped and reopened on next use, so the server
// recovers by itself when the token comes back.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/api_tokens.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::server {

struct ServeOptions {
  vault::HomeOptions home;
  std::string vault;  // requests to 127.0.0.1 / localhost / unmapped hosts go here
  std::string listen = "127.0.0.1:8443";
  std::string tls_cert, tls_key;       // both or neither; neither = issue from <home>/tls/ca.pem
  std::vector<std::string> hostnames;  // "H" (-> vault) or "H=V"; added to the issued certificate
  bool dev_accept_any_token = false;   // any bearer token passes, with every permission
  unsigned threads = 128;              // connection threads (a keep-alive connection holds one)
  unsigned workers = 8;                // Services in the pool
  std::size_t max_body = 1u << 20;     // request body limit in bytes (413 above it)
  // Called once the socket is bound, with the lines to print (URL, CA path); then the server runs
  // until SIGINT or SIGTERM.
  std::function<void(const std::vector<std::string>&)> on_ready;
};

// Runs the server until SIGINT/SIGTERM. Errors only for start-up failures (bad options, port taken,
// unreadable TLS files, the vault missing, the HSM refusing the PIN).
Result<void> serve(const ServeOptions& o);

// Key Vault permission names a token may carry: "secrets/get", "keys/unwrapKey", "secrets/all",
// "all". Returns the canonical comma-separated list (case as Key Vault spells it, duplicates
// removed); BadParameter naming the unknown entry otherwise.
Result<std::string> normalize_permissions(const std::vector<std::string>& items);

struct MintedToken {
  store::ApiTokenRow row;
  std::string token;  // the only copy of the bearer token text: show it once, never log it
};
// Creates a token for `vault` with random bytes from the token's RNG and stores its SHA-256.
Result<MintedToken> mint_token(vault::Service& svc, const std::string& vault,
                               const std::vector<std::string>& permissions,
                               const std::string& label, std::optional<std::int64_t> expires);

}  // namespace cv::server
