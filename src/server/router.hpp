// Path splitting and route matching for Key Vault URLs.
//
// Key Vault clients rely on empty path segments: `/secrets/{n}/` means "latest version" and
// `/keys/{n}//sign` is a versionless crypto call, so a path is split on '/' keeping empty segments,
// and never collapsed. Patterns name their segments: a literal, `{name}` (one non-empty segment) or
// `{version?}` (one segment that may be empty, or absent at the end). A single trailing slash is
// accepted on any route. Literals compare case-insensitively, as Key Vault's do.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/error.hpp"
#include "server/http.hpp"

namespace cv::server {

// "/a//b/" -> {"a", "", "b", ""}; leading slashes are dropped; each segment percent-decoded.
// BadParameter for a malformed %-escape.
Result<std::vector<std::string>> split_path(std::string_view path);
// "api%2Dversion=7.5&maxresults=2" -> {{"api-version","7.5"},{"maxresults","2"}}; names and values
// percent-decoded ('+' is a space in values). A repeated name keeps its first value.
Result<std::map<std::string, std::string>> parse_query(std::string_view query);
Result<std::string> percent_decode(std::string_view s, bool plus_is_space);
std::string percent_encode(std::string_view s);

struct Route {
  std::string method;
  std::vector<std::string> pattern;  // segments of e.g. "secrets/{name}/{version?}"
  // Every one is needed (a whole-vault backup needs backup on each collection). Empty only for routes
  // whose handler checks the caller against what the object needs (a bundle job's status: Ctx::allows),
  // and for those any token of the vault may call (POST /blobs/verify: a verdict on the caller's own blob).
  std::vector<Permission> permissions;
  Handler handler;
};

struct Match {
  const Route* route = nullptr;  // null: no route
  bool method_mismatch = false;  // some route has this path, none this method
  Params params;
};

class Router {
 public:
  // REQUIRES: pattern uses only literals, {name}, and {version?}.
  void add(std::string method, std::string_view pattern, Permission perm, Handler h);
  // The same with several permissions, each needed (none: the handler checks, see Route::permissions).
  void add_needing(std::string method, std::string_view pattern, std::vector<Permission> perms, Handler h);
  // The route with the most literal segments among those matching, so `secrets/{name}/versions`
  // wins over `secrets/{name}/{version?}`.
  Match match(std::string_view method, const std::vector<std::string>& segments) const;

 private:
  std::vector<Route> routes_;
};

// Each resource file registers its routes.
void add_secret_routes(Router& r);
void add_key_routes(Router& r);
void add_key_op_routes(Router& r);
void add_key_rotation_routes(Router& r);  // routes_key_rotation.cpp
void add_rng_routes(Router& r);           // routes_rng.cpp
void add_backup_routes(Router& r);
void add_certificate_routes(Router& r);
void add_certificate_op_routes(Router& r);
void add_certificate_issuer_routes(Router& r);  // routes_certificate_issuers.cpp
class BundleJobs;
// Whole-vault bundle jobs (routes_bundle.cpp): `dir` is serve's --bundle-dir (empty: none, every such route
// answers 400), `open` opens the jobs' own Services, `jobs` outlives the Router.
void add_bundle_routes(Router& r, std::string dir, std::function<Result<vault::Service>()> open, BundleJobs& jobs);
// The vault-management (ARM-shaped) routes, in their own Router: paths under subscriptions/, admin tokens.
void add_management_routes(Router& r);

}  // namespace cv::server
