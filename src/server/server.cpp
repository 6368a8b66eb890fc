// `coldvault serve`: cpp-httplib's SSLServer feeding App (docs/adr/0002-http-library.md).
//
// This is the only file that includes httplib.h, which pulls in OpenSSL for TLS: the one sanctioned
// exception to "only src/crypto includes OpenSSL" (certificate issuance itself stays in
// src/crypto).
#include "coldvault/vault_lifecycle.hpp"
#include "coldvault/server.hpp"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <condition_variable>
#include <mutex>

#include "coldvault/tls_key.hpp"
#include "coldvault/vault_info.hpp"
#include "server/app.hpp"
#include "server/errors.hpp"

namespace cv::server {
namespace {

struct Listen {
  std::string host;
  int port = 0;
};

Result<Listen> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return fail(Errc::BadParameter,
                "invalid --listen '" + text + "': use HOST:PORT, e.g. 127.0.0.1:8443");
  Listen l{text.substr(0, colon), 0};
  if (l.host.front() == '[' && l.host.back() == ']') l.host = l.host.substr(1, l.host.size() - 2);
  try {
    std::size_t used = 0;
    l.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || l.port < 0 || l.port > 65535)
      throw std::out_of_range("port");
  } catch (const std::exception&) {
    return fail(Errc::BadParameter, "invalid port in --listen '" + text + "'");
  }
  return l;
}

bool is_ip(const std::string& h) {
  return h.find_first_not_of("0123456789.") == std::string::npos ||
         h.find(':') != std::string::npos;
}

Request convert(const httplib::Request& in) {
  Request r;
  r.method = in.method;
  r.target = in.target;
  r.host = in.get_header_value("Host");
  r.authorization = in.get_header_value("Authorization");
  r.client_request_id = in.get_header_value("x-ms-client-request-id");
  r.body.assign(in.body.data(), in.body.size());  // SecureString: wiped when the request is done
  return r;
}

// After a handler, wipes httplib's copy of the body, the one other copy we can still reach (its
// earlier growth copies and the socket and TLS read buffers are beyond reach: docs/threat-model.md).
// The Request is a non-const local of httplib's connection loop that it only hands out as const, so
// writing through const_cast is defined; nothing reads the body after the handler.
void wipe_body(const httplib::Request& in) {
  auto& body = const_cast<std::string&>(in.body);
  body.resize(body.capacity());  // spare capacity too: a body received in chunks grew in place
  secure_wipe(body.data(), body.size());
  body.clear();
}

void emit(const Response& r, httplib::Response& out) {
  out.status = r.status;
  for (const auto& [k, v] : r.headers) out.set_header(k, v);
  if (r.status != 204) out.set_content(r.body, "application/json");
}

// Turns httplib's own refusals (malformed request 400, body over the limit 413, ...) into Key
// Vault's envelope: the SDK fails with a TypeError on an error without a JSON body.
void fill_error(httplib::Response& res, std::size_t max_body) {
  if (!res.body.empty()) return;
  Response r;
  switch (res.status) {
    case 413:
      r = error_response(
          413, "RequestEntityTooLarge",
          "The request body is larger than the limit of " + std::to_string(max_body) + " bytes.");
      break;
    case 404:
      r = error_response(404, "NotFound", "There is no operation at this path.");
      break;
    case 405:
      r = error_response(405, "MethodNotAllowed", "The method is not allowed on this resource.");
      break;
    case 414:
      r = error_response(414, "BadParameter", "The request URL is too long.");
      break;
    default:
      r = error_response(
          res.status, res.status >= 500 ? "InternalError" : "BadParameter",
          res.status >= 500 ? "The server hit an internal error." : "The request is malformed.");
  }
  res.set_content(r.body, "application/json");
}

// One pass of retention expiry on a Service of its own (the pool's are busy with requests). Returns whether
// a vault was purged (then the idle pooled Services, which may cache its keys, are dropped).
bool purge_expired_once(const vault::HomeOptions& home, const SecureBytes& pin) {
  auto svc = vault::Service::open(home, pin);
  if (!svc) {
    std::cerr << "coldvault serve: expiry skipped: " << svc.error().message << "\n";
    return false;
  }
  auto r = vault::purge_expired(*svc);
  if (!r) {
    std::cerr << "coldvault serve: expiry failed: " << r.error().message << "\n";
    return false;
  }
  if (r->objects || r->vaults)
    std::cerr << "coldvault serve: purged " << r->objects << " objects and " << r->vaults
              << " vaults past their scheduled purge date\n";
  return r->vaults > 0;
}

}  // namespace

Result<void> serve(const ServeOptions& o) {
  if (o.vault.empty()) return fail(Errc::BadParameter, "give --vault-name");
  if (o.tls_cert.empty() != o.tls_key.empty())
    return fail(Errc::BadParameter, "give both --tls-cert and --tls-key, or neither");
  auto listen = parse_listen(o.listen);
  if (!listen) return std::unexpected(listen.error());
  std::vector<HostMapping> map;
  for (const auto& h : o.hostnames) {
    auto m = parse_hostname_option(h, o.vault);
    if (!m) return std::unexpected(m.error());
    map.push_back(*m);
  }

  // Declared before every Service so it is destroyed after them: libp11's teardown closes all
  // sessions of the slot and finalises the module (vault::TlsIdentity's contract).
  std::optional<vault::TlsSetup> tls;

  // The PIN is read once; every pooled Service logs in with this copy.
  auto pin = vault::Service::read_pin(o.home);
  if (!pin) return std::unexpected(pin.error());
  // Opened for the start-up checks and the TLS key, then lent to the first request.
  auto keeper = vault::Service::open(o.home, *pin);
  if (!keeper) return std::unexpected(keeper.error());
  if (auto v = keeper->vault(o.vault); !v) return std::unexpected(v.error());
  for (const auto& m : map)
    if (auto v = keeper->vault(m.vault); !v) return std::unexpected(v.error());
  std::string home = keeper->home();

  std::vector<std::string> dns = {"localhost", "*.vault.localhost"};
  std::vector<std::string> ips = {"127.0.0.1", "::1"};
  if (o.tls_cert.empty()) {
    auto vaults = vault::list_vaults(*keeper);
    if (!vaults) return std::unexpected(vaults.error());
    for (const auto& v : *vaults)
      dns.push_back(host_without_port(v.name) + ".vault.localhost");  // lower case
    for (const auto& m : map) dns.push_back(m.host);
    if (is_ip(listen->host) && listen->host != "127.0.0.1" && listen->host != "0.0.0.0" &&
        listen->host != "::" && listen->host != "::1")
      ips.push_back(listen->host);
    std::erase_if(dns, [](const std::string& d) { return is_ip(d); });
  }
  auto prepared = vault::prepare_tls(*keeper, *pin, o.tls_cert, o.tls_key, dns, ips);
  if (!prepared) return std::unexpected(prepared.error());
  tls.emplace(std::move(*prepared));

  // KNOWN LIMIT: when an HSM outage makes the pool drop every Service, the last Token finalises the
  // module (so SoftHSM re-reads its token on reopen, which is how the server heals); libp11's
  // sessions die with it and new TLS handshakes fail until `serve` is restarted. Connections
  // already open keep working. docs/rest.md "TLS".
  auto shared_pin = std::make_shared<SecureBytes>(std::move(*pin));
  auto first_slot = std::make_shared<std::optional<vault::Service>>(std::move(*keeper));
  std::mutex first_mu;
  AppConfig cfg{"https",
                vault::catalog_path(home),
                VaultResolver(o.vault, map),
                o.dev_accept_any_token,
                o.workers,
                [home_opts = o.home, shared_pin, first_slot, &first_mu]() -> Result<vault::Service> {
                  {
                    std::lock_guard lock(first_mu);
                    if (*first_slot) {
                      vault::Service s = std::move(**first_slot);
                      first_slot->reset();
                      return s;
                    }
                  }
                  return vault::Service::open(home_opts, *shared_pin);
                }};
  App app(std::move(cfg));

  // The callback form: the identity sets certificate, key, TLS 1.2 floor and cipher list itself
  // (the path and X509* constructors would put the floor at TLS 1.1).
  std::optional<Error> tls_error;
  httplib::SSLServer svr([&tls, &tls_error](SSL_CTX& ctx) {
    auto r = tls->identity.apply(&ctx);
    if (!r) tls_error = r.error();
    return r.has_value();
  });
  if (!svr.is_valid())
    return std::unexpected(tls_error ? *tls_error
                                     : Error{Errc::Internal, "cannot create the TLS context", {}, {}, {}});
  unsigned threads = o.threads ? o.threads : 128;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // The library's compiled-in default closes a connection after 5 requests; SDK agents and load
  // generators keep one socket for many.
  svr.set_keep_alive_max_count(100000);
  // httplib writes headers and body separately; with Nagle on, the body waits for the client's
  // delayed ACK and every response takes ~40 ms.
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_timeout(10);
  svr.set_read_timeout(30);
  svr.set_write_timeout(30);
  svr.set_payload_max_length(o.max_body);
  auto handler = [&app](const httplib::Request& req, httplib::Response& res) {
    struct Wipe {
      const httplib::Request& r;
      ~Wipe() { wipe_body(r); }
    } wipe{req};  // also when the handler throws
    emit(app.handle(convert(req)), res);
  };
  svr.set_pre_routing_handler([&app](const httplib::Request& req, httplib::Response& res) {
    // Answering before the body is read would leave it in the keep-alive stream, to be parsed as
    // the next request. Requests with a body are authenticated by App::handle() instead, still
    // before the body is parsed.
    std::string length = req.get_header_value("Content-Length");
    if ((!length.empty() && length != "0") || req.has_header("Transfer-Encoding"))
      return httplib::Server::HandlerResponse::Unhandled;
    auto early = app.preflight(convert(req));  // the body is not read yet: convert() sees it empty
    if (!early) return httplib::Server::HandlerResponse::Unhandled;
    emit(*early, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.Get(".*", handler);
  svr.Post(".*", handler);
  svr.Put(".*", handler);
  svr.Patch(".*", handler);
  svr.Delete(".*", handler);
  svr.Options(".*", handler);
  std::size_t max_body = o.max_body;
  svr.set_error_handler(
      [max_body](const httplib::Request&, httplib::Response& res) { fill_error(res, max_body); });
  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.body.clear();
        fill_error(res, 0);
      });

  // SIGINT/SIGTERM are taken by one thread with sigwait (stop() is not async-signal-safe); block
  // them before the pool threads exist so they inherit the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  int port = listen->port;
  if (port == 0) {
    port = svr.bind_to_any_port(listen->host);
    if (port < 0) return fail(Errc::BadParameter, "cannot listen on " + o.listen);
  } else if (!svr.bind_to_port(listen->host, port)) {
    return fail(Errc::BadParameter, "cannot listen on " + o.listen + " (port in use?)");
  }
  std::string shown =
      listen->host == "0.0.0.0" || listen->host == "::" ? "127.0.0.1" : listen->host;
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  std::vector<std::string> lines = {"listening on https://" + shown + ":" + std::to_string(port) +
                                    " (vault '" + o.vault + "', " + std::to_string(threads) +
                                    " connection threads, " + std::to_string(o.workers) +
                                    " vault workers)"};
  lines.insert(lines.end(), tls->lines.begin(), tls->lines.end());
  if (o.on_ready) o.on_ready(lines);

  std::thread waiter([&svr, sigs] {
    int sig = 0;
    sigwait(&sigs, &sig);
    svr.stop();
  });
  // Retention expiry: at start, then every purge_interval seconds until the server stops.
  std::mutex expiry_mu;
  std::condition_variable expiry_cv;
  bool stopping = false;
  std::thread expiry;
  if (o.purge_interval > 0)
    expiry = std::thread([&] {
      std::unique_lock lock(expiry_mu);
      do {
        lock.unlock();
        if (purge_expired_once(o.home, *shared_pin)) app.drop_idle_services();
        lock.lock();
      } while (!expiry_cv.wait_for(lock, std::chrono::seconds(o.purge_interval), [&] { return stopping; }));
    });
  bool ok = svr.listen_after_bind();
  pthread_kill(waiter.native_handle(),
               SIGTERM);  // wakes the waiter if the server stopped by itself
  waiter.join();
  {
    std::lock_guard lock(expiry_mu);
    stopping = true;
  }
  expiry_cv.notify_all();
  if (expiry.joinable()) expiry.join();
  // Tests read this line to prove that no request was answered with a 5xx.
  std::cerr << "coldvault serve: stopped; " << app.server_errors() << " server errors (5xx)\n";
  if (!ok && svr.is_running()) return fail(Errc::Internal, "the server stopped unexpectedly");
  return {};
}

}  // namespace cv::server
