// The Key Vault data-plane REST server (`coldvault serve`). Its bearer tokens are the domain's
// (coldvault/access_tokens.hpp).
//
// The server speaks HTTPS/1.1 with keep-alive over its own epoll event loops and a strict HTTP/1.1
// parser (docs/adr/0008-event-loop-transport.md). Every
// request is authenticated first (401 with Key Vault's challenge), then routed, then checked
// against the token's permissions (403), and only then is its body parsed. docs/rest.md lists
// routes, limits and status codes.
//
// Threads: `threads` event-loop threads that hold every connection (an open connection costs no
// thread: a TLS object without buffers and a few hundred bytes), and `workers` vault worker threads,
// each running one request at a time with one of at most `workers` vault::Services (each one
// catalogue connection plus a Token on the shared module). A Service that saw the HSM fail is dropped and reopened on next use, so the server
// recovers by itself when the token comes back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/error.hpp"
#include "coldvault/secure_string.hpp"
#include "coldvault/session_tokens.hpp"
#include "coldvault/vault.hpp"

namespace cv::server {

struct ServeOptions {
  vault::HomeOptions home;
  std::string vault;  // requests to 127.0.0.1 / localhost / unmapped hosts go here
  std::string listen = "127.0.0.1:8443";
  std::string tls_cert, tls_key;       // both or neither; neither = issue from <home>/tls/ca.pem
  std::vector<std::string> hostnames;  // "H" (-> vault) or "H=V"; added to the issued certificate
  bool dev_accept_any_token = false;   // any bearer token passes, with every permission
  unsigned threads = 0;                // event-loop threads; 0 = min(2, cores)
  unsigned workers = 8;                // vault worker threads, and Services in the pool
  std::size_t max_body = 1u << 20;     // request body limit in bytes (413 above it)
  // Seconds between purges of soft-deleted objects and vaults past their scheduled purge date (one runs
  // at start); 0 = never (the CLI still purges opportunistically).
  unsigned purge_interval = 3600;
  // Folder of the whole-vault bundle jobs (POST /backup, PUT /restore): bundles are written to and
  // restored from it; made 0700 when missing. Empty: those routes answer 400.
  std::string bundle_dir;
  // Called once the socket is bound, with the lines to print (URL, CA path); then the server runs
  // until SIGINT or SIGTERM.
  std::function<void(const std::vector<std::string>&)> on_ready;

  // --- the drop-in mode (serve --ephemeral, docs/drop-in.md); all off by default ---
  // Process-lifetime tokens (the printed one, the managed-identity endpoint's): they open every vault
  // of the catalogue at start with every permission.
  std::shared_ptr<const vault::SessionTokens> session_tokens;
  // Unknown host names get a 404 naming the vaults instead of reaching the default vault.
  bool strict_hosts = false;
  // The managed-identity endpoint on 127.0.0.1 (identity_port; 0: any free port), answering with the
  // header value identity_header; tokens live identity_lifetime seconds. Needs session_tokens.
  bool identity_endpoint = false;
  int identity_port = 0;
  SecureString identity_header;
  unsigned identity_lifetime = 3600;
  // serve --seed FILE: loaded before the first connection is accepted; a refused entry fails the start.
  std::string seed_file;
  // serve --ephemeral --catalog URL: the throwaway home's catalogue in this PostgreSQL database (empty, no
  // password in the URL; ADR 0023) instead of a SQLite file in the folder. The database keeps its rows when
  // the server stops.
  std::string catalog;
  // Called when ready, after on_ready, with what a client needs.
  struct Ready {
    int port = 0;
    std::string trust_file;             // the PEM clients must trust
    std::vector<std::string> vaults;    // every vault of the catalogue at start, as created
    std::string identity_url;           // empty without the endpoint
  };
  std::function<void(const Ready&)> on_ready_info;
  // Called once the server has stopped taking requests and before it closes anything of its own (its
  // Services, the catalogue; the last Token finalises the module): work the caller started on the token
  // must end here.
  std::function<void()> on_stopping;
};

// `serve --ephemeral`: a throwaway home in a fresh folder under $TMPDIR (embedded token, catalogue, TLS),
// the vaults `vaults` (the first is the default), then serve(o) with session tokens, strict host names and
// the managed-identity endpoint; `print_line` gets the one JSON line for clients (docs/drop-in.md). The
// folder is removed when the server stops or the start fails. o.home and o.vault are ignored.
Result<void> serve_ephemeral(ServeOptions o, const std::vector<std::string>& vaults, int port,
                             const std::function<void(const SecureString&)>& print_line);

// Runs the server until SIGINT/SIGTERM. Errors only for start-up failures (bad options, port taken,
// unreadable TLS files, the vault missing, the HSM refusing the PIN).
Result<void> serve(const ServeOptions& o);

// TEST BUILDS ONLY (main.cpp under COLDVAULT_TEST_HOOKS, `--test-job-gate FILE`): every bundle job waits until
// FILE exists before it starts, so a test sees a job in progress without racing it. Never set otherwise.
void set_test_job_gate(std::string path);

}  // namespace cv::server
