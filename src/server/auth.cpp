// Bearer tokens: minting, checking, permissions.
#include "server/auth.hpp"

#include <algorithm>
#include <cctype>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/server.hpp"
#include "server/errors.hpp"

namespace cv::server {
namespace {

constexpr std::string_view kPrefix = "cv1_";
constexpr std::size_t kIdHex = 16;

// Key Vault's access-policy permission names (az keyvault set-policy), spelled as it spells them.
const std::map<std::string, std::vector<std::string>> kPermissions = {
    {"secrets", {"get", "list", "set", "delete", "recover", "backup", "restore", "purge"}},
    {"keys",
     {"get",
      "list",
      "update",
      "create",
      "import",
      "delete",
      "recover",
      "backup",
      "restore",
      "decrypt",
      "encrypt",
      "unwrapKey",
      "wrapKey",
      "verify",
      "sign",
      "purge",
      "rotate",
      "getrotationpolicy",
      "setrotationpolicy",
      "release"}},
    {"certificates",
     {"get", "list", "update", "create", "import", "delete", "recover", "backup", "restore",
      "managecontacts", "manageissuers", "getissuers", "listissuers", "setissuers", "deleteissuers",
      "purge"}},
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Error unauthenticated(std::string message) {
  return Error{Errc::Unauthenticated, std::move(message), {}, "Unauthorized", {}};
}

}  // namespace

Result<std::string> normalize_permissions(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  auto add = [&](std::string p) {
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  };
  for (const auto& raw : items) {
    std::size_t start = 0;
    while (start <=
           raw.size()) {  // "--permissions a,b" and "--permissions a --permissions b" alike
      auto comma = raw.find(',', start);
      std::string item =
          raw.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? raw.size() + 1 : comma + 1;
      if (item.empty()) continue;
      if (lower(item) == "all") {
        add("all");
        continue;
      }
      auto slash = item.find('/');
      auto coll = kPermissions.find(lower(item.substr(0, slash)));
      if (slash == std::string::npos || coll == kPermissions.end())
        return fail(Errc::BadParameter,
                    "unknown permission '" + item +
                        "': use secrets/<p>, keys/<p>, certificates/<p>, <c>/all or all");
      std::string action = lower(item.substr(slash + 1));
      if (action == "all") {
        add(coll->first + "/all");
        continue;
      }
      auto it = std::find_if(coll->second.begin(), coll->second.end(),
                             [&](const std::string& a) { return lower(a) == action; });
      if (it == coll->second.end()) {
        std::string known;
        for (const auto& a : coll->second) known += (known.empty() ? "" : ", ") + a;
        return fail(Errc::BadParameter,
                    "unknown permission '" + item + "'; " + coll->first + ": " + known);
      }
      add(coll->first + "/" + *it);
    }
  }
  if (out.empty()) return fail(Errc::BadParameter, "give at least one permission (or all)");
  std::string joined;
  for (const auto& p : out) joined += (joined.empty() ? "" : ",") + p;
  return joined;
}

Result<MintedToken> mint_token(vault::Service& svc, const std::string& vault,
                               const std::vector<std::string>& permissions,
                               const std::string& label, std::optional<std::int64_t> expires) {
  auto perms = normalize_permissions(permissions);
  if (!perms) return std::unexpected(perms.error());
  auto row = svc.catalog().vault(vault);
  if (!row) return std::unexpected(row.error());
  auto id = svc.token().random(kIdHex / 2);
  if (!id) return std::unexpected(id.error());
  auto secret = svc.token().random(32);
  if (!secret) return std::unexpected(secret.error());
  MintedToken m;
  m.token = std::string(kPrefix) + to_hex(*id) + "_" + base64url_encode(*secret);
  secure_wipe(secret->data(), secret->size());
  m.row.id = to_hex(*id);
  m.row.vault = row->name;
  m.row.hash = crypto::sha256(as_bytes(m.token));
  m.row.permissions = *perms;
  m.row.label = label;
  m.row.created = vault::Service::now();
  m.row.expires = expires;
  if (auto r = store::add_api_token(svc.catalog(), m.row); !r) return std::unexpected(r.error());
  return m;
}

std::optional<std::string> token_id_of(std::string_view token) {
  if (token.size() < kPrefix.size() + kIdHex + 2 || token.substr(0, kPrefix.size()) != kPrefix)
    return {};
  std::string_view id = token.substr(kPrefix.size(), kIdHex);
  if (token[kPrefix.size() + kIdHex] != '_') return {};
  if (!std::all_of(id.begin(), id.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) &&
               !std::isupper(static_cast<unsigned char>(c));
      }))
    return {};
  return std::string(id);
}

Authenticator::Authenticator(std::string catalog_path, bool accept_any)
    : catalog_path_(std::move(catalog_path)), accept_any_(accept_any) {}

Result<store::ApiTokenRow> Authenticator::lookup(const std::string& id) {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (auto it = cache_.find(id);
      it != cache_.end() && now - it->second.second < std::chrono::seconds(kCacheSeconds))
    return it->second.first;
  if (!catalog_) {
    auto c = store::Catalog::open(catalog_path_);
    if (!c) return std::unexpected(c.error());
    catalog_.emplace(std::move(*c));
  }
  auto row = store::api_token(*catalog_, id);
  if (!row) return std::unexpected(row.error());
  if (cache_.size() > 10000) cache_.clear();  // bounded: ids are attacker-chosen only if valid
  cache_[id] = {*row, now};
  return row;
}

Result<Principal> Authenticator::authenticate(std::string_view authorization,
                                              const std::string& vault) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty())
    return std::unexpected(unauthenticated("AKV10000: Request is missing a Bearer or PoP token."));
  if (authorization.size() <= kBearer.size() ||
      lower(std::string(authorization.substr(0, kBearer.size()))) != "bearer ")
    return std::unexpected(
        unauthenticated("AKV10001: The authorization header is not a Bearer token."));
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (accept_any_ && !token.empty()) return Principal{"dev", vault, {"all"}};
  Error invalid =
      unauthenticated("AKV10032: The bearer token is not valid for key vault '" + vault + "'.");
  auto id = token_id_of(token);
  if (!id) return std::unexpected(invalid);
  auto row = lookup(*id);
  if (!row) {
    if (row.error().code == Errc::NotFound) return std::unexpected(invalid);
    return std::unexpected(row.error());
  }
  if (!crypto::equal_ct(crypto::sha256(as_bytes(token)), row->hash))
    return std::unexpected(invalid);
  if (row->revoked)
    return std::unexpected(unauthenticated("AKV10033: The bearer token has been revoked."));
  if (row->expires && vault::Service::now() >= *row->expires)
    return std::unexpected(unauthenticated("AKV10034: The bearer token has expired."));
  if (lower(row->vault) != lower(vault)) return std::unexpected(invalid);
  Principal p{row->id, row->vault, {}};
  std::size_t start = 0;
  while (start <= row->permissions.size()) {
    auto comma = row->permissions.find(',', start);
    p.permissions.insert(lower(row->permissions.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return p;
}

bool allowed(const Principal& p, const Permission& perm) {
  return p.permissions.count("all") || p.permissions.count(perm.collection + "/all") ||
         p.permissions.count(lower(perm.collection + "/" + perm.action));
}

Response unauthorized(const std::string& message) {
  Response r = error_response(401, "Unauthorized", message);
  r.headers.emplace_back(
      "WWW-Authenticate",
      "Bearer authorization=\"https://login.microsoftonline.com/"
      "00000000-0000-0000-0000-000000000000\", resource=\"https://vault.azure.net\"");
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
