// The domain layer: a coldvault home (catalogue + token), its security domain and vaults.
//
// A home is a folder ($COLDVAULT_HOME, else ~/.local/share/coldvault) holding config.json, catalog.db and,
// for the embedded default, a SoftHSM token folder with its softhsm2.conf and 0600 PIN files. With
// --module/--token the home points at an existing token instead and never stores its PIN.
//
// Key hierarchy (docs/architecture.md): one RSA-3072 domain key per token (label coldvault-domain-<kid>),
// and per vault an AES-256 master key (coldvault-master-<vault>) and an EC P-256 signing key
// (coldvault-sign-<vault>) with a self-signed certificate kept in the catalogue.
//
// Thread safety: a Service is one catalogue connection plus a Token; use it from one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/catalog.hpp"
#include "coldvault/error.hpp"
#include "coldvault/hsm.hpp"

namespace cv::vault {

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

struct InitReport {
  std::string home;
  bool embedded = true;
  std::string token_label;
  std::string domain_kid;
  std::string vault;
};

// The folder a HomeOptions names.
std::string resolve_home(const HomeOptions& o);

// Creates the home (and for the embedded default, a SoftHSM token), the security domain and a first vault.
// Conflict if the home is already initialised.
Result<InitReport> init(const HomeOptions& o, const VaultOptions& v);

struct HomeConfig;

struct VaultKeys {
  store::VaultRow row;
  hsm::Handle master;
  hsm::KeyPair signer;
};

class Service {
 public:
  static Result<Service> open(const HomeOptions& o);
  Service(Service&&) noexcept;
  Service& operator=(Service&&) noexcept;
  ~Service();

  store::Catalog& catalog();
  hsm::Token& token();
  const std::string& home() const;
  const std::string& domain_kid() const;
  void set_domain_kid(const std::string& kid);  // init only

  // Adds a vault to this home's domain: master key, signing key and certificate. Conflict if it exists.
  Result<store::VaultRow> create_vault(const VaultOptions& v);
  // The vault's row and its token handles; found once, then cached. NotFound if no such vault.
  Result<const VaultKeys*> vault(const std::string& name);

  // A fresh 32-hex version id from the token's RNG.
  Result<std::string> new_version_id();
  // Current Unix time in seconds.
  static std::int64_t now();

 private:
  friend Result<Service> open_service(const std::string& home, const HomeConfig& c, const SecureBytes& pin);
  struct Impl;
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Key Vault's recoveryLevel for a vault's retention and purge protection.
std::string recovery_level(const store::VaultRow& v);

// Object names: ^[0-9a-zA-Z-]{1,127}$ (BadParameter otherwise). Vault names: 3-24, letter first.
Result<void> check_object_name(const std::string& name);
Result<void> check_vault_name(const std::string& name);
Result<void> check_version_id(const std::string& version);

}  // namespace cv::vault
