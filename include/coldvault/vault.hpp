// The domain layer: a coldvault home (catalogue + token), its security domain and vaults.
//
// A home is a folder ($COLDVAULT_HOME, else ~/.local/share/coldvault) holding config.json, catalog.db and,
// for the embedded default, a SoftHSM token folder with its softhsm2.conf and the 0600 user PIN file (the SO
// PIN only with `init --dev`). With --module/--token the home points at an existing token instead and never
// stores its PIN.
//
// Key hierarchy (docs/architecture.md): one RSA-3072 domain key per token (label coldvault-domain-<kid>),
// and per vault an AES-256 master key (coldvault-master-<vault>) and an EC P-256 signing key
// (coldvault-sign-<vault>) with a self-signed certificate kept in the catalogue.
//
// Thread safety: a Service is one catalogue connection plus a Token; use it from one thread at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/catalog.hpp"
#include "coldvault/error.hpp"
#include "coldvault/hsm.hpp"

namespace cv::vault {

// An object's tags, as the domain hands them to front doors (the catalogue's own alias).
using Tags = store::Tags;

struct HomeOptions {
  std::string home;      // empty: $COLDVAULT_HOME, else ~/.local/share/coldvault
  std::string pin_file;  // --pin-file; else $COLDVAULT_PIN, else the embedded PIN file, else a prompt
  std::string module;    // --module: PKCS#11 module of an existing token (init only)
  std::string token;     // --token: label or pkcs11: URI of an existing token (init only)
};

struct VaultOptions {
  std::string name = "default";
  int retention_days = 90;
  bool purge_protection = false;
};

// Choices that only `init` makes.
struct InitOptions {
  // `init --catalog`: a PostgreSQL URL (postgresql://...) for the catalogue instead of the SQLite file in the
  // home (ADR 0023, docs/deployment.md). No password in it: ~/.pgpass, PGPASSFILE, peer or certificates.
  std::string catalog;
  // The embedded token's SO PIN from this file (first line). Empty: init generates one, reports it once
  // and stores it nowhere. Refused with --module/--token (an existing token already has its SO).
  std::string so_pin_file;
  // Demos: store the generated SO PIN in <home>/so.pin (0600), as coldvault did before. Embedded only.
  bool dev = false;
  // `init --join`: the home and its token only, no domain and no vault: `domain import` brings the domain of
  // another token (docs/domain-transfer.md), then `vault create` adds the vaults the site needs.
  bool join = false;
  // `serve --ephemeral`: skip the security domain's RSA-3072 key, most of init's time (a prime search).
  // The caller makes it with make_deferred_domain_key once it is serving; until then whatever needs the
  // key (backup, restore, bundles, domain export) waits for it. The domain's kid is chosen now.
  bool defer_domain_key = false;
  // Test seam (fault injection): called after each step that leaves objects on the token ("domain", then
  // "vault"); an error returned here fails init at that point, which then undoes what it made.
  std::function<Result<void>(std::string_view step)> fault;
};

struct InitReport {
  std::string home;
  bool embedded = true;
  std::string token_label;
  std::string domain_kid;
  std::string vault;
  // Embedded token: the SO PIN init generated, when it is neither stored (--dev) nor the caller's
  // (--so-pin-file). It exists nowhere else: print it once.
  std::optional<SecureString> so_pin;
  bool so_pin_stored = false;  // --dev: <home>/so.pin holds it
  // The first vault master key's CKA_UNWRAP_TEMPLATE: "enforced", "not supported by this token", or
  // "not checked: <why>" when the probe itself failed.
  std::string unwrap_template;
  // What an earlier init of this home, killed part way, had left and this one removed first (files of the home,
  // token objects of an external token); empty when there was none.
  std::vector<std::string> undone;
};

// The folder a HomeOptions names.
std::string resolve_home(const HomeOptions& o);

// The home's catalogue alone, without token or PIN (offline tools: blob archive, lineage queries).
Result<store::Catalog> open_catalog(const HomeOptions& o);

// Creates the home (and for the embedded default, a SoftHSM token), the security domain and a first vault.
// Conflict if the home is already initialised; BadParameter (nothing made) for init options that do not
// apply. A failure part way removes the files init wrote and the token objects it created, so a retry on
// the same (external) token works.
Result<InitReport> init(const HomeOptions& o, const VaultOptions& v, const InitOptions& io = {});

// Makes the domain key of `kid` that init deferred (InitOptions::defer_domain_key) and releases everything
// waiting for it, with the error if it could not be made. Opens its own Service: run it on any thread.
Result<void> make_deferred_domain_key(const HomeOptions& o, const std::string& kid);

// Drops the tables of a throwaway home's PostgreSQL catalogue (`serve --ephemeral --catalog URL`, once the
// server's Services are closed), unless the catalogue holds another domain than `kid` (Conflict).
Result<void> drop_throwaway_catalog(const std::string& url, const std::string& kid);

struct HomeConfig;
class KeyCache;   // src/vault/key_cache.hpp
class Integrity;  // src/vault/integrity.hpp

// Error::inner of a refusal because this token lacks (or holds an earlier vault's) keys of a vault of a shared
// catalogue: HsmUnavailable (503) so that a load balancer tries another node, but not an outage of the token.
inline constexpr const char* kVaultKeysNotInToken = "VaultKeysNotInToken";

struct VaultKeys {
  store::VaultRow row;
  hsm::Handle master;
  hsm::KeyPair signer;
};

class Service {
 public:
  static Result<Service> open(const HomeOptions& o);
  // For a long-running process that opens several Services (the REST server): read the PIN once from
  // the usual sources, then open each Service with it.
  static Result<SecureBytes> read_pin(const HomeOptions& o);
  static Result<Service> open(const HomeOptions& o, const SecureBytes& pin);
  Service(Service&&) noexcept;
  Service& operator=(Service&&) noexcept;
  ~Service();

  store::Catalog& catalog();
  hsm::Token& token();
  const std::string& home() const;
  const std::string& domain_kid() const;
  void set_domain_kid(const std::string& kid);  // init only
  // Whether the catalogue is PostgreSQL, which several tokens of the domain may share: then the root keys the
  // catalogue's rows depend on are made transferable (ADR 0024); a SQLite home's never leave its token.
  bool catalogue_shared() const;

  // Adds a vault to this home's domain: master key, signing key and certificate. Conflict if it exists.
  Result<store::VaultRow> create_vault(const VaultOptions& v);
  // The vault's row and its token handles; found once, then cached. NotFound if no such vault.
  Result<const VaultKeys*> vault(const std::string& name);
  // The same, trusting the cached row while the catalogue's data_version is still `data_version`, which the
  // caller read (Catalog::data_version) before any row read of its operation: one read for a whole operation
  // instead of one per lookup (issue 23).
  Result<const VaultKeys*> vault(const std::string& name, std::int64_t data_version);

  // The domain key pair named by kid, found in the token once then cached. NotFound with "security domain
  // <kid> is not present in this token" when the token lacks it (a blob from another domain).
  Result<hsm::KeyPair> domain_key(const std::string& kid);
  // A private key token object found by label once, then cached (the TLS key: a handshake must not read every
  // token object). As Token::find otherwise.
  Result<hsm::Handle> private_key(const std::string& label);

  // A fresh 32-hex version id from the token's RNG.
  Result<std::string> new_version_id();
  // Unwrapped key versions (session objects) of this Service's vaults, bounded LRU (src/vault/key_cache.hpp).
  KeyCache& key_cache();
  // The home's integrity key (src/vault/integrity.hpp), which authenticates key rows and the signer
  // registry. Found at open; a home made before it existed gets it then, and its rows are adopted once
  // (one transaction). init calls this after the domain exists.
  Result<Integrity*> integrity();
  // Current Unix time in seconds (the test clock when one is set: set_test_clock).
  static std::int64_t now();
  // Forgets every token handle found so far (vault keys, domain keys, unwrapped key versions, the integrity
  // key): after a logout and login (the SO step of `domain export`), a token may have invalidated the handles
  // of private objects, and session objects may be gone.
  void forget_token_handles();
  // Drops the cached row and handles of a vault this Service changed (deleted, recovered, purged, updated).
  void forget_vault(const std::string& name);

 private:
  friend Result<Service> open_service(const std::string& home, const HomeConfig& c, const SecureBytes& pin);
  struct Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Test seam: a fixed clock for Service::now() in this process (nullopt: the system clock again). Used by
// the expiry tests and, in test builds only, the CLI's --now.
void set_test_clock(std::optional<std::int64_t> unix_seconds);
// Test seam (test builds' --test-kill-at): test_kill_point(step) sends SIGKILL to this process when `step` is
// the one set here. Steps: "domain-import-unwrapped" (domain and signing keys in the token, nothing committed),
// "domain-import-committed" (catalogue committed; token labels and config.json not yet final),
// "bundle-backup-sealing" (part of a bundle's body written), "bundle-backup-written" (every byte written, not yet
// renamed), "bundle-restore-object" (one object inserted, uncommitted), "bundle-restore-before-commit".
void set_test_kill_point(std::string step);
// Test seam (test builds' --test-busy-timeout): how long a catalogue connection waits for another process's
// lock before it gives up (default 30,000 ms), so the locked-catalogue error can be tested in a second.
void set_test_busy_timeout(int milliseconds);
void test_kill_point(std::string_view step);

// Destroys the token keys of a vault by their labels (master, signing pair), absent ones skipped. Only for
// the purge of a soft-deleted vault (vault_lifecycle.hpp).
Result<void> destroy_vault_keys(Service& svc, const std::string& vault);

// The catalogue file of a home (<home>/catalog.db).
std::string catalog_path(const std::string& home);

// Key Vault's recoveryLevel for a vault's retention and purge protection.
std::string recovery_level(const store::VaultRow& v);

// Object names: ^[0-9a-zA-Z-]{1,127}$ (BadParameter otherwise). Vault names: 3-24, letter first.
Result<void> check_object_name(const std::string& name);
Result<void> check_vault_name(const std::string& name);
Result<void> check_version_id(const std::string& version);

}  // namespace cv::vault
