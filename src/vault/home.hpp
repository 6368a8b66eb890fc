// The home folder: config.json, the embedded SoftHSM configuration, PIN lookup. Private to src/vault.
#pragma once

#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

struct HomeConfig {
  bool embedded = true;
  std::string module;       // PKCS#11 module path
  std::string token;        // label or pkcs11: URI
  std::string domain_kid;
  // A home made by `init --join`: a random id that makes the labels of a domain import's not-yet-committed
  // token objects unique to this home (docs/domain-transfer.md, "Import"). Empty for other homes.
  std::string join_id;
};

inline constexpr const char* kEmbeddedTokenLabel = "coldvault";

std::string config_path(const std::string& home);
std::string catalog_path(const std::string& home);
std::string catalog_url_path(const std::string& home);  // <home>/catalog.url: `init --catalog`'s URL
// <home>/init.pending: an init in progress, or killed part way when there is no config.json (src/vault/init.cpp).
std::string init_pending_path(const std::string& home);
void forget_catalog_path(const std::string& home);        // after a failed init removed catalog.url
Result<HomeConfig> load_config(const std::string& home);
Result<void> save_config(const std::string& home, const HomeConfig& c);

// Writes <home>/softhsm2.conf and <home>/tokens (0700) for the embedded token.
Result<void> write_softhsm_conf(const std::string& home);
// Before the embedded token is opened: softhsm2.conf present and pointing at <home>/tokens, the folder
// there and usable. SoftHSM answers each of these with a bare CKR_GENERAL_ERROR; this names the path and
// what to do (HsmUnavailable).
Result<void> check_embedded_token(const std::string& home);
// SoftHSM reads SOFTHSM2_CONF at C_Initialize: point it at the home's file before opening the token.
void use_softhsm_conf(const std::string& home);

// The user PIN: --pin-file, else $COLDVAULT_PIN, else (embedded) <home>/user.pin, else a prompt on the
// terminal. Never from argv. BadParameter when none can be had.
Result<SecureBytes> read_user_pin(const HomeOptions& o, const HomeConfig& c, const std::string& home);
// Reads a PIN file: first line, trailing newline stripped; refuses an empty file.
Result<SecureBytes> read_pin_file(const std::string& path);

// Asks on /dev/tty without echo; BadParameter `when_no_terminal` when there is none, or for an empty answer.
Result<SecureBytes> prompt_secret(const std::string& prompt, const std::string& when_no_terminal);

// Random bytes from the kernel (used before any token exists, for the embedded token's PINs).
Result<SecureBytes> os_random(std::size_t n);

// Opens a Service with a PIN already in hand (init, which just made or read it).
Result<Service> open_service(const std::string& home, const HomeConfig& c, const SecureBytes& pin);

// RFC 4122 version-4 UUID (lower-case) from token randomness (domain kids, transfer ids).
Result<std::string> new_uuid(hsm::Token& t);

// Token objects an operation has made (init, domain import), destroyed newest first unless it reaches its
// end: on an external token, leftovers would stop a retry at "label already exists" and stay as orphans.
// Destroy it before the Token it refers to.
class MadeObjects {
 public:
  // `undo_failed`, when given, is set when a destroy of the undo fails (a token that went away).
  explicit MadeObjects(hsm::Token& t, bool* undo_failed = nullptr) : token_(t), undo_failed_(undo_failed) {}
  MadeObjects(const MadeObjects&) = delete;
  MadeObjects& operator=(const MadeObjects&) = delete;
  ~MadeObjects() {
    if (kept_) return;
    for (auto it = made_.rbegin(); it != made_.rend(); ++it)
      if (!token_.destroy(*it) && undo_failed_ != nullptr) *undo_failed_ = true;
  }
  void add(hsm::Handle h) { made_.push_back(h); }
  void keep() { kept_ = true; }

 private:
  hsm::Token& token_;
  bool* undo_failed_;
  std::vector<hsm::Handle> made_;
  bool kept_ = false;
};

// Token spec for a home's config.
hsm::TokenSpec token_spec(const HomeConfig& c);

}  // namespace cv::vault
