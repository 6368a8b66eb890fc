// The request pipeline (see app.hpp for the order of checks and why it matters to the SDKs).
#include "server/app.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <iostream>
#include <random>

#include "coldvault/audit.hpp"
#include "coldvault/audit_ops.hpp"
#include "coldvault/tls_key.hpp"
#include "server/console.hpp"
#include "server/errors.hpp"

namespace cv::server {
namespace {

// A request id is a GUID (8-4-4-4-12 hex) as Key Vault's are: the first 8 bytes name this server's run
// (random, version nibble 4), the last 8 are the request counter XOR a random mask of the run with the
// RFC 4122 variant bits set. The counter makes ids unique within a run (the mask and the variant bits
// leave 62 bits of it), the run half makes them unique across restarts; audit records name them.
std::array<std::uint64_t, 2> run_randoms() {
  std::random_device rd;
  auto word = [&rd] { return (std::uint64_t{rd()} << 32) | rd(); };
  return {word(), word()};
}

std::string guid(std::uint64_t run, std::uint64_t mask, std::uint64_t counter) {
  std::uint64_t hi = (run & ~std::uint64_t{0xF000}) | 0x4000;
  std::uint64_t lo = ((counter ^ mask) & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

// Every GA data-plane version from 2016-10-01 on, and the previews the SDKs still send (docs/rest.md).
constexpr const char* kApiVersions[] = {
    "2016-10-01",    "7.0",           "7.1",           "7.2-preview",   "7.2",
    "7.3-preview",   "7.3",           "7.4-preview.1", "7.4",           "7.5-preview.1",
    "7.5",           "7.6-preview.1", "7.6-preview.2", "7.6",           "2025-07-01",
    "2026-04-01"};  // @azure/keyvault-secrets 4.12 defaults to it

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }
std::string query_of(const std::string& target) {
  auto q = target.find('?');
  return q == std::string::npos ? std::string() : target.substr(q + 1);
}

}  // namespace

bool supported_api_version(const std::string& v) {
  for (const char* k : kApiVersions)
    if (v == k) return true;
  return false;
}

bool is_management(const std::string& target) {
  std::string p = path_of(target);
  std::size_t i = p.find_first_not_of('/');
  if (i == std::string::npos) return false;
  std::string first = p.substr(i, p.find('/', i) == std::string::npos ? std::string::npos : p.find('/', i) - i);
  std::transform(first.begin(), first.end(), first.begin(), [](unsigned char c) { return std::tolower(c); });
  return first == "subscriptions";
}

bool supported_management_api_version(const std::string& v) {
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i)
      if (i >= v.size() || !std::isdigit(static_cast<unsigned char>(v[i]))) return false;
    return true;
  };
  bool date = v.size() >= 10 && digits(0, 4) && v[4] == '-' && digits(5, 2) && v[7] == '-' && digits(8, 2);
  return date && (v.size() == 10 || v.substr(10) == "-preview");
}

// The pool's retire predicate: true once per recycle_bound() session objects of the shared module.
static bool retire_for_recycle(vault::Service& s) {
  if (!s.token().claim_module_recycle()) return false;
  std::cerr << "coldvault serve: the PKCS#11 module has made " << s.token().module_session_objects()
            << " session objects; reopening every vault worker so it is finalised and its memory freed "
               "(docs/adr/0022-module-recycling.md)\n";
  return true;
}

App::App(AppConfig cfg)
    : cfg_(std::move(cfg)),
      auth_(cfg_.catalog_path, cfg_.accept_any_token, cfg_.session_tokens, cfg_.session_vaults),
      pool_(cfg_.open_service, cfg_.workers + cfg_.handshake_signers, std::chrono::seconds(30),
            cfg_.recycle_hsm_module ? Pool<vault::Service>::Retire(retire_for_recycle) : nullptr),
      run_(run_randoms()) {
  add_secret_routes(router_);
  add_key_routes(router_);
  add_key_op_routes(router_);
  add_key_rotation_routes(router_);
  add_rng_routes(router_);
  add_backup_routes(router_);
  add_certificate_routes(router_);
  add_certificate_op_routes(router_);
  add_certificate_issuer_routes(router_);
  add_bundle_routes(router_, cfg_.bundle_dir, cfg_.open_service, jobs_);
  add_management_routes(management_);
}

Response App::handle(const Request& req) {
  // Probes for orchestrators and test frameworks: no token, no api-version, no audit record (a probe a
  // second would drown the log). docs/drop-in.md.
  if (req.method == "GET" && (req.target == "/healthz" || req.target == "/readyz")) return probe(req);
  // The console's static files: public, the same for everyone, so no token and no audit record either; what
  // the console then does goes through the API below like any client's (docs/adr/0020-web-console.md).
  if (is_console(req.target)) return console_response(req, cfg_.scheme);
  // A browser's CORS preflight carries no token by design (Fetch standard): answered here, for origins of
  // this server only, with nothing but the allow headers; the call it announces is then checked in full.
  if (req.method == "OPTIONS" && !req.origin.empty())
    return preflight_response(req, own_origin(req.origin, req.host, cfg_.scheme, cfg_.resolver));
  // One audit record per request (docs/audit.md): changes record it as they commit; what is left (a
  // read, a refusal) is written below, before the answer leaves, or the answer is an error instead.
  audit::Record rec;
  rec.time = vault::Service::now();
  rec.via = "rest";
  rec.request_id = guid(run_[0], run_[1], ++request_ids_);
  if (!req.client_request_id.empty() && valid_host(req.client_request_id)) rec.client_request_id = req.client_request_id;
  rec.client = req.peer;
  rec.operation = req.method.substr(0, 16) + " " + path_of(req.target).substr(0, 200);
  audit::Scope scope(std::move(rec), cfg_.catalog_path);
  Response r;
  try {
    r = run(req);
  } catch (const std::exception& e) {
    // The REST handler wrapper: one of the two places exceptions are caught (a bug or bad_alloc).
    std::cerr << "coldvault serve: internal error on " << req.method << " " << path_of(req.target)
              << ": " << e.what() << "\n";
    r = error_response(500, "InternalError", "The server hit an internal error; see its log.");
  }
  std::string code;
  if (r.status >= 400) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    code = j.is_object() && j.contains("error") && j["error"].is_object() ? j["error"].value("code", "Error") : "Error";
  }
  // The final record goes through a pooled Service's catalogue (the file's group commit); with no Service
  // to be had (the HSM away), through a connection of its own.
  auto lease = pool_.acquire();
  audit::bind(scope, lease ? &**lease : nullptr);
  if (auto f = scope.finish(r.status, code); !f) {
    std::cerr << "coldvault serve: " << f.error().message << "; answering 503\n";
    r = error_response(503, "ServiceUnavailable", "The audit log could not record this request, so it was not answered.");
  }
  audit::bind(scope, nullptr);
  return finish(req, std::move(r), scope.record().request_id);
}

Response App::probe(const Request& req) {
  Response r;
  if (req.target == "/healthz") {
    r = json_response(200, {{"status", "ok"}});
  } else {
    // Ready: a pooled Service can be had, i.e. the token is logged in and the catalogue open.
    auto lease = pool_.acquire();
    if (lease)
      r = json_response(200, {{"status", "ready"}});
    else
      r = error_response(503, "ServiceUnavailable", "Not ready: " + lease.error().message);
  }
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

std::optional<Response> App::check_caller(const Request& req, const std::string& vault,
                                          Principal& out) {
  if (!valid_host(req.host))
    return error_response(400, "BadParameter", "The Host header is missing or invalid.");
  // Authentication comes before anything that looks at the path or body: the SDKs' first request
  // per client is an unauthenticated, bodiless probe that must get the challenge, not a 400. The
  // management API takes admin tokens only, the vaults' routes never do.
  auto principal = is_management(req.target) ? auth_.authenticate_admin(req.authorization)
                                             : auth_.authenticate(req.authorization, vault);
  if (!principal) {
    if (principal.error().code == Errc::Unauthenticated)
      return unauthorized(principal.error().message, req.host);
    return error_response(principal.error());
  }
  out = std::move(*principal);
  return std::nullopt;
}

Response App::finish(const Request& req, Response r, const std::string& request_id) {
  if (r.status >= 500) ++server_errors_;
  r.headers.emplace_back("x-ms-request-id", request_id);
  if (!req.client_request_id.empty() && valid_host(req.client_request_id))
    r.headers.emplace_back("x-ms-client-request-id", req.client_request_id);
  r.headers.emplace_back("Cache-Control", "no-cache");
  // What Key Vault's answers carry besides; no SDK reads them, but scripts and support tools log them.
  r.headers.emplace_back("x-ms-keyvault-service-version", COLDVAULT_VERSION);
  r.headers.emplace_back("x-ms-keyvault-region", "local");
  api_security_headers(r);
  if (!req.origin.empty() && own_origin(req.origin, req.host, cfg_.scheme, cfg_.resolver))
    cors_headers(r, req.origin);
  return r;
}

template <class Fn>
auto App::with_service(Fn&& fn) -> decltype(fn(std::declval<vault::Service&>())) {
  auto lease = pool_.acquire();
  if (!lease) {
    pool_.discard_idle();
    Error e = lease.error();
    e.code = Errc::HsmUnavailable;  // a missing token is NotFound in the adapter; here it is an outage
    return std::unexpected(std::move(e));
  }
  auto r = fn(**lease);
  if (!r && is_hsm_outage(r.error())) {
    lease->discard();
    pool_.discard_idle();
  }
  return r;
}

Response App::run(const Request& req) {
  const std::string& host = req.host;
  std::string vault = valid_host(host) ? cfg_.resolver.vault_for(host) : std::string();
  Principal principal;
  auto* scope = audit::Scope::current();
  scope->record().vault = vault;
  // A host name that names no vault: a plain 404 before the challenge, so a client with a typo in its
  // vault URL is told so instead of looping on 401s (docs/drop-in.md).
  if (vault.empty() && valid_host(host) && !is_management(req.target))
    return error_response(404, "VaultNotFound",
                          "No vault answers at host '" + host_without_port(host) +
                              "'. Known vaults: " + cfg_.resolver.known_list() +
                              " (https://<vault>.localhost:<port>).");
  if (auto refused = check_caller(req, vault, principal)) return std::move(*refused);
  scope->record().actor = principal.token_id == "dev" ? "dev"
                          : (is_management(req.target) ? "admin:" : "token:") + principal.token_id;

  auto segments = split_path(path_of(req.target));
  if (!segments) return error_response(segments.error());
  auto query = parse_query(query_of(req.target));
  if (!query) return error_response(query.error());
  auto v = query->find("api-version");
  if (v == query->end() || v->second.empty())
    return error_response(400, "BadParameter", "The 'api-version' query parameter is missing.");
  scope->record().api_version = v->second.substr(0, 64);
  const bool management = is_management(req.target);
  if (management && !supported_management_api_version(v->second))
    return error_response(400, "InvalidApiVersionParameter",
                          "The api-version '" + v->second.substr(0, 32) +
                              "' is invalid. The supported versions are ARM dates such as '2023-07-01'.");
  if (management) vault.clear();
  if (!management && !supported_api_version(v->second))
    return error_response(
        400, "BadParameter",
        "The specified version (" + v->second.substr(0, 32) +
            ") is not recognized. Consider using the latest supported version (2025-07-01).");

  Match m = (management ? management_ : router_).match(req.method, *segments);
  if (!m.route) {
    if (m.method_mismatch)
      return error_response(
          405, "MethodNotAllowed",
          "The method " + req.method.substr(0, 16) + " is not allowed on this resource.");
    return error_response(404, "NotFound", "There is no operation at this path.");
  }
  {
    auto& a = scope->record();
    std::string pattern;
    for (const auto& seg : m.route->pattern) pattern += (pattern.empty() ? "" : "/") + seg;
    a.operation = audit::rest_operation(req.method, pattern);
    a.name = m.params.name;
    a.version = m.params.version;
    if (management) {
      a.type = "vault";
      a.vault = m.params.name;
    } else if (const std::string& coll = m.route->pattern.front(); coll.ends_with("secrets")) {
      a.type = "secret";
    } else if (coll.ends_with("keys")) {
      a.type = "key";
    } else if (coll.ends_with("certificates")) {
      a.type = "certificate";
    }
  }
  for (const auto& perm : m.route->permissions)
    if (!allowed(principal, perm)) return forbidden(principal, perm, vault);

  auto result = with_service([&](vault::Service& svc) {
    Ctx ctx{req,      *query, vault, cfg_.scheme + "://" + host, v->second, path_of(req.target),
            m.params, svc,    [&principal](const Permission& p) { return allowed(principal, p); }};
    auto r = m.route->handler(ctx);
    // A vault changed through the management API: idle workers must not keep its handles or unwrapped keys.
    if (r && management && req.method != "GET") pool_.discard_idle();
    return r;
  });
  if (result) return std::move(*result);
  const Error& e = result.error();
  if (status_for(e) >= 500)
    std::cerr << "coldvault serve: " << req.method << " " << path_of(req.target) << " -> "
              << status_for(e) << " " << errc_name(e.code) << ": " << e.message
              << (e.native.empty() ? "" : " [" + e.native + "]") << "\n";
  return error_response(e);
}

Result<Bytes> App::sign_tls(const std::string& key_label, ByteView digest) {
  auto sig = with_service([&](vault::Service& svc) { return vault::sign_with_tls_key(svc, key_label, digest); });
  if (!sig) {
    std::cerr << "coldvault serve: a TLS handshake cannot be signed: " << sig.error().message
              << (sig.error().native.empty() ? "" : " [" + sig.error().native + "]") << "\n";
  }
  return sig;
}

}  // namespace cv::server
