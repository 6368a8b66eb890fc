// REST bearer tokens: minting, listing, revoking and verifying (coldvault/access_tokens.hpp).
#include "coldvault/access_tokens.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>

#include "coldvault/api_tokens.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"

namespace cv::vault {
namespace {

constexpr std::string_view kPrefix = "cv1_";
constexpr std::string_view kAdminPrefix = "cva1_";
constexpr std::size_t kIdHex = 16;
constexpr std::size_t kCacheBound = 10000;  // ids reach the cache only when a row exists

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

AccessToken from_row(const store::ApiTokenRow& r) {
  return {r.id, r.vault, r.permissions, r.label, r.created, r.expires, r.revoked};
}

std::set<std::string> granted_of(const std::string& permissions) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= permissions.size()) {
    auto comma = permissions.find(',', start);
    out.insert(lower(
        permissions.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
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

// The id of "<prefix><16 hex>_<secret>", nullopt for any other text.
static std::optional<std::string> token_id(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size() + kIdHex + 2 || text.substr(0, prefix.size()) != prefix) return {};
  std::string_view id = text.substr(prefix.size(), kIdHex);
  if (text[prefix.size() + kIdHex] != '_') return {};
  if (!std::all_of(id.begin(), id.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) &&
               !std::isupper(static_cast<unsigned char>(c));
      }))
    return {};
  return std::string(id);
}

std::optional<std::string> access_token_id(std::string_view text) { return token_id(text, kPrefix); }

// A fresh token text with `prefix` and its row's id, hash and creation time; the caller fills the rest.
static Result<std::pair<std::string, store::ApiTokenRow>> new_token(Service& svc, std::string_view prefix) {
  auto id = svc.token().random(kIdHex / 2);
  if (!id) return std::unexpected(id.error());
  auto secret = svc.token().random(32);
  if (!secret) return std::unexpected(secret.error());
  std::string text = std::string(prefix) + to_hex(*id) + "_" + base64url_encode(*secret);
  secure_wipe(secret->data(), secret->size());
  store::ApiTokenRow t;
  t.id = to_hex(*id);
  t.hash = crypto::sha256(as_bytes(text));
  t.created = Service::now();
  return std::pair{std::move(text), std::move(t)};
}

Result<MintedAccessToken> mint_access_token(Service& svc, const std::string& vault,
                                            const std::vector<std::string>& permissions,
                                            const std::string& label,
                                            std::optional<std::int64_t> expires) {
  auto perms = normalize_permissions(permissions);
  if (!perms) return std::unexpected(perms.error());
  auto row = svc.catalog().vault(vault);
  if (!row) return std::unexpected(row.error());
  auto fresh = new_token(svc, kPrefix);
  if (!fresh) return std::unexpected(fresh.error());
  MintedAccessToken m;
  m.text = std::move(fresh->first);
  store::ApiTokenRow& t = fresh->second;
  t.vault = row->name;
  t.permissions = *perms;
  t.label = label;
  t.expires = expires;
  if (auto r = store::add_api_token(svc.catalog(), t); !r) return std::unexpected(r.error());
  m.token = from_row(t);
  return m;
}

Result<std::vector<AccessToken>> list_access_tokens(Service& svc, const std::string& vault) {
  if (auto v = svc.catalog().vault(vault); !v) return std::unexpected(v.error());
  auto rows = store::api_tokens(svc.catalog(), vault);
  if (!rows) return std::unexpected(rows.error());
  std::vector<AccessToken> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(from_row(r));
  return out;
}

Result<void> revoke_access_token(Service& svc, const std::string& vault, const std::string& id) {
  return store::revoke_api_token(svc.catalog(), vault, id, Service::now());
}

Result<MintedAccessToken> mint_admin_token(Service& svc, const std::string& label, std::optional<std::int64_t> expires) {
  auto fresh = new_token(svc, kAdminPrefix);
  if (!fresh) return std::unexpected(fresh.error());
  MintedAccessToken m;
  m.text = std::move(fresh->first);
  store::ApiTokenRow& t = fresh->second;
  t.permissions = "admin";
  t.label = label;
  t.expires = expires;
  if (auto r = store::add_admin_token(svc.catalog(), t); !r) return std::unexpected(r.error());
  m.token = from_row(t);
  return m;
}

Result<std::vector<AccessToken>> list_admin_tokens(Service& svc) {
  auto rows = store::admin_tokens(svc.catalog());
  if (!rows) return std::unexpected(rows.error());
  std::vector<AccessToken> out;
  for (const auto& r : *rows) out.push_back(from_row(r));
  return out;
}

Result<void> revoke_admin_token(Service& svc, const std::string& id) {
  return store::revoke_admin_token(svc.catalog(), id, Service::now());
}

bool permits(const std::set<std::string>& granted, const std::string& collection,
             const std::string& action) {
  return granted.count("all") || granted.count(collection + "/all") ||
         granted.count(lower(collection + "/" + action));
}

struct TokenVerifier::Impl {
  std::string catalog_path;
  std::mutex mu;
  std::optional<store::Catalog> catalog;
  std::int64_t seen = -1;  // the catalogue's data_version when the cache was last known current
  std::map<std::string, store::ApiTokenRow> cache;

  // admin: the row is an admin token's (cached under "a:" + id, so the two kinds never mix).
  Result<store::ApiTokenRow> lookup(const std::string& id, bool admin) {
    std::lock_guard lock(mu);
    if (!catalog) {
      auto c = store::Catalog::open(catalog_path);
      if (!c) return std::unexpected(c.error());
      catalog.emplace(std::move(*c));
    }
    // This connection never writes, so data_version moves exactly when another connection committed
    // (a mint, a revocation, or any other write): then every kept row is read again. A failed read (-1) is
    // never trusted.
    if (auto dv = catalog->data_version(); dv < 0 || dv != seen) {
      cache.clear();
      seen = dv;
    }
    const std::string key = (admin ? "a:" : "v:") + id;
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    auto row = admin ? store::admin_token(*catalog, id) : store::api_token(*catalog, id);
    if (!row) return std::unexpected(row.error());
    if (seen < 0) return row;
    if (cache.size() > kCacheBound) cache.clear();
    cache[key] = *row;
    return row;
  }
};

TokenVerifier::TokenVerifier(std::string catalog_path) : impl_(std::make_unique<Impl>()) {
  impl_->catalog_path = std::move(catalog_path);
}
TokenVerifier::TokenVerifier(TokenVerifier&&) noexcept = default;
TokenVerifier::~TokenVerifier() = default;

// Shared by verify and verify_admin: the row behind `text` checked for secret, revocation and expiry;
// Valid here still needs the caller's scope check.
static Result<TokenCheck> check_text(std::string_view text, std::optional<std::string> id,
                                     const std::function<Result<store::ApiTokenRow>(const std::string&)>& lookup) {
  TokenCheck out;  // Invalid until every check passed
  if (!id) return out;
  auto row = lookup(*id);
  if (!row) {
    if (row.error().code == Errc::NotFound) return out;
    return std::unexpected(row.error());
  }
  if (!crypto::equal_ct(crypto::sha256(as_bytes(text)), row->hash)) return out;
  out.token = from_row(*row);
  if (row->revoked) {
    out.verdict = TokenVerdict::Revoked;
    return out;
  }
  if (row->expires && Service::now() >= *row->expires) {
    out.verdict = TokenVerdict::Expired;
    return out;
  }
  out.verdict = TokenVerdict::Valid;
  out.granted = granted_of(row->permissions);
  return out;
}

Result<TokenCheck> TokenVerifier::verify(std::string_view text, const std::string& vault) {
  auto out = check_text(text, access_token_id(text), [&](const std::string& id) { return impl_->lookup(id, false); });
  if (out && out->verdict == TokenVerdict::Valid && lower(out->token.vault) != lower(vault)) return TokenCheck{};
  return out;
}

Result<TokenCheck> TokenVerifier::verify_admin(std::string_view text) {
  auto out = check_text(text, token_id(text, kAdminPrefix), [&](const std::string& id) { return impl_->lookup(id, true); });
  if (out && out->verdict == TokenVerdict::Valid) out->granted = {"vaults/all"};
  return out;
}

}  // namespace cv::vault
