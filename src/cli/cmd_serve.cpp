// `coldvault serve`: the Key Vault REST server (docs/rest.md).
#include <iostream>

#include "cli/common.hpp"
#include "coldvault/server.hpp"

namespace cv::cli {
namespace {

struct Ephemeral {
  bool on = false;
  std::vector<std::string> vaults;
  int port = 0;
};

}  // namespace

void add_serve_command(CLI::App& app, Globals& g) {
  auto o = std::make_shared<server::ServeOptions>();
  auto e = std::make_shared<Ephemeral>();
  auto* serve = app.add_subcommand("serve", "Serve the Key Vault data-plane REST API over HTTPS");
  serve->add_option("--vault-name", e->vaults,
                    "Vault for requests to 127.0.0.1/localhost; with --ephemeral, repeatable (the first is "
                    "the default)")
      ->required();
  serve->add_flag("--ephemeral", e->on,
                  "A throwaway home in a temporary folder (removed on exit), the vaults, a token and the "
                  "managed-identity endpoint; prints one JSON line for clients (docs/drop-in.md)");
  auto* port = serve->add_option("--port", e->port, "--ephemeral: port on 127.0.0.1 (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  auto* catalog = serve->add_option("--catalog", o->catalog,
                                    "--ephemeral: keep the catalogue in this empty PostgreSQL database "
                                    "(postgresql://...; no password in it)");
  serve->add_option("--seed", o->seed_file,
                    "--ephemeral: secrets, keys and certificates to load at start (JSON, docs/drop-in.md)");
  auto* lifetime = serve->add_option("--identity-token-lifetime", o->identity_lifetime,
                    "--ephemeral: seconds a managed-identity token lives")
      ->capture_default_str()
      ->check(CLI::Range(60u, 86400u));
  auto* listen = serve->add_option("--listen", o->listen, "Address and port (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--tls-cert", o->tls_cert,
                    "Server certificate chain (PEM); default: issued by <home>/tls/ca.pem");
  serve->add_option("--tls-key", o->tls_key, "Server private key (PEM)");
  serve->add_option(
      "--hostname", o->hostnames,
      "Extra host name for the certificate, HOST (default vault) or HOST=VAULT; repeatable");
  serve->add_flag(
      "--dev-accept-any-token", o->dev_accept_any_token,
      "INSECURE: accept any bearer token with every permission (throwaway test setups only)");
  serve
      ->add_option("--threads", o->threads,
                   "Event-loop threads holding the connections (default: min(2, cores))")
      ->check(CLI::Range(1u, 64u));
  serve
      ->add_option("--workers", o->workers,
                   "Vault worker threads (catalogue connection + HSM session each)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  serve->add_option("--purge-interval", o->purge_interval,
                    "Seconds between purges of soft-deleted objects and vaults past their purge date (0: never)")
      ->capture_default_str();
  serve->add_option("--bundle-dir", o->bundle_dir,
                    "Folder of whole-vault bundles for POST /backup and PUT /restore (made 0700 if missing)");
  serve->add_option("--max-body", o->max_body, "Request body limit in bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20));
  serve->callback([&g, o, e, port, lifetime, listen, catalog] {
    if (e->on) {
      if (listen->count())
        die(Errc::BadParameter, "--listen is not for --ephemeral, which serves on 127.0.0.1 only: use --port");
      // The JSON line carries the token: stdout only, flushed, never stderr or a log.
      need(server::serve_ephemeral(*o, e->vaults, e->port, [](const SecureString& line) {
        std::cout.write(line.data(), static_cast<std::streamsize>(line.size()));
        std::cout << "\n" << std::flush;
      }));
      return;
    }
    if (e->vaults.size() != 1) die(Errc::BadParameter, "give one --vault-name (several need --ephemeral)");
    if (!o->seed_file.empty()) die(Errc::BadParameter, "--seed needs --ephemeral");
    if (catalog->count())
      die(Errc::BadParameter, "--catalog needs --ephemeral (a home's catalogue is chosen by `init --catalog`)");
    if (port->count() || lifetime->count())
      die(Errc::BadParameter, "--port and --identity-token-lifetime need --ephemeral (without it: --listen)");
    o->vault = e->vaults.front();
    o->home = g.home;
    if (o->dev_accept_any_token)
      std::cerr
          << "\n"
             "*****************************************************************************\n"
             "*  WARNING: --dev-accept-any-token: ANY bearer token is accepted with EVERY   *\n"
             "*  permission. Anyone who can reach this port can read and destroy the vault. *\n"
             "*  Use this only for throwaway test setups.                                   *\n"
             "*****************************************************************************\n\n";
    o->on_ready = [](const std::vector<std::string>& lines) {
      for (const auto& l : lines) std::cout << l << "\n";
      std::cout.flush();
    };
    need(server::serve(*o));
  });
}

}  // namespace cv::cli
