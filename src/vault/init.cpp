// `coldvault init`: the home folder, the token (embedded: a new SoftHSM token), the security domain and
// a first vault.
#include <sys/stat.h>

#include <filesystem>

#include "coldvault/atomic_file.hpp"
#include "coldvault/crypto.hpp"
#include "vault/home.hpp"
#include "vault/labels.hpp"

namespace fs = std::filesystem;

namespace cv::vault {
namespace {

// RFC 4122 version-4 UUID from token randomness.
Result<std::string> new_uuid(hsm::Token& t) {
  auto r = t.random(16);
  if (!r) return std::unexpected(r.error());
  auto& b = *r;
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  std::string h = to_hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

// PINs of the embedded token: random, hex, in 0600 files of the home (a real HSM's PIN never is).
Result<SecureBytes> make_pin_file(const std::string& path) {
  auto raw = os_random(16);
  if (!raw) return std::unexpected(raw.error());
  std::string hex = to_hex(*raw);
  SecureBytes pin(hex.begin(), hex.end());
  secure_wipe(hex.data(), hex.size());
  SecureBytes line = pin;
  line.push_back('\n');
  if (auto w = write_file_atomic(path, line); !w) return std::unexpected(w.error());
  return pin;
}

Result<InitReport> init_steps(const std::string& home, const HomeOptions& o, const VaultOptions& v) {
  std::error_code ec;
  fs::create_directories(home, ec);
  if (ec) return fail(Errc::StorageFailure, "cannot create " + home + ": " + ec.message());
  fs::permissions(home, fs::perms::owner_all, ec);

  HomeConfig cfg;
  cfg.embedded = o.module.empty() && o.token.empty();
  SecureBytes pin;
  if (cfg.embedded) {
    cfg.module = hsm::default_module_path();
    cfg.token = kEmbeddedTokenLabel;
    if (auto r = write_softhsm_conf(home); !r) return std::unexpected(r.error());
    use_softhsm_conf(home);
    auto so = make_pin_file(home + "/so.pin");
    if (!so) return std::unexpected(so.error());
    auto user = make_pin_file(home + "/user.pin");
    if (!user) return std::unexpected(user.error());
    if (auto r = hsm::init_token(cfg.module, cfg.token, *so, *user); !r) return std::unexpected(r.error());
    pin = std::move(*user);
  } else {
    if (o.token.empty()) return fail(Errc::BadParameter, "--module needs --token (a label or pkcs11: URI)");
    cfg.module = o.module;
    cfg.token = o.token;
    auto p = read_user_pin(o, cfg, home);
    if (!p) return std::unexpected(p.error());
    pin = std::move(*p);
  }

  auto svc = open_service(home, cfg, pin);
  if (!svc) return std::unexpected(svc.error());
  auto& token = svc->token();
  for (auto m : {hsm::Mech::RsaOaepSha1, hsm::Mech::AesGcm, hsm::Mech::AesKeyWrapPad, hsm::Mech::Ecdsa})
    if (auto r = token.require(m); !r) return std::unexpected(r.error());

  auto kid = new_uuid(token);
  if (!kid) return std::unexpected(kid.error());
  auto domain = token.create_domain_key(domain_label(*kid), to_bytes(*kid), 3072);
  if (!domain) return std::unexpected(domain.error());
  auto pub = token.rsa_public(domain->pub);
  if (!pub) return std::unexpected(pub.error());
  auto spki = crypto::spki_der(*pub);
  if (!spki) return std::unexpected(spki.error());
  if (auto r = svc->catalog().add_domain({*kid, *spki, Service::now()}); !r)
    return std::unexpected(r.error());
  cfg.domain_kid = *kid;
  svc->set_domain_kid(*kid);
  // The integrity key before the first vault: its signer's registry entry is authenticated by it.
  if (auto r = svc->integrity(); !r) return std::unexpected(r.error());
  auto row = svc->create_vault(v);
  if (!row) return std::unexpected(row.error());
  // config.json is written last: its presence is what makes a home "initialised".
  if (auto r = save_config(home, cfg); !r) return std::unexpected(r.error());
  std::string token_label = token.label();
  return InitReport{home, cfg.embedded, token_label, *kid, row->name};
}

}  // namespace

Result<InitReport> init(const HomeOptions& o, const VaultOptions& v) {
  std::string home = resolve_home(o);
  if (auto r = check_vault_name(v.name); !r) return std::unexpected(r.error());
  // Before anything is created: a PIN inside --token would otherwise reach config.json (and argv
  // already showed it to every user of the machine).
  if (auto r = hsm::refuse_pin_in_uri(o.token); !r) return std::unexpected(r.error());
  if (fs::exists(config_path(home)))
    return fail(Errc::Conflict, "a coldvault home already exists at " + home +
                                    " (use `coldvault vault create` to add a vault)");
  std::error_code ec;
  if (fs::exists(home) && !fs::is_empty(home, ec))
    return fail(Errc::Conflict, "refusing to initialise " + home + ": the folder is not empty");
  auto r = init_steps(home, o, v);
  if (!r) {
    // A half-made home would block the next attempt (the token label exists): remove what init made.
    for (const char* f : {"tokens", "softhsm2.conf", "so.pin", "user.pin", "catalog.db", "catalog.db-wal",
                          "catalog.db-shm"})
      fs::remove_all(home + "/" + f, ec);
  }
  return r;
}

}  // namespace cv::vault
