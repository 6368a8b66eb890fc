// Bearer-token authentication in HTTP terms: the Authorization header, Key Vault's 401 messages and
// challenge, and the 403 of a missing permission. Whether a token is valid, and what it grants, is
// the domain's decision (coldvault/access_tokens.hpp: vault::TokenVerifier, which also owns the row
// cache and says what invalidates it).
//
// Thread safety: an Authenticator may be used from every HTTP thread (the verifier locks).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "coldvault/access_tokens.hpp"
#include "coldvault/session_tokens.hpp"
#include "server/http.hpp"

namespace cv::server {

struct Principal {
  std::string token_id;  // "dev" under --dev-accept-any-token
  std::string vault;
  std::set<std::string> permissions;  // lower-case "secrets/get", "secrets/all", "all"
};

class Authenticator {
 public:
  // `session` (may be null): process-lifetime tokens (serve --ephemeral, the managed-identity endpoint),
  // which open every vault in `session_vaults` (lower case) with every permission.
  Authenticator(std::string catalog_path, bool accept_any,
                std::shared_ptr<const vault::SessionTokens> session = nullptr,
                std::set<std::string> session_vaults = {});
  // Unauthenticated (401) for a missing, malformed, unknown, revoked or expired token, or one
  // minted for another vault. The message never quotes the token.
  Result<Principal> authenticate(std::string_view authorization, const std::string& vault);
  // The same for the vault-management routes: only an admin token (`token create --admin`) passes.
  Result<Principal> authenticate_admin(std::string_view authorization);

 private:
  vault::TokenVerifier verifier_;
  bool accept_any_;
  std::shared_ptr<const vault::SessionTokens> session_;
  std::set<std::string> session_vaults_;
};

bool allowed(const Principal& p, const Permission& perm);
// 401 with Key Vault's WWW-Authenticate challenge, which the SDKs need to start their token flow.
// `host` is the request's Host header (valid_host): the challenge's resource is derived from it
// (challenge_resource) so that the SDKs' default resource verification passes.
Response unauthorized(const std::string& message, std::string_view host);
// The challenge's resource for a request to `host`: "https://" + the host without its first label, port
// kept ("a.localhost:8443" -> "https://localhost:8443"). The SDKs accept a resource only when the
// request's host ends with "." + the resource's host (JS compares host names, Python host:port), so this
// is the longest resource both accept. A host with one label ("localhost:8443", "[::1]:8443") has no
// such suffix: it gets "https://" + itself, which passes neither check (docs/drop-in.md).
std::string challenge_resource(std::string_view host);
// 403 in Key Vault's words: "... does not have secrets get permission on key vault 'V' ...".
Response forbidden(const Principal& p, const Permission& perm, const std::string& vault);

}  // namespace cv::server
