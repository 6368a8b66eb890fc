// Service: an open home (catalogue + logged-in token) and the per-vault key handles, found once.
#include <atomic>
#include <csignal>
#include <chrono>
#include <thread>
#include <filesystem>
#include <map>

#include "coldvault/crypto.hpp"
#include "coldvault/signer_rows.hpp"
#include "vault/create_guard.hpp"
#include "vault/domain_gate.hpp"
#include "vault/home.hpp"
#include "vault/integrity.hpp"
#include "vault/key_cache.hpp"
#include "vault/trust_detail.hpp"
#include "vault/labels.hpp"

namespace cv::vault {

struct Service::Impl {
  std::string home;
  HomeConfig config;
  store::Catalog catalog;
  hsm::Token token;
  std::map<std::string, VaultKeys> vaults;  // by lower-case name; valid while catalog.data_version() is
  std::int64_t vaults_seen = -1;             // this (own writes evict through forget_vault)
  std::map<std::string, hsm::KeyPair> domains;  // by kid
  std::map<std::string, hsm::Handle> private_keys;  // private_key(): by label
  KeyCache key_cache;  // after the token: its destructor destroys session objects in it
  std::unique_ptr<Integrity> integrity;  // set by Service::integrity(); the catalogue's row guard
};

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::Service(Service&&) noexcept = default;
Service& Service::operator=(Service&&) noexcept = default;
Service::~Service() {
  if (impl_) impl_->catalog.set_row_guard(nullptr);
}

store::Catalog& Service::catalog() { return impl_->catalog; }
hsm::Token& Service::token() { return impl_->token; }
KeyCache& Service::key_cache() { return impl_->key_cache; }
const std::string& Service::home() const { return impl_->home; }
const std::string& Service::domain_kid() const { return impl_->config.domain_kid; }
void Service::set_domain_kid(const std::string& kid) { impl_->config.domain_kid = kid; }

namespace {
// INT64_MIN: the system clock. Anything else: the test clock (set_test_clock).
std::atomic<std::int64_t> g_test_clock{INT64_MIN};
}  // namespace

void set_test_clock(std::optional<std::int64_t> unix_seconds) {
  g_test_clock.store(unix_seconds ? *unix_seconds : INT64_MIN);
}

namespace {
std::string g_kill_point;  // set once at start-up, before any thread

std::unexpected<Error> keys_not_in_token(std::string message) {
  return std::unexpected(Error{Errc::HsmUnavailable, std::move(message), {}, {}, kVaultKeysNotInToken});
}
}  // namespace

bool Service::catalogue_shared() const { return store::is_postgres_url(catalog_path(home())); }

void set_test_kill_point(std::string step) { g_kill_point = std::move(step); }

void set_test_busy_timeout(int milliseconds) { store::set_busy_timeout_ms(milliseconds); }

void test_kill_point(std::string_view step) {
  if (!g_kill_point.empty() && g_kill_point == step) ::raise(SIGKILL);
}

std::int64_t Service::now() {
  if (auto fixed = g_test_clock.load(); fixed != INT64_MIN) return fixed;
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Service> Service::open(const HomeOptions& o) {
  std::string home = resolve_home(o);
  auto cfg = load_config(home);
  if (!cfg) return std::unexpected(cfg.error());
  auto pin = read_user_pin(o, *cfg, home);
  if (!pin) return std::unexpected(pin.error());
  return open_service(home, *cfg, *pin);
}

Result<SecureBytes> Service::read_pin(const HomeOptions& o) {
  std::string home = resolve_home(o);
  auto cfg = load_config(home);
  if (!cfg) return std::unexpected(cfg.error());
  return read_user_pin(o, *cfg, home);
}

Result<Service> Service::open(const HomeOptions& o, const SecureBytes& pin) {
  std::string home = resolve_home(o);
  auto cfg = load_config(home);
  if (!cfg) return std::unexpected(cfg.error());
  return open_service(home, *cfg, pin);
}

// SoftHSM's file store rewrites a token's state file at login; a process reading it at that instant gets
// CKR_GENERAL_ERROR or misses the token. Several CLI processes starting at once hit this, so a transient
// failure is tried again a few times: a general error, a missing token or slot, or a handle that went stale
// while another process rewrote the store (HsmUnavailable). A wrong PIN (HsmLoginFailed) is never retried:
// retries lock tokens.
static bool transient_token_error(Errc code) {
  return code == Errc::HsmFailure || code == Errc::NotFound || code == Errc::HsmUnavailable;
}

static Result<hsm::Token> open_token_retrying(const hsm::TokenSpec& spec, const SecureBytes& pin) {
  for (int attempt = 0;; ++attempt) {
    auto token = hsm::Token::open(spec, pin);
    bool transient = !token && transient_token_error(token.error().code);
    if (token || !transient || attempt == 5) return token;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 40 * attempt));
  }
}

Result<Service> open_service(const std::string& home, const HomeConfig& c, const SecureBytes& pin) {
  if (c.embedded) {
    if (auto ok = check_embedded_token(home); !ok) return std::unexpected(ok.error());
    use_softhsm_conf(home);
  }
  auto cat = store::Catalog::open(catalog_path(home));
  if (!cat) return std::unexpected(cat.error());
  auto token = open_token_retrying(token_spec(c), pin);
  if (!token) return std::unexpected(token.error());
  auto impl = std::make_unique<Service::Impl>(
      Service::Impl{home, c, std::move(*cat), std::move(*token), {}, -1, {}, {}, {}, {}});
  Service svc(std::move(impl));
  if (!c.domain_kid.empty())
    if (auto i = svc.integrity(); !i) return std::unexpected(i.error());
  return svc;
}

Result<Integrity*> Service::integrity() {
  if (impl_->integrity) return impl_->integrity.get();
  const std::string& kid = impl_->config.domain_kid;
  if (kid.empty())
    return fail(Errc::NotFound, "this home holds no security domain yet: run `coldvault domain import` first");
  auto& t = impl_->token;
  // A registry with entries proves the key was made: then it must be found (a miss is the token's
  // transient state-file race between processes, or a token without it). An empty registry is a home
  // being initialised or one made before rows were authenticated: the key is made now, rows adopted.
  auto listed = store::signers(impl_->catalog, kid);
  if (!listed) return std::unexpected(listed.error());
  const bool must_exist = !listed->empty();
  Result<hsm::Handle> key = fail(Errc::Internal, "not looked up");
  for (int attempt = 0;; ++attempt) {
    key = t.find(integrity_label(kid), "secret");
    bool transient = !key && (key.error().code == Errc::HsmFailure || key.error().code == Errc::HsmUnavailable ||
                              (must_exist && key.error().code == Errc::NotFound));
    if (key || !transient || attempt == 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 40 * attempt));
  }
  bool adopt = false;
  if (!key && key.error().code == Errc::NotFound) {
    if (must_exist)
      return fail(Errc::HsmUnavailable, "the token has no integrity key " + integrity_label(kid) +
                                            " although the catalogue's signer registry was sealed with it");
    key = t.create_master_key(integrity_label(kid), catalogue_shared());
    adopt = true;
  }
  if (!key) return std::unexpected(key.error());
  auto integrity = std::make_unique<Integrity>(t, *key);
  impl_->catalog.set_row_guard(integrity.get());
  impl_->integrity = std::move(integrity);
  if (adopt)
    if (auto r = adopt_rows(*this); !r) {
      impl_->catalog.set_row_guard(nullptr);
      impl_->integrity.reset();
      (void)t.destroy(*key);
      return std::unexpected(r.error());
    }
  return impl_->integrity.get();
}

void Service::forget_token_handles() {
  impl_->vaults.clear();
  impl_->vaults_seen = -1;
  impl_->domains.clear();
  impl_->private_keys.clear();
  impl_->key_cache.clear();
  impl_->catalog.set_row_guard(nullptr);
  impl_->integrity.reset();
}

void Service::forget_vault(const std::string& name) { impl_->vaults.erase(lower(name)); }

Result<const VaultKeys*> Service::vault(const std::string& name) {
  return vault(name, impl_->catalog.data_version());
}

Result<const VaultKeys*> Service::vault(const std::string& name, std::int64_t data_version) {
  std::string key = lower(name);
  // Another process or worker may have deleted, purged, recreated or updated a vault since the cache was
  // filled: then its row is read again (one indexed SELECT), and the token handles kept only while the row
  // is the same vault (same signing certificate). Finding handles again reads every token object.
  // Unwrapped keys of a vault that is gone or deleted leave the KeyCache with it. A failed data_version
  // read (-1) is never trusted.
  if (auto seen = data_version; seen < 0 || seen != impl_->vaults_seen) {
    impl_->vaults_seen = seen;
    for (auto it = impl_->vaults.begin(); it != impl_->vaults.end();) {
      auto row = impl_->catalog.vault(it->second.row.name);
      if (row && row->signer_cert_pem == it->second.row.signer_cert_pem) {
        it->second.row = *row;
        ++it;
      } else {
        impl_->key_cache.evict_prefix(it->first + "|");
        it = impl_->vaults.erase(it);
      }
    }
  }
  if (auto it = impl_->vaults.find(key); it != impl_->vaults.end()) return &it->second;
  auto row = impl_->catalog.vault(name);
  if (!row) return std::unexpected(row.error());
  auto& t = impl_->token;
  auto master = t.find(master_label(row->name), "secret");
  if (!master && master.error().code == Errc::NotFound)
    // A catalogue shared by several tokens of the domain: the vault was made through another one after this
    // token joined. HsmUnavailable (503): a load balancer can try another node.
    return keys_not_in_token("token '" + t.label() + "' holds no master key of vault '" + row->name +
                             "': the vault was made through another token of the domain; bring its keys with "
                             "`coldvault domain export --with-catalogue-keys` / `domain import` (docs/deployment.md)");
  if (!master) return std::unexpected(master.error());
  auto sign_priv = t.find(signing_label(row->name), "private");
  if (!sign_priv) return std::unexpected(sign_priv.error());
  auto sign_pub = t.find(signing_label(row->name), "public");
  if (!sign_pub) return std::unexpected(sign_pub.error());
  auto same = signing_key_matches(t, *sign_pub, row->signer_cert_pem);
  if (!same) return std::unexpected(same.error());
  if (!*same)
    return keys_not_in_token("token '" + t.label() + "' holds the keys of an earlier vault named '" + row->name +
                             "', not of this one (purged through another token of the domain and made again); bring "
                             "its keys with `coldvault domain export --with-catalogue-keys` / `domain import` "
                             "(docs/deployment.md)");
  auto [it, _] = impl_->vaults.emplace(key, VaultKeys{*row, *master, {*sign_pub, *sign_priv}});
  return &it->second;
}

Result<hsm::KeyPair> Service::domain_key(const std::string& kid) {
  if (auto it = impl_->domains.find(kid); it != impl_->domains.end()) return it->second;
  if (auto made = domain_gate::await(kid); !made) return std::unexpected(made.error());
  auto absent = [&] {
    return fail(Errc::NotFound, "security domain " + kid + " is not present in this token");
  };
  auto priv = impl_->token.find(domain_label(kid), "private");
  if (!priv) return priv.error().code == Errc::NotFound ? absent() : std::unexpected(priv.error());
  auto pub = impl_->token.find(domain_label(kid), "public");
  if (!pub) return pub.error().code == Errc::NotFound ? absent() : std::unexpected(pub.error());
  hsm::KeyPair kp{*pub, *priv};
  impl_->domains.emplace(kid, kp);
  return kp;
}

Result<hsm::Handle> Service::private_key(const std::string& label) {
  if (auto it = impl_->private_keys.find(label); it != impl_->private_keys.end()) return it->second;
  auto h = impl_->token.find(label, "private");
  if (!h) return std::unexpected(h.error());
  impl_->private_keys.emplace(label, *h);
  return *h;
}

Result<std::string> Service::new_version_id() {
  auto r = impl_->token.random(16);
  if (!r) return std::unexpected(r.error());
  return to_hex(*r);
}

Result<store::VaultRow> Service::create_vault(const VaultOptions& v) {
  if (auto r = check_vault_name(v.name); !r) return std::unexpected(r.error());
  if (v.retention_days < 7 || v.retention_days > 90)
    return fail(Errc::BadParameter, "retention must be 7 to 90 days, not " + std::to_string(v.retention_days));
  // One create at a time per home, and the keys of one that died before its row destroyed (ADR 0019).
  auto guard = CreateGuard::begin(*this);
  if (!guard) return std::unexpected(guard.error());
  if (impl_->catalog.vault(v.name)) return fail(Errc::Conflict, "vault '" + v.name + "' already exists");
  if (auto d = impl_->catalog.deleted_vault(v.name); d) return std::unexpected(store::deleted_vault_conflict(*d));
  if (impl_->config.domain_kid.empty())
    return fail(Errc::NotFound, "this home holds no security domain yet: run `coldvault domain import` first");
  auto& t = impl_->token;
  // Token objects first, catalogue row last: a failure in between leaves orphan keys that are removed
  // here, never a vault row without keys; a process that dies in between leaves its name in the guard's
  // pending file and the next create removes them. A signing key a domain import brought is taken over.
  auto imported = imported_signer(*this, v.name);
  if (!imported) return std::unexpected(imported.error());
  if (auto r = guard->mark(v.name); !r) return std::unexpected(r.error());
  auto master = t.create_master_key(master_label(v.name), catalogue_shared());
  if (!master) return std::unexpected(master.error());
  const bool adopted = imported->has_value();
  auto signer = adopted ? Result<hsm::KeyPair>((*imported)->keys)
                        : t.create_transferable_signing_key(signing_label(v.name), Curve::P256);
  if (!signer) {
    (void)t.destroy(*master);
    return std::unexpected(signer.error());
  }
  auto undo = [&] {
    (void)t.destroy(*master);
    if (adopted) return;
    (void)t.destroy(signer->priv);
    (void)t.destroy(signer->pub);
  };
  Result<std::string> cert = adopted ? Result<std::string>((*imported)->cert_pem) : fail(Errc::Internal, "");
  if (!adopted) {
    auto pub = t.ec_public(signer->pub);
    if (!pub) return undo(), std::unexpected(pub.error());
    cert = crypto::self_signed_ec_certificate(
        *pub, "coldvault vault " + v.name, 3650,
        [&](ByteView digest) { return t.sign(hsm::Mech::Ecdsa, signer->priv, digest); });
  }
  if (!cert) return undo(), std::unexpected(cert.error());
  test_kill_point("vault-create-keys-made");
  store::VaultRow row{v.name, impl_->config.domain_kid, "https://" + lower(v.name) + ".vault.localhost",
                      v.retention_days, v.purge_protection, *cert, now(), {}, {}};
  // The vault row and its signer's registry entry commit together: a vault's blobs are trusted from birth.
  auto batch = impl_->catalog.begin_batch();
  if (!batch) return undo(), std::unexpected(batch.error());
  if (auto r = impl_->catalog.add_vault(row); !r) return undo(), std::unexpected(r.error());
  if (!adopted)
    if (auto r = register_vault_signer(*this, row); !r) return undo(), std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return undo(), std::unexpected(r.error());
  guard->settled();
  return row;
}

}  // namespace cv::vault
