// REST bearer tokens as the domain sees them: minting, listing, revoking, and verifying a presented
// token text. The front doors (CLI `token`, the server's Authenticator) call only this; the
// catalogue rows (coldvault/api_tokens.hpp) and the hashing stay behind it.
//
// Token text: "cv1_<id>_<secret>", id = 16 lower-case hex (public, the catalogue row), secret = 32
// random bytes from the token's RNG, base64url. The catalogue holds SHA-256 of the whole text only;
// a presented token is hashed and compared in constant time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// What coldvault knows of a token (never its text).
struct AccessToken {
  std::string id;           // 16 lower-case hex, public
  std::string vault;        // the vault's name as created
  std::string permissions;  // canonical comma-separated list (normalize_permissions)
  std::string label;
  std::int64_t created = 0;
  std::optional<std::int64_t> expires;
  std::optional<std::int64_t> revoked;
};

struct MintedAccessToken {
  AccessToken token;
  std::string text;  // the only copy of the bearer token text: show it once, never log it
};

// Key Vault permission names a token may carry: "secrets/get", "keys/unwrapKey", "secrets/all",
// "all". Returns the canonical comma-separated list (case as Key Vault spells it, duplicates
// removed); BadParameter naming the unknown entry otherwise.
Result<std::string> normalize_permissions(const std::vector<std::string>& items);

// Splits "cv1_<id>_<secret>" and returns the id; nullopt if the text is not of that form.
std::optional<std::string> access_token_id(std::string_view text);

// Creates a token for `vault` and stores its SHA-256. BadParameter for an unknown permission,
// NotFound if the vault does not exist.
Result<MintedAccessToken> mint_access_token(Service& svc, const std::string& vault,
                                            const std::vector<std::string>& permissions,
                                            const std::string& label,
                                            std::optional<std::int64_t> expires);
// Every token of a vault, oldest first (revoked ones included). NotFound if the vault does not
// exist.
Result<std::vector<AccessToken>> list_access_tokens(Service& svc, const std::string& vault);
// Marks a live token revoked now. NotFound if the vault has no such live token.
Result<void> revoke_access_token(Service& svc, const std::string& vault, const std::string& id);

// Management-API ("admin") tokens: text "cva1_<id>_<secret>", kept in their own table, opening only the
// vault-management routes (create, delete, recover, purge, update vaults), never a vault's data. Their
// AccessToken has an empty vault and permissions "admin".
Result<MintedAccessToken> mint_admin_token(Service& svc, const std::string& label, std::optional<std::int64_t> expires);
Result<std::vector<AccessToken>> list_admin_tokens(Service& svc);
Result<void> revoke_admin_token(Service& svc, const std::string& id);

// Whether a set of granted permissions (lower-case: "all", "secrets/all", "secrets/get") allows
// `action` on `collection` ("secrets", "get"; compared case-insensitively).
bool permits(const std::set<std::string>& granted, const std::string& collection,
             const std::string& action);

// The outcome of checking a presented token against a vault.
enum class TokenVerdict {
  Valid,
  Invalid,  // malformed, unknown, wrong secret, or minted for another vault
  Revoked,
  Expired,
};

struct TokenCheck {
  TokenVerdict verdict = TokenVerdict::Invalid;
  AccessToken token;              // Valid, Revoked, Expired: the token's row
  std::set<std::string> granted;  // Valid: its permissions, lower-case
};

// Verifies presented token texts against a home's catalogue, for a long-running process.
//
// Cache: rows are kept while the catalogue is unchanged (SQLite's data_version, one cheap read per
// request), so a keep-alive client costs no token SELECT per request, and a revocation or any other
// write, by any process, empties the cache: the next request reads the row again (issue 23; it was a
// 2-second window before). A new token is never stale (an unknown id is not cached).
//
// Thread safety: one mutex around the catalogue connection and the cache; use from every thread.
class TokenVerifier {
 public:
  explicit TokenVerifier(std::string catalog_path);
  TokenVerifier(TokenVerifier&&) noexcept;
  ~TokenVerifier();

  // The verdict for `text` presented to `vault`; errors only when the catalogue cannot be read
  // (StorageFailure and kin), never for a bad token.
  Result<TokenCheck> verify(std::string_view text, const std::string& vault);
  // The same for the management API: only admin tokens are Valid there (granted = {"vaults/all"}).
  Result<TokenCheck> verify_admin(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cv::vault
