// Bearer tokens in HTTP terms (see auth.hpp).
#include "server/auth.hpp"

#include <algorithm>
#include <cctype>

#include "server/errors.hpp"

namespace cv::server {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Error unauthenticated(std::string message) {
  return Error{Errc::Unauthenticated, std::move(message), {}, "Unauthorized", {}};
}

}  // namespace

Authenticator::Authenticator(std::string catalog_path, bool accept_any,
                             std::shared_ptr<const vault::SessionTokens> session,
                             std::set<std::string> session_vaults)
    : verifier_(std::move(catalog_path)),
      accept_any_(accept_any),
      session_(std::move(session)),
      session_vaults_(std::move(session_vaults)) {}

// The token text of "Bearer <token>", or the 401 for a header that is not one.
static Result<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty())
    return std::unexpected(unauthenticated("AKV10000: Request is missing a Bearer or PoP token."));
  if (authorization.size() <= kBearer.size() ||
      lower(std::string(authorization.substr(0, kBearer.size()))) != "bearer ")
    return std::unexpected(
        unauthenticated("AKV10001: The authorization header is not a Bearer token."));
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

// The principal of a verdict, or the 401 naming why not (`scope` ends the "not valid for" message).
static Result<Principal> principal_of(Result<vault::TokenCheck> check, const std::string& scope) {
  if (!check) return std::unexpected(check.error());
  switch (check->verdict) {
    case vault::TokenVerdict::Valid:
      return Principal{check->token.id, check->token.vault, std::move(check->granted)};
    case vault::TokenVerdict::Revoked:
      return std::unexpected(unauthenticated("AKV10033: The bearer token has been revoked."));
    case vault::TokenVerdict::Expired:
      return std::unexpected(unauthenticated("AKV10034: The bearer token has expired."));
    case vault::TokenVerdict::Invalid:
      break;
  }
  return std::unexpected(unauthenticated("AKV10032: The bearer token is not valid for " + scope + "."));
}

Result<Principal> Authenticator::authenticate(std::string_view authorization,
                                              const std::string& vault) {
  auto token = bearer_token(authorization);
  if (!token) return std::unexpected(token.error());
  if (accept_any_ && !token->empty()) return Principal{"dev", vault, {"all"}};
  if (session_ && vault::SessionTokens::looks_like(*token)) {
    switch (session_->verify(*token, vault::Service::now())) {
      case vault::SessionVerdict::Valid:
        if (session_vaults_.contains(lower(vault))) return Principal{"session", vault, {"all"}};
        break;
      case vault::SessionVerdict::Expired:
        return std::unexpected(unauthenticated("AKV10034: The bearer token has expired."));
      case vault::SessionVerdict::Invalid:
        break;
    }
    return std::unexpected(unauthenticated("AKV10032: The bearer token is not valid for key vault '" + vault + "'."));
  }
  return principal_of(verifier_.verify(*token, vault), "key vault '" + vault + "'");
}

Result<Principal> Authenticator::authenticate_admin(std::string_view authorization) {
  auto token = bearer_token(authorization);
  if (!token) return std::unexpected(token.error());
  if (accept_any_ && !token->empty()) return Principal{"dev", "", {"vaults/all"}};
  return principal_of(verifier_.verify_admin(*token),
                      "the management API (mint one with `coldvault token create --admin`)");
}

bool allowed(const Principal& p, const Permission& perm) {
  return vault::permits(p.permissions, perm.collection, perm.action);
}

std::string challenge_resource(std::string_view host) {
  std::string h = lower(std::string(host));
  if (h.empty() || h.front() == '[') return "https://" + h;  // an IPv6 literal has no labels
  auto colon = h.find(':');
  std::string name = h.substr(0, colon), port = colon == std::string::npos ? "" : h.substr(colon);
  auto dot = name.find('.');
  if (dot == std::string::npos || dot + 1 == name.size()) return "https://" + h;
  return "https://" + name.substr(dot + 1) + port;
}

Response unauthorized(const std::string& message, std::string_view host) {
  Response r = error_response(401, "Unauthorized", message);
  r.headers.emplace_back("WWW-Authenticate",
                         "Bearer authorization=\"https://login.microsoftonline.com/"
                         "00000000-0000-0000-0000-000000000000\", resource=\"" +
                             challenge_resource(host) + "\"");
  return r;
}

Response forbidden(const Principal& p, const Permission& perm, const std::string& vault) {
  return error_response(
      403, "Forbidden",
      "The user, group or application 'token=" + p.token_id + "' does not have " + perm.collection +
          " " + perm.action + " permission on key vault '" + vault +
          ";location=local'. Grant it with `coldvault token create --permissions " +
          perm.collection + "/" + perm.action + "`.",
      "AccessDenied");
}

}  // namespace cv::server
