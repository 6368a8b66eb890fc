// `coldvault serve`: start-up checks, the TLS context, the listening socket, then the event loops
// and vault workers (docs/adr/0008-event-loop-transport.md) until SIGINT/SIGTERM.
#include "coldvault/key_rotation.hpp"
#include "coldvault/vault_lifecycle.hpp"
#include "coldvault/server.hpp"

#include <pthread.h>
#include <signal.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>

#include "coldvault/tls_key.hpp"
#include "coldvault/tls_stream.hpp"
#include "coldvault/vault_info.hpp"
#include "coldvault/audit.hpp"
#include "coldvault/heap_tuning.hpp"
#include "server/app.hpp"
#include "server/errors.hpp"
#include "server/event_loop.hpp"
#include "server/identity_endpoint.hpp"
#include "server/listener.hpp"
#include "server/seed.hpp"
#include "server/workers.hpp"

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

// One pass of retention expiry on a Service of its own (the pool's are busy with requests). Returns whether
// a vault was purged (then the idle pooled Services, which may cache its keys, are dropped).
bool purge_expired_once(const vault::HomeOptions& home, const SecureBytes& pin) {
  auto svc = vault::Service::open(home, pin);
  if (!svc) {
    std::cerr << "coldvault serve: expiry skipped: " << svc.error().message << "\n";
    return false;
  }
  audit::Record rec;
  rec.time = vault::Service::now();
  rec.via = "system";
  rec.operation = "coldvault.purge-expired";
  rec.actor = "system";
  audit::Scope scope(std::move(rec), vault::catalog_path(svc->home()));
  auto r = vault::purge_expired(*svc);
  if (!r) {
    std::cerr << "coldvault serve: expiry failed: " << r.error().message << "\n";
    return false;
  }
  if (r->objects || r->vaults)
    std::cerr << "coldvault serve: purged " << r->objects << " objects and " << r->vaults
              << " vaults past their scheduled purge date\n";
  // Keys whose rotation policy's Rotate action is due, on the same timer and clock (coldvault/key_rotation.hpp).
  if (auto rot = vault::rotate_due(*svc); !rot) {
    std::cerr << "coldvault serve: automatic key rotation failed: " << rot.error().message << "\n";
  } else {
    if (rot->rotated) std::cerr << "coldvault serve: rotated " << rot->rotated << " keys by their rotation policy\n";
    for (const auto& e : rot->errors) std::cerr << "coldvault serve: automatic rotation of " << e << "\n";
  }
  return r->vaults > 0;
}

// Signs an audit checkpoint on a Service of its own: when `always`, if the log grew since the last one;
// otherwise only when kCheckpointEvery records came since (docs/audit.md §3).
void audit_checkpoint(const vault::HomeOptions& home, const SecureBytes& pin, bool always) {
  auto due = audit::checkpoint_due(vault::catalog_path(vault::resolve_home(home)), always);
  if (due && !*due) return;  // no login to the token for nothing
  auto svc = vault::Service::open(home, pin);
  if (!svc) {
    std::cerr << "coldvault serve: audit checkpoint skipped: " << svc.error().message << "\n";
    return;
  }
  Result<void> r = audit::checkpoint_if_due(*svc);
  if (always)
    if (auto c = audit::checkpoint(*svc, audit::Recheck::SinceLast); !c) r = std::unexpected(c.error());
  if (!r) std::cerr << "coldvault serve: the audit checkpoint failed: " << r.error().message << "\n";
}

// The bundle folder as an absolute path, made (0700: bundles name the vault's objects' counts and sizes,
// and only this user restores from it) when missing. An existing folder keeps its mode.
Result<std::string> prepare_bundle_dir(const std::string& dir) {
  if (dir.empty()) return std::string();
  std::error_code ec;
  auto abs = std::filesystem::absolute(dir, ec).lexically_normal().string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  if (ec) return fail(Errc::BadParameter, "invalid --bundle-dir '" + dir + "': " + ec.message());
  struct stat st{};
  if (::stat(abs.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return fail(Errc::BadParameter, "--bundle-dir '" + abs + "' is not a folder");
    return abs;
  }
  if (::mkdir(abs.c_str(), 0700) != 0)
    return fail(Errc::StorageFailure, "cannot make the bundle folder " + abs + ": " + std::strerror(errno));
  return abs;
}

}  // namespace

void set_test_job_gate(std::string path) { BundleJobs::set_test_gate(std::move(path)); }

Result<void> serve(const ServeOptions& o) {
  if (o.vault.empty()) return fail(Errc::BadParameter, "give --vault-name");
  if (o.tls_cert.empty() != o.tls_key.empty())
    return fail(Errc::BadParameter, "give both --tls-cert and --tls-key, or neither");
  auto listen = parse_listen(o.listen);
  if (!listen) return std::unexpected(listen.error());
  auto bundle_dir = prepare_bundle_dir(o.bundle_dir);
  if (!bundle_dir) return std::unexpected(bundle_dir.error());
  std::vector<HostMapping> map;
  for (const auto& h : o.hostnames) {
    auto m = parse_hostname_option(h, o.vault);
    if (!m) return std::unexpected(m.error());
    map.push_back(*m);
  }

  std::optional<vault::TlsSetup> tls;
  // Handshakes sign with the token TLS key through the App's pool (ADR 0025); set once the App exists,
  // before any connection is accepted.
  std::atomic<App*> signing_app{nullptr};

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
  auto vaults = vault::list_vaults(*keeper);
  if (!vaults) return std::unexpected(vaults.error());
  std::vector<std::string> known;  // lower case: "<vault>.localhost" answers for these
  for (const auto& v : *vaults) known.push_back(host_without_port(v.name));
  if (o.tls_cert.empty()) {
    // One SAN per vault: a wildcard under a single-label name ("*.localhost") is refused by most clients.
    for (const auto& k : known) {
      dns.push_back(k + ".vault.localhost");
      dns.push_back(k + ".localhost");
    }
    for (const auto& m : map) dns.push_back(m.host);
    if (is_ip(listen->host) && listen->host != "127.0.0.1" && listen->host != "0.0.0.0" &&
        listen->host != "::" && listen->host != "::1")
      ips.push_back(listen->host);
    std::erase_if(dns, [](const std::string& d) { return is_ip(d); });
  }
  vault::TlsSigner sign = [&signing_app, label = vault::tls_key_label(keeper->domain_kid())](
                              ByteView digest) -> Result<Bytes> {
    App* a = signing_app.load();
    if (a == nullptr) return fail(Errc::Internal, "the server is not serving yet");
    return a->sign_tls(label, digest);
  };
  auto prepared = vault::prepare_tls(*keeper, o.tls_cert, o.tls_key, dns, ips, std::move(sign));
  if (!prepared) return std::unexpected(prepared.error());
  tls.emplace(std::move(*prepared));

  unsigned threads = o.threads;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 2u);
  auto shared_pin = std::make_shared<SecureBytes>(std::move(*pin));
  auto first_slot = std::make_shared<std::optional<vault::Service>>(std::move(*keeper));
  std::mutex first_mu;
  AppConfig cfg{"https",
                vault::catalog_path(home),
                VaultResolver(o.vault, map, known, o.strict_hosts),
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
                },
                *bundle_dir,
                o.session_tokens,
                std::set<std::string>(known.begin(), known.end()),
                // Module recycling (ADR 0022): the TLS key signs through the pool too, so nothing
                // outside the pool's Services holds the module for long (ADR 0025).
                true,
                o.tls_cert.empty() ? threads : 0u};
  App app(std::move(cfg));
  signing_app = &app;

  auto ctx = tls::Context::server([&tls](ssl_ctx_st* c) { return tls->identity.apply(c); });
  if (!ctx) return std::unexpected(ctx.error());
  raise_fd_limit();

  // SIGINT/SIGTERM are taken by one thread with sigwait; block them before any other thread exists
  // so every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  // A client that hangs up while its answer is being written must cost an EPIPE, not the process:
  // OpenSSL writes to the socket with write(), which raises SIGPIPE.
  signal(SIGPIPE, SIG_IGN);

  auto listener = Listener::bind(listen->host, listen->port);
  if (!listener) return std::unexpected(listener.error());
  std::unique_ptr<IdentityEndpoint> identity;
  if (o.identity_endpoint) {
    if (!o.session_tokens) return fail(Errc::Internal, "the managed-identity endpoint needs session tokens");
    auto ep = IdentityEndpoint::start({o.session_tokens, o.identity_header, o.identity_lifetime}, o.identity_port);
    if (!ep) return std::unexpected(ep.error());
    identity = std::move(*ep);
  }
  // The seed runs before any connection is accepted (the loops do not exist yet): a refused entry ends
  // the start here, and the caller discards the home.
  if (!o.seed_file.empty()) {
    auto seed = load_seed_file(o.seed_file);
    if (!seed) return std::unexpected(seed.error());
    if (!o.session_tokens) return fail(Errc::BadParameter, "--seed needs --ephemeral");
    if (auto r = run_seed(app, *seed, *o.session_tokens, listener->port()); !r)
      return std::unexpected(r.error());
  }

  Workers workers(o.workers, [&app](const Request& r) { return app.handle(r); });
  LoopConfig loop_cfg;
  loop_cfg.limits.max_body = o.max_body;
  std::vector<std::unique_ptr<EventLoop>> loops;
  for (unsigned i = 0; i < threads; ++i) {
    auto loop = EventLoop::create(listener->fd(), *ctx, workers, loop_cfg);
    if (!loop) return std::unexpected(loop.error());
    loops.push_back(std::move(*loop));
  }

  std::string shown =
      listen->host == "0.0.0.0" || listen->host == "::" ? "127.0.0.1" : listen->host;
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  std::vector<std::string> lines = {
      "listening on https://" + shown + ":" + std::to_string(listener->port()) + " (vault '" +
      o.vault + "', " + std::to_string(threads) + " event-loop threads, " +
      std::to_string(o.workers) + " vault workers)",
      // Not the URL again: scripts take the port from the one https:// URL of this output (tests/e2e/lib.bash).
      "web console: that address + /console/ (docs/adr/0020-web-console.md)"};
  lines.insert(lines.end(), tls->lines.begin(), tls->lines.end());
  if (o.on_ready) o.on_ready(lines);
  if (o.on_ready_info) {
    ServeOptions::Ready ready{listener->port(), tls->trust_file, {}, identity ? identity->url() : ""};
    for (const auto& v : *vaults) ready.vaults.push_back(v.name);
    o.on_ready_info(ready);
  }
  // A stable line test frameworks can wait for (docs/drop-in.md); /readyz answers 200 from now on.
  std::cerr << "coldvault serve: ready\n" << std::flush;

  std::mutex stop_mu;
  bool stop_requested = false;
  std::thread waiter([&loops, &stop_mu, &stop_requested, sigs] {
    int sig = 0;
    sigwait(&sigs, &sig);
    std::lock_guard lock(stop_mu);
    stop_requested = true;
    for (auto& l : loops) l->stop();
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
  // Audit checkpoints: every 30 s when kCheckpointEvery records came, every 10 minutes when any did; then the
  // free heap goes back to the kernel (coldvault/heap_tuning.hpp).
  // $COLDVAULT_HEAP_LOG=1: a heap line after each trim (the soak samples it beside RSS).
  const char* heap_env = std::getenv("COLDVAULT_HEAP_LOG");
  const bool heap_log = heap_env != nullptr && std::string_view(heap_env) == "1";
  std::thread checkpoints([&] {
    std::unique_lock lock(expiry_mu);
    for (int tick = 1; !expiry_cv.wait_for(lock, std::chrono::seconds(30), [&] { return stopping; }); ++tick) {
      lock.unlock();
      audit_checkpoint(o.home, *shared_pin, tick % 20 == 0);
      release_free_heap();
      if (heap_log) {
        const HeapUse h = heap_use();
        std::cerr << "coldvault serve: heap in use " << h.in_use / 1024 << " KiB, free held " << h.free_held / 1024
                  << " KiB\n";
      }
      lock.lock();
    }
  });
  // The first loop runs on this thread, the others on their own.
  std::vector<std::thread> loop_threads;
  for (std::size_t i = 1; i < loops.size(); ++i)
    loop_threads.emplace_back([&loops, i] { loops[i]->run(); });
  loops[0]->run();
  {
    // A loop that stopped by itself (epoll failed) stops the others; the waiter is woken.
    std::lock_guard lock(stop_mu);
    if (!stop_requested) {
      for (auto& l : loops) l->stop();
      pthread_kill(waiter.native_handle(), SIGTERM);
    }
  }
  for (auto& t : loop_threads) t.join();
  waiter.join();
  // Running requests finish (their answers are dropped); queued ones are dropped unanswered.
  workers.stop();
  loops.clear();
  // A bundle job in progress finishes (a half-written bundle is never left; a restore commits or not).
  app.wait_jobs();
  if (o.on_stopping) o.on_stopping();
  {
    std::lock_guard lock(expiry_mu);
    stopping = true;
  }
  expiry_cv.notify_all();
  if (expiry.joinable()) expiry.join();
  checkpoints.join();
  // The last requests' records are covered by a checkpoint signed at shutdown.
  audit_checkpoint(o.home, *shared_pin, true);
  // Tests read this line to prove that no request was answered with a 5xx.
  std::cerr << "coldvault serve: stopped; " << app.server_errors() << " server errors (5xx)\n";
  return {};
}

}  // namespace cv::server
