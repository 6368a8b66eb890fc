#include "vault/home.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "coldvault/atomic_file.hpp"

namespace fs = std::filesystem;

namespace cv::vault {

static unsigned fs_owner(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? st.st_uid : 0;
}

std::string resolve_home(const HomeOptions& o) {
  if (!o.home.empty()) return o.home;
  if (const char* h = std::getenv("COLDVAULT_HOME"); h && *h) return h;
  const char* user = std::getenv("HOME");
  return std::string(user ? user : ".") + "/.local/share/coldvault";
}

Result<store::Catalog> open_catalog(const HomeOptions& o) {
  std::string home = resolve_home(o);
  if (auto c = load_config(home); !c) return std::unexpected(c.error());
  return store::Catalog::open(catalog_path(home));
}

std::string config_path(const std::string& home) { return home + "/config.json"; }
// A home's catalogue: the SQLite file in it, unless `init --catalog` recorded a PostgreSQL URL in
// <home>/catalog.url (ADR 0023). Asked on every request of a server, so an answer is kept once the home is
// initialised (its choice of catalogue never changes after init).
namespace {
std::mutex g_known_mu;
auto* g_known = new std::map<std::string, std::string>;  // never destroyed
}  // namespace

void forget_catalog_path(const std::string& home) {
  std::lock_guard lock(g_known_mu);
  g_known->erase(home);
}

std::string catalog_path(const std::string& home) {
  auto& mu = g_known_mu;
  auto* known = g_known;
  {
    std::lock_guard lock(mu);
    if (auto it = known->find(home); it != known->end()) return it->second;
  }
  std::string where = home + "/catalog.db";
  std::ifstream in(catalog_url_path(home));
  if (in) {
    std::getline(in, where);
    while (!where.empty() && (where.back() == '\r' || where.back() == ' ')) where.pop_back();
  }
  std::error_code ec;
  if (in || fs::exists(config_path(home), ec)) {
    std::lock_guard lock(mu);
    known->emplace(home, where);
  }
  return where;
}

std::string catalog_url_path(const std::string& home) { return home + "/catalog.url"; }
std::string init_pending_path(const std::string& home) { return home + "/init.pending"; }

Result<HomeConfig> load_config(const std::string& home) {
  std::ifstream in(config_path(home));
  if (!in) {
    if (std::ifstream(init_pending_path(home)))
      return fail(Errc::NotFound, "no coldvault home at " + home + ": an init of it was interrupted; run `coldvault "
                                  "init` again (it first removes what the interrupted one made)");
    return fail(Errc::NotFound, "no coldvault home at " + home + " (run `coldvault init` first)");
  }
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("module") || !j.contains("token"))
    return fail(Errc::Corruption, config_path(home) + " is not a coldvault configuration");
  HomeConfig c;
  c.embedded = j.value("embedded", false);
  c.module = j.value("module", "");
  c.token = j.value("token", "");
  c.domain_kid = j.value("domain_kid", "");
  c.join_id = j.value("join_id", "");
  // init never stores a URI with a PIN; a hand-edited one is refused before any prompt or message
  // could show it.
  if (auto r = hsm::refuse_pin_in_uri(c.token); !r) return std::unexpected(r.error());
  return c;
}

Result<void> save_config(const std::string& home, const HomeConfig& c) {
  nlohmann::json j = {{"format", 1},       {"embedded", c.embedded},    {"module", c.module},
                      {"token", c.token},  {"domain_kid", c.domain_kid}};
  if (!c.join_id.empty()) j["join_id"] = c.join_id;
  std::string text = j.dump(2) + "\n";
  return write_file_atomic(config_path(home), as_bytes(text));
}

Result<void> write_softhsm_conf(const std::string& home) {
  std::error_code ec;
  fs::create_directories(home + "/tokens", ec);
  if (ec) return fail(Errc::StorageFailure, "cannot create " + home + "/tokens: " + ec.message());
  fs::permissions(home + "/tokens", fs::perms::owner_all, ec);
  std::string conf = "# SoftHSM2 configuration of the embedded coldvault token\n"
                     "directories.tokendir = " + fs::absolute(home + "/tokens").string() + "\n"
                     "objectstore.backend = file\n"
                     "log.level = ERROR\n"
                     "slots.removable = false\n";
  return write_file_atomic(home + "/softhsm2.conf", as_bytes(conf));
}

namespace {

// The `directories.tokendir` line of a softhsm2.conf, or empty.
std::string conf_tokendir(const std::string& conf_file) {
  std::ifstream in(conf_file);
  std::string line;
  while (std::getline(in, line)) {
    auto k = line.find_first_not_of(" \t");
    if (k == std::string::npos || line[k] == '#' || line.compare(k, 20, "directories.tokendir") != 0) continue;
    auto eq = line.find('=', k);
    if (eq == std::string::npos) return {};
    auto b = line.find_first_not_of(" \t", eq + 1);
    auto e = line.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : line.substr(b, e - b + 1);
  }
  return {};
}

}  // namespace

Result<void> check_embedded_token(const std::string& home) {
  const std::string conf = fs::absolute(home + "/softhsm2.conf").string();
  const std::string tokens = fs::absolute(home + "/tokens").lexically_normal().string();
  std::error_code ec;
  if (!fs::exists(conf, ec))
    return fail(Errc::HsmUnavailable,
                "the embedded token's configuration " + conf +
                    " is missing: restore the home from its backup (softhsm2.conf and tokens/ belong together)");
  std::string dir = conf_tokendir(conf);
  if (dir.empty())
    return fail(Errc::HsmUnavailable, conf + " names no token folder (directories.tokendir): restore it from the "
                                             "home's backup or set it to " + tokens);
  if (fs::path(dir).lexically_normal().string() != tokens)
    return fail(Errc::HsmUnavailable,
                conf + " points the token folder at " + dir + ", not at this home's " + tokens +
                    " (was the home moved or copied?): set directories.tokendir in it to " + tokens);
  if (!fs::is_directory(tokens, ec))
    return fail(Errc::HsmUnavailable,
                "the embedded token folder " + tokens +
                    " is missing: the token and every key in it are gone unless the home is restored from its "
                    "backup (or another token of the domain is joined with `coldvault init --join`)");
  if (::access(tokens.c_str(), R_OK | W_OK | X_OK) != 0)
    return fail(Errc::HsmUnavailable, "cannot use the embedded token folder " + tokens + ": " +
                                          std::strerror(errno) + " (run coldvault as the home's owner, uid " +
                                          std::to_string(fs_owner(tokens)) + ")");
  return {};
}

void use_softhsm_conf(const std::string& home) {
  setenv("SOFTHSM2_CONF", fs::absolute(home + "/softhsm2.conf").c_str(), 1);
}

Result<SecureBytes> read_pin_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Errc::BadParameter, "cannot read PIN file " + path);
  SecureBytes pin(256);
  ssize_t n = ::read(fd, pin.data(), pin.size());
  ::close(fd);
  if (n <= 0) return fail(Errc::BadParameter, "PIN file " + path + " is empty");
  pin.resize(static_cast<std::size_t>(n));
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  if (auto nl = std::find(pin.begin(), pin.end(), '\n'); nl != pin.end()) pin.erase(nl, pin.end());
  if (pin.empty()) return fail(Errc::BadParameter, "PIN file " + path + " is empty");
  return pin;
}

Result<SecureBytes> prompt_secret(const std::string& prompt, const std::string& when_no_terminal) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail(Errc::BadParameter, when_no_terminal);
  (void)!::write(fd, prompt.data(), prompt.size());
  termios old{};
  bool restore = tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  SecureBytes pin;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') pin.push_back(static_cast<std::uint8_t>(c));
  secure_wipe(&c, 1);
  if (restore) tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (pin.empty()) return fail(Errc::BadParameter, "empty PIN");
  return pin;
}

Result<SecureBytes> read_user_pin(const HomeOptions& o, const HomeConfig& c, const std::string& home) {
  if (!o.pin_file.empty()) return read_pin_file(o.pin_file);
  if (const char* env = std::getenv("COLDVAULT_PIN"); env && *env)
    return SecureBytes(env, env + std::strlen(env));
  if (c.embedded && fs::exists(home + "/user.pin")) return read_pin_file(home + "/user.pin");
  return prompt_secret("PIN for token '" + c.token + "': ",
                       "no PIN for token '" + c.token + "': set COLDVAULT_PIN or pass --pin-file");
}

Result<SecureBytes> os_random(std::size_t n) {
  SecureBytes out(n);
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out.data() + got, n - got, 0);
    if (r <= 0) return fail(Errc::Internal, "getrandom failed");
    got += static_cast<std::size_t>(r);
  }
  return out;
}

hsm::TokenSpec token_spec(const HomeConfig& c) {
  hsm::TokenSpec s;
  s.module_path = c.module;
  if (hsm::looks_like_pkcs11_uri(c.token))
    s.uri = c.token;
  else
    s.token_label = c.token;
  return s;
}

}  // namespace cv::vault
