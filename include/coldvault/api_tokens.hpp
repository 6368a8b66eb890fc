// REST bearer tokens in the catalogue (table api_tokens, schema step 2).
//
// A token is shown once when minted and stored only as SHA-256 of its text, so a copy of catalog.db
// cannot be replayed against the server. Rows are looked up by their public id (embedded in the
// token text); the caller compares the hash in constant time. Revocation keeps the row (for the
// audit trail) and sets `revoked`.
//
// Thread safety: as Catalog (one connection, one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/catalog.hpp"

namespace cv::store {

struct ApiTokenRow {
  std::string id;     // 16 lower-case hex, public
  std::string vault;  // the vault the token opens (compared case-insensitively)
  Bytes hash;         // SHA-256 of the whole token text
  std::string
      permissions;  // comma-separated Key Vault permission names, e.g. "secrets/get,keys/sign"
  std::string label;
  std::int64_t created = 0;
  std::optional<std::int64_t> expires;
  std::optional<std::int64_t> revoked;
};

// Conflict if the id or hash exists; NotFound if the vault does not.
Result<void> add_api_token(Catalog& c, const ApiTokenRow& t);
// NotFound if no token has this id (revoked tokens are returned, with `revoked` set).
Result<ApiTokenRow> api_token(Catalog& c, const std::string& id);
// Every token of a vault, oldest first.
Result<std::vector<ApiTokenRow>> api_tokens(Catalog& c, const std::string& vault);
// Marks a token revoked at `when`. NotFound if the vault has no such live token.
Result<void> revoke_api_token(Catalog& c, const std::string& vault, const std::string& id,
                              std::int64_t when);

// Management-API tokens (table admin_tokens, schema step 4): the same row without vault or permissions
// (vault is empty, permissions "admin"); they open the vault-management routes only.
Result<void> add_admin_token(Catalog& c, const ApiTokenRow& t);
Result<ApiTokenRow> admin_token(Catalog& c, const std::string& id);
Result<std::vector<ApiTokenRow>> admin_tokens(Catalog& c);
Result<void> revoke_admin_token(Catalog& c, const std::string& id, std::int64_t when);

}  // namespace cv::store
