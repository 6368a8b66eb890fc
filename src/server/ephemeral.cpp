// `serve --ephemeral`: a throwaway home, its vaults, and the one JSON line clients read
// (server.hpp).
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>
#include <nlohmann/json.hpp>

#include "coldvault/server.hpp"
#include "coldvault/vault_info.hpp"

namespace cv::server {
namespace {

// Removes the throwaway folder however the start or the server ends.
class TempHome {
 public:
  // Under $TMPDIR when the user set it; else in /dev/shm (memory) when there is one, else /tmp. Memory
  // because nothing of a throwaway home need reach a disk, and because the start's ~30 fsyncs (token
  // files, catalogue, TLS certificate) cost nothing there: on a busy disk they were most of the start.
  static Result<TempHome> make() {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp && *tmp ? tmp : ::access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string tmpl = base + "/coldvault-ephemeral-XXXXXX";
    if (!::mkdtemp(tmpl.data()))
      return fail(Errc::StorageFailure,
                  "cannot make a temporary folder under " + tmpl.substr(0, tmpl.rfind('/')));
    return TempHome(tmpl);
  }
  TempHome(TempHome&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempHome& operator=(TempHome&&) = delete;
  ~TempHome() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempHome(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

}  // namespace

Result<void> serve_ephemeral(ServeOptions o, const std::vector<std::string>& vaults, int port,
                             const std::function<void(const SecureString&)>& print_line) {
  if (vaults.empty()) return fail(Errc::BadParameter, "give at least one --vault-name");
  // A SIGINT/SIGTERM during the start must still remove the folder: block them now; serve() waits
  // for them with sigwait, and an early one is simply pending until then (or the start fails and we
  // return).
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  auto dir = TempHome::make();
  if (!dir) return std::unexpected(dir.error());
  o.home = vault::HomeOptions{dir->path() + "/home", "", "", ""};
  vault::InitOptions io;
  io.dev = true;  // a throwaway token: its SO PIN lives and dies with the folder
  // The domain's RSA key is made once the server is ready (most of init's time): a backup or restore
  // asked for before it exists waits for it (docs/drop-in.md "Start time").
  io.defer_domain_key = true;
  io.catalog = o.catalog;
  auto made = vault::init(o.home, vault::VaultOptions{vaults.front()}, io);
  if (!made) return std::unexpected(made.error());
  // A throwaway home's PostgreSQL tables go with it (after serve() has closed its Services and the domain maker
  // is joined, and on a failed start), so the same --catalog URL serves the next run. The refused requests'
  // audit connection may still be open, idle, holding no lock.
  struct DropTables {
    std::string url, kid;
    ~DropTables() {
      if (url.empty()) return;
      if (auto r = vault::drop_throwaway_catalog(url, kid); !r)
        std::cerr << "coldvault serve: the catalogue's tables were not dropped: " << r.error().message << "\n";
    }
  } drop_tables{o.catalog, made->domain_kid};
  if (vaults.size() > 1) {
    auto svc = vault::Service::open(o.home);
    if (!svc) return std::unexpected(svc.error());
    for (std::size_t i = 1; i < vaults.size(); ++i)
      if (auto v = vault::create_vault(*svc, vault::VaultOptions{vaults[i]}); !v)
        return std::unexpected(v.error());
  }

  // Joined by serve() before it closes its Services and its TLS context (on_stopping below), and in any
  // case before the folder goes (declared after `dir`). The maker holds its own Service.
  std::jthread domain_maker;
  auto tokens = std::make_shared<vault::SessionTokens>();
  o.vault = vaults.front();
  o.listen = "127.0.0.1:" + std::to_string(port);
  o.session_tokens = tokens;
  o.strict_hosts = true;
  o.identity_endpoint = true;
  o.identity_header = vault::SessionTokens::new_secret();
  o.on_ready = nullptr;  // the JSON line replaces the human lines
  o.on_ready_info = [&](const ServeOptions::Ready& r) {
    auto url = [&r](std::string v) {
      for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return "https://" + v + ".localhost:" + std::to_string(r.port);
    };
    nlohmann::json urls = nlohmann::json::object();
    for (const auto& v : r.vaults) urls[v] = url(v);
    std::string first = url(o.vault);
    nlohmann::json env = {{"SSL_CERT_FILE", r.trust_file},
                          {"REQUESTS_CA_BUNDLE", r.trust_file},
                          {"NODE_EXTRA_CA_CERTS", r.trust_file},
                          {"IDENTITY_ENDPOINT", r.identity_url},
                          {"MSI_ENDPOINT", r.identity_url},
                          {"AZURE_KEYVAULT_URL", first},
                          {"VAULT_URL", first}};
    // The header values and the token are secrets: spliced in by hand so they stay in wiped memory.
    nlohmann::json rest = {{"vaults", urls},
                           {"caFile", r.trust_file},
                           {"identityEndpoint", r.identity_url},
                           {"console", first + "/console/"},
                           {"home", dir->path()}};
    std::string env_text = env.dump(), rest_text = rest.dump();
    SecureString token = tokens->mint(std::nullopt);
    SecureString line("{\"token\":\"");
    line += token;
    line += "\",\"env\":" + env_text.substr(0, env_text.size() - 1) + ",\"IDENTITY_HEADER\":\"";
    line += o.identity_header;
    line += "\",\"MSI_SECRET\":\"";
    line += o.identity_header;
    line += "\"}," + rest_text.substr(1);
    print_line(line);
    domain_maker = std::jthread([home = o.home, kid = made->domain_kid] {
      if (auto r = vault::make_deferred_domain_key(home, kid); !r)
        std::cerr << "coldvault serve: " << r.error().message << " (backup and restore will fail)\n" << std::flush;
    });
  };
  // The maker is joined before serve() closes anything (its Services, the catalogue): a key generation
  // still running must not have the token pulled from under it (a SIGSEGV in SoftHSM on a SIGTERM in
  // the first second, when libp11 still held the TLS key and finalised the module at teardown).
  o.on_stopping = [&domain_maker] {
    if (domain_maker.joinable()) domain_maker.join();
  };
  auto served = serve(o);
  // Services and the token are closed inside serve(); the folder goes with `dir`.
  return served;
}

}  // namespace cv::server
