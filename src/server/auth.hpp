// Bearer-token authentication and Key Vault permission checks.
//
// Token text: "cv1_<id>_<secret>", id = 16 hex (public, the catalogue row), secret = 32 random
// bytes base64url. The catalogue holds SHA-256 of the whole text; a presented token is hashed and
// compared with crypto::equal_ct. Rows are cached for kCacheSeconds so a keep-alive client costs no
// SQL per request; a revocation therefore takes effect within that time.
//
// Thread safety: an Authenticator may be used from every HTTP thread (one mutex around its
// catalogue connection and cache).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "coldvault/api_tokens.hpp"
#include "server/http.hpp"

namespace cv::server {

inline constexpr int kCacheSeconds = 2;

struct Principal {
  std::string token_id;  // "dev" under --dev-accept-any-token
  std::string vault;
  std::set<std::string> permissions;  // lower-case "secrets/get", "secrets/all", "all"
};

class Authenticator {
 public:
  Authenticator(std::string catalog_path, bool accept_any);
  // Unauthenticated (401) for a missing, malformed, unknown, revoked or expired token, or one
  // minted for another vault. The message never quotes the token.
  Result<Principal> authenticate(std::string_view authorization, const std::string& vault);

 private:
  Result<store::ApiTokenRow> lookup(const std::string& id);
  std::string catalog_path_;
  bool accept_any_;
  std::mutex mu_;
  std::optional<store::Catalog> catalog_;
  std::map<std::string, std::pair<store::ApiTokenRow, std::chrono::steady_clock::time_point>>
      cache_;
};

bool allowed(const Principal& p, const Permission& perm);
// 401 with Key Vault's WWW-Authenticate challenge, which the SDKs need to start their token flow.
Response unauthorized(const std::string& message);
// 403 in Key Vault's words: "... does not have secrets get permission on key vault 'V' ...".
Response forbidden(const Principal& p, const Permission& perm, const std::string& vault);

// Splits "cv1_<id>_<secret>" and returns the id; nullopt if the text is not of that form.
std::optional<std::string> token_id_of(std::string_view token);

}  // namespace cv::server
