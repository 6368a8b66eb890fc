// `serve --seed FILE`: secrets, keys and certificates loaded at start (docs/drop-in.md has the
// shape).
//
// Each entry is turned into the REST request that would create it (PUT /secrets/{name}, POST
// /keys/{name}/create or /keys/{name} PUT for an import, POST /certificates/{name}/create or
// /import), with the entry minus "name" as the body, so a seed entry takes exactly what Key Vault's
// REST API takes and is checked by the same code. The server runs them before it accepts a
// connection; the first refusal stops the start (the caller throws the home away, so nothing
// half-seeded is ever served).
#pragma once

#include <string>
#include <vector>

#include "coldvault/error.hpp"
#include "coldvault/secure_string.hpp"
#include "coldvault/session_tokens.hpp"

namespace cv::server {

struct SeedRequest {
  std::string label;   // "secrets[2] 'db-password'": names the entry in errors
  std::string vault;   // empty: the default vault
  std::string method;  // PUT / POST
  std::string path;    // "/secrets/db-password"
  SecureString body;   // JSON; may carry secret values and key material
};

// Reads and checks the file's shape: BadParameter naming the file and the entry (never a value).
Result<std::vector<SeedRequest>> load_seed_file(const std::string& path);

class App;
// Runs each request through `app` with a session token, as a client at 127.0.0.1:port would; a
// certificate create is polled once so it completes. BadParameter naming the entry and Key Vault's
// message for the first refusal.
Result<void> run_seed(App& app, const std::vector<SeedRequest>& seed,
                      const vault::SessionTokens& tokens, int port);

}  // namespace cv::server
