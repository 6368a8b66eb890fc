// The request pipeline without the transport: Host -> vault, authenticate (401), api-version (400),
// route (404/405), permission (403), borrow a Service (503 if the HSM is away), run the handler,
// map its error. The vault workers (workers.hpp) feed it complete requests from the event loops;
// unit tests call handle() directly.
//
// Thread safety: handle() may run on every worker thread at once.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/vault.hpp"
#include "server/auth.hpp"
#include "server/bundle_jobs.hpp"
#include "server/http.hpp"
#include "server/pool.hpp"
#include "server/request_context.hpp"
#include "server/router.hpp"

namespace cv::server {

struct AppConfig {
  std::string scheme = "https";
  std::string catalog_path;
  VaultResolver resolver;
  bool accept_any_token = false;
  std::size_t workers = 8;
  std::function<Result<vault::Service>()> open_service;
  std::string bundle_dir;  // serve --bundle-dir, absolute; empty: the bundle job routes answer 400
  // serve --ephemeral's process-lifetime tokens (null: none), opening the vaults in session_vaults.
  std::shared_ptr<const vault::SessionTokens> session_tokens;
  std::set<std::string> session_vaults;
  // Retire every pooled Service when their PKCS#11 module asks to be recycled (docs/adr/0022-module-
  // recycling.md). serve turns it on; unit tests may leave it off.
  bool recycle_hsm_module = false;
  // Pooled Services beyond `workers`, for handshake signatures with the token TLS key (sign_tls): one per
  // event loop, so a handshake never waits for a busy worker's Service.
  std::size_t handshake_signers = 0;
};

// api-versions this server answers (2016-10-01 .. 2026-04-01 and previews; docs/rest.md "api-versions").
bool supported_api_version(const std::string& v);
// Whether a request target is the management API's (its path starts with subscriptions/).
bool is_management(const std::string& target);
// api-versions of the management API: an ARM date, "2023-07-01" or "2023-07-01-preview".
bool supported_management_api_version(const std::string& v);

class App {
 public:
  explicit App(AppConfig cfg);
  Response handle(const Request& req);
  // A TLS handshake's ECDSA signature with the token key labelled key_label (raw r||s), made through a
  // pooled Service like a request's work, so the key follows the Services through an outage and a module
  // recycle (docs/adr/0025-tls-key-through-the-pool.md). HsmUnavailable when no Service can be had; an
  // outage drops the Services as a request's does. Called on the event loops.
  Result<Bytes> sign_tls(const std::string& key_label, ByteView digest);
  // Drops the idle pooled Services (their caches: vault handles, unwrapped keys). After a vault purge made
  // elsewhere, so no worker keeps session objects of a vault that is gone.
  void drop_idle_services() { pool_.discard_idle(); }
  // Errors that reached the client as 5xx (for the log line server.cpp prints).
  std::uint64_t server_errors() const { return server_errors_.load(); }
  // Waits for a running bundle job (bundle_jobs.hpp) to finish; at shutdown, before the Services go.
  void wait_jobs() { jobs_.wait(); }

 private:
  Response probe(const Request& req);  // GET /healthz, /readyz
  Response run(const Request& req);
  // Runs fn(vault::Service&) on a pooled Service (requests and handshake signatures alike). A Service that
  // cannot be opened (token absent, module gone, catalogue locked) empties the idle ones and comes back as
  // HsmUnavailable, never the caller's fault whatever code the adapter chose; an HSM outage inside fn
  // discards this Service and the idle ones, so the next call reopens them.
  template <class Fn>
  auto with_service(Fn&& fn) -> decltype(fn(std::declval<vault::Service&>()));
  Response finish(const Request& req, Response r, const std::string& request_id);
  std::optional<Response> check_caller(const Request& req, const std::string& vault,
                                       Principal& out);
  AppConfig cfg_;
  Router router_;
  Router management_;
  Authenticator auth_;
  Pool<vault::Service> pool_;
  // The pooled Services are not dropped after a restore job: a restore only adds vaults and objects, and
  // their caches (vault handles, unwrapped keys of existing objects) stay true, as with a CLI restore made
  // while the server runs.
  BundleJobs jobs_;
  std::atomic<std::uint64_t> request_ids_{0};
  // This run's random halves of the request ids (app.cpp, guid): unique across restarts.
  std::array<std::uint64_t, 2> run_{};
  std::atomic<std::uint64_t> server_errors_{0};
};

}  // namespace cv::server
