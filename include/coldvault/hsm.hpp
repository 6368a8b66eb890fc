// The PKCS#11 adapter's public face. Only src/pkcs11 includes pkcs11.h; this header carries no C types.
//
// Model: a Token owns one loaded module (dlopen + C_Initialize, C_Finalize on destruction), one slot and a
// small pool of read-write sessions, and is logged in as the user for its whole life (login is per
// application in PKCS#11, so every pooled session shares it). Every call borrows a session from the pool
// and returns it in a destructor, so a Token may be used from several threads at once.
//
// Key material: token objects are only the few root keys of a domain or vault (see docs/architecture.md);
// every other key lives as wrapped bytes in the catalogue and is unwrapped into a *session* object for use.
//
// Errors: every CK_RV goes through one translation (src/pkcs11/rv.cpp): CKR_PIN_INCORRECT and friends ->
// HsmLoginFailed, CKR_DEVICE_REMOVED / CKR_TOKEN_NOT_PRESENT / module load failure -> HsmUnavailable,
// mechanism missing -> Unsupported, a key's attributes refusing the operation (KEY_FUNCTION_NOT_PERMITTED,
// KEY_UNEXTRACTABLE, KEY_NOT_WRAPPABLE, ATTRIBUTE_SENSITIVE) -> Forbidden, AES-GCM tag failure and
// undecryptable/unwrappable input -> Corruption, stale handles (the token went away) -> HsmUnavailable,
// malformed arguments (sizes, templates) ->
// BadParameter, others -> HsmFailure; the CKR_ name goes to Error::native.
//
// Modules are shared per path within a process: two Tokens on one module share its C_Initialize, and the
// last one destroyed calls C_Finalize (never, if someone else had initialised the module first).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/key_parts.hpp"

namespace cv::hsm {

// A PKCS#11 object handle. Strong type so it cannot be mixed up with other integers.
struct Handle {
  unsigned long value = 0;
  explicit operator bool() const { return value != 0; }
  bool operator==(const Handle&) const = default;
};

struct KeyPair {
  Handle pub;
  Handle priv;
};

// Where a token is: a module path (empty = Debian's SoftHSM2) plus a token label, or an RFC 7512 URI
// ("pkcs11:token=T;serial=S" and optionally "module-path=..."), parsed with p11-kit. A URI carrying a PIN
// is refused (refuse_pin_in_uri): the PIN is always Token::open's argument.
struct TokenSpec {
  std::string module_path;
  std::string token_label;
  std::string uri;
};

// Debian's SoftHSM2 module path.
std::string default_module_path();

// True when `text` is meant as a PKCS#11 URI: it starts with "pkcs11:" in any case (RFC 3986 schemes are
// case-insensitive).
bool looks_like_pkcs11_uri(std::string_view text);

// BadParameter when a PKCS#11 URI carries a PIN: a pin-value or pin-source attribute (or p11-kit's old
// "pinfile"), in its path or its query, in any case or percent-encoding of the name. A URI comes from argv
// or config.json, where every user of the machine, or every backup of the home, could read it; PINs come
// from --pin-file, $COLDVAULT_PIN or the prompt instead. The message carries neither the URI nor the PIN.
// Anything not starting with "pkcs11:" (a token label) passes.
Result<void> refuse_pin_in_uri(std::string_view uri);

// True when a failed decrypt or unwrap is about the bytes the token was given: a GCM tag, an RFC 5649 check or
// a padding that does not hold (Corruption, BadParameter, or the bare CKR_GENERAL_ERROR SoftHSM answers for
// those while its session still answers). False when the token itself failed: gone, out of memory, refusing
// by policy. Callers use it to tell "this input is damaged or foreign" from "the HSM failed".
bool input_rejected(const Error& e);

// Creates a token in the first slot that has no initialised token (SoftHSM keeps one free slot), sets its
// SO PIN and user PIN. Fails with Conflict if a token with this label already exists.
Result<void> init_token(const std::string& module_path, const std::string& label,
                        const SecureBytes& so_pin, const SecureBytes& user_pin);

// --- module recycling (docs/adr/0022-module-recycling.md) ------------------------------------------
// SoftHSM 2.6 keeps every session object ever created, destroyed or not, until C_Finalize (~190 bytes
// each), and coldvault makes one per backup, restore and unwrapped key. So a module that has created this
// many session objects asks to be finalised and initialised again (Token::claim_module_recycle).
inline constexpr std::uint64_t kRecycleAfterSessionObjects = 50'000;  // ~10 MiB of SoftHSM's memory
// The bound in force: $COLDVAULT_HSM_RECYCLE_AFTER when it is a number (0 = never recycle), read once,
// else kRecycleAfterSessionObjects. set_recycle_bound replaces it (tests, benchmarks). Thread-safe.
std::uint64_t recycle_bound();
void set_recycle_bound(std::uint64_t n);
// How many times, in this process, a module was finalised after claim_module_recycle said so. For tests,
// benchmarks and the server's log.
std::uint64_t module_recycles();

// Mechanisms the adapter speaks, named for what they do.
enum class Mech {
  RsaOaepSha1,      // CKM_RSA_PKCS_OAEP, SHA-1, MGF1-SHA1, no label
  RsaPkcs1,         // CKM_RSA_PKCS (v1.5 encryption, or signing of a DigestInfo)
  RsaRaw,           // CKM_RSA_X_509 (padding done by the caller, in src/crypto)
  RsaPss,           // CKM_RSA_PKCS_PSS on a digest; hash given by PssParams
  Ecdsa,            // CKM_ECDSA on a digest; signature r||s
  AesKeyWrap,       // CKM_AES_KEY_WRAP (RFC 3394)
  AesKeyWrapPad,    // CKM_AES_KEY_WRAP_PAD (SoftHSM: RFC 5649)
  AesGcm,           // CKM_AES_GCM, 96-bit IV, 128-bit tag
  AesCbc,           // CKM_AES_CBC, 16-byte IV, input a multiple of 16 bytes
  AesCbcPad,        // CKM_AES_CBC_PAD, 16-byte IV, PKCS#7 padding
  HmacSha256,       // CKM_SHA256_HMAC over the data given (JOSE HS256), 32-byte MAC
  HmacSha384,       // CKM_SHA384_HMAC (HS384), 48-byte MAC
  HmacSha512,       // CKM_SHA512_HMAC (HS512), 64-byte MAC
};

// What an unwrapped or generated secret/private key may do. Always sensitive; extractable only so the
// vault master key can wrap it for storage.
struct KeyUsage {
  bool encrypt = false, decrypt = false, sign = false, verify = false, wrap = false, unwrap = false;
  bool extractable = false;
};

enum class KeyType { Aes, Rsa, Ec, GenericSecret };

namespace detail {
// Defined in src/pkcs11/token_impl.hpp: lets the adapter's own files (the raw benchmark loops in
// src/pkcs11/baseline.cpp) reach the function list and session pool. Nothing outside src/pkcs11 can use
// it, because nothing outside can include that header's C types.
struct TokenAccess;
}  // namespace detail

class Token {
 public:
  // Loads the module, finds the token, logs in as user. A wrong PIN fails once with HsmLoginFailed and is
  // never retried (retries could lock the token). A missing module/token fails with HsmUnavailable or
  // NotFound naming what was looked for.
  static Result<Token> open(const TokenSpec& spec, const SecureBytes& user_pin);

  Token(Token&&) noexcept;
  Token& operator=(Token&&) noexcept;
  ~Token();

  std::string label() const;
  std::string module_path() const;

  // True once each time this token's module has created recycle_bound() more session objects (every
  // Token of the module counts) since it was loaded or since the last true answer; never for a module
  // this process did not initialise (finalising it is not ours). The caller that gets true must see to
  // it that every Token of the module is destroyed (the server retires all its Services, src/server/
  // pool.hpp): the last one to go finalises the module, and the next Token::open initialises it afresh,
  // which hands SoftHSM's memory back. Nothing is finalised here. Thread-safe.
  bool claim_module_recycle();
  // Session objects created through this token's module since it was loaded (every Token of it).
  std::uint64_t module_session_objects() const;

  // Fails with Unsupported naming the mechanism when the token lacks it (C_GetMechanismInfo).
  Result<void> require(Mech m) const;
  bool has(Mech m) const;

  Result<Bytes> random(std::size_t n);

  // Finds a token object by CKA_LABEL and class ("private", "public", "secret"). NotFound if absent,
  // Conflict if several. Call only at start-up: the lookup reads every object in SoftHSM.
  Result<Handle> find(const std::string& label, const std::string& object_class);
  // CKA_LABEL of every token object the user can see (private ones too: we are logged in). For tests
  // and diagnostics; reads every object.
  Result<std::vector<std::string>> object_labels();

  // --- root keys (token objects) -------------------------------------------------------------
  // AES-256 vault master key (also the integrity key): sensitive, encrypt/decrypt/wrap/unwrap, with
  // CKA_UNWRAP_TEMPLATE = {CKA_SENSITIVE=TRUE} so nothing it unwraps can be made readable; non-extractable, or
  // with `transferable` extractable only towards a trusted key (CKA_WRAP_WITH_TRUSTED, the domain-transfer
  // ceremony) so that another token of the domain can read a shared catalogue. A token that refuses the unwrap
  // template gets the key without it (see unwrap_template_enforced); one that refuses CKA_WRAP_WITH_TRUSTED, a
  // non-extractable key.
  Result<Handle> create_master_key(const std::string& label, bool transferable = false);
  // Whether the token enforces `key`'s unwrap template: wraps a throwaway key under `key` and tries to
  // unwrap it with CKA_SENSITIVE=FALSE. true when the token refuses (CKR_TEMPLATE_INCONSISTENT); false
  // when it lets it through (no template on the key, or a token that ignores it). Errors otherwise.
  Result<bool> unwrap_template_enforced(Handle key);
  // RSA domain key: private half sensitive, CKA_DECRYPT=FALSE, CKA_UNWRAP=TRUE, CKA_ALLOWED_MECHANISMS =
  // {RSA_PKCS_OAEP}, CKA_EXTRACTABLE=TRUE with CKA_WRAP_WITH_TRUSTED=TRUE; public half encrypt/wrap.
  // CKA_ID = id on both. A token that does not know CKA_ALLOWED_MECHANISMS or CKA_WRAP_WITH_TRUSTED
  // (PKCS#11 2.20, e.g. opencryptoki 3.8.1) is refused with Unsupported naming them.
  Result<KeyPair> create_domain_key(const std::string& label, const Bytes& id, unsigned bits);
  // EC signing key (token object): private sign only, sensitive, non-extractable. A non-empty `id`
  // goes into CKA_ID of both halves: tools that pair the halves by CKA_ID (pkcs11-tool, p11-kit)
  // need it unique, while the vault signing keys are found by label and leave it empty.
  Result<KeyPair> create_signing_key(const std::string& label, Curve curve, ByteView id = {});
  // A vault signing key that can move to another token of its domain: as create_signing_key, but
  // CKA_EXTRACTABLE=TRUE with CKA_WRAP_WITH_TRUSTED=TRUE, like the domain key (docs/domain-transfer.md).
  Result<KeyPair> create_transferable_signing_key(const std::string& label, Curve curve, ByteView id = {});

  // --- domain transfer (docs/domain-transfer.md) ----------------------------------------------
  // The token's serial number (CKA of C_GetTokenInfo), trailing blanks removed.
  Result<std::string> serial() const;
  // Every token object with this CKA_LABEL and class (none: empty).
  Result<std::vector<Handle>> find_all(const std::string& label, const std::string& object_class);
  // Sets CKA_LABEL of an object (a domain import renames its objects once the catalogue has committed).
  Result<void> set_label(Handle h, const std::string& label);
  // Finds a token object by CKA_ID and class. NotFound / Conflict as find().
  Result<Handle> find_by_id(ByteView id, const std::string& object_class);
  // Export side: makes `value` (32 bytes) an AES *session* object with CKA_TRUSTED=TRUE, WRAP and UNWRAP
  // (UNWRAP for the self-check), public, sensitive, non-extractable. Only the SO may set CKA_TRUSTED, so
  // this logs the application out, in as the SO, creates the key, out, and in again as the user with
  // `user_pin`. A public session object outlives the logout. A wrong SO PIN is HsmLoginFailed ("the SO PIN
  // was refused") and leaves the user logged in again; nothing is made.
  Result<Handle> create_trusted_transfer_key(const SecureBytes& value, const SecureBytes& so_pin,
                                             const SecureBytes& user_pin);
  // Import side: `value` as an AES session object that can only unwrap (sensitive, non-extractable).
  Result<Handle> import_transfer_key(const SecureBytes& value);
  // Unwraps (AES key wrap with padding under `kek`) a transferred domain private key into a token object
  // with the domain key's attributes (create_domain_key) and creates its public half from `pub`.
  Result<KeyPair> unwrap_domain_key(Handle kek, ByteView wrapped, const RsaPublic& pub, const std::string& label,
                                    ByteView id);
  // The same for a transferred vault signing key (create_transferable_signing_key's attributes).
  Result<KeyPair> unwrap_signing_key(Handle kek, ByteView wrapped, const EcPublic& pub, const std::string& label);
  // The same for a transferred AES root key (a vault master key, the integrity key): create_master_key's
  // transferable attributes.
  Result<Handle> unwrap_master_key(Handle kek, ByteView wrapped, const std::string& label);
  // A custodian's key pair (token objects): RSA, private half sensitive, non-extractable, DECRYPT with
  // CKA_ALLOWED_MECHANISMS = {OAEP, RSA_PKCS}; SIGN only until finish_custodian_key (enrollment signs its
  // own certificate once, then turns signing off). Conflict if the label is taken.
  Result<KeyPair> create_custodian_key(const std::string& label, unsigned bits);
  // Sets CKA_ID = id on both halves and CKA_SIGN=FALSE on the private one, and tries to narrow its allowed
  // mechanisms to OAEP (tokens that keep the list as made, SoftHSM 2.6.1 among them, leave RSA_PKCS in it).
  Result<void> finish_custodian_key(const KeyPair& kp, ByteView id);

  // --- working keys (session objects) ---------------------------------------------------------
  Result<Handle> generate_secret_key(KeyType type, unsigned bits, const KeyUsage& usage);
  Result<KeyPair> generate_rsa(unsigned bits, const KeyUsage& usage);
  Result<KeyPair> generate_ec(Curve curve, const KeyUsage& usage);
  // Creates a session public key object from its parts (for verify / encrypt with a stored public key).
  Result<Handle> import_rsa_public(const RsaPublic& pub);
  Result<Handle> import_ec_public(const EcPublic& pub);
  // Creates a sensitive session private/secret key from parts given by an importer (key import). The
  // caller wipes its copy; the token holds the only other one.
  Result<Handle> import_rsa_private(const RsaPrivate& key, const KeyUsage& usage);
  Result<Handle> import_ec_private(const EcPrivate& key, const KeyUsage& usage);
  Result<Handle> import_secret_key(KeyType type, const SecureBytes& value, const KeyUsage& usage);
  Result<void> destroy(Handle h);
  // A session-object copy of a key (C_CopyObject with CKA_TOKEN=FALSE, CKA_LABEL "coldvault-session-copy"):
  // the same value and other attributes (sensitive, non-extractable stay so), gone with destroy() or the session. For bounded bulk work (a vault
  // bundle): SoftHSM re-reads a token object from its file at every C_*Init, a session object it does not.
  // Forbidden or HsmFailure when the token refuses to copy the key; callers then use the key itself.
  Result<Handle> copy_to_session(Handle key);

  Result<RsaPublic> rsa_public(Handle pub);
  Result<EcPublic> ec_public(Handle pub);

  // C_WrapKey / C_UnwrapKey. The unwrapped key is a session object, sensitive, with `usage`.
  Result<Bytes> wrap(Mech m, Handle wrapping_key, Handle key);
  Result<Handle> unwrap(Mech m, Handle unwrapping_key, ByteView wrapped, KeyType type,
                        const KeyUsage& usage);
  // Key Vault's unwrapKey with A*KW returns the unwrapped key to the caller by definition, so this
  // unwraps into a short-lived session CKK_GENERIC_SECRET with CKA_SENSITIVE=FALSE, reads CKA_VALUE and
  // destroys it (src/pkcs11/unwrap_to_caller.cpp). Not for coldvault's own key material.
  Result<SecureBytes> unwrap_secret_value(Mech m, Handle unwrapping_key, ByteView wrapped);

  // AES-GCM with a 12-byte IV and 16-byte tag; output/input is ciphertext||tag. A wrong tag, AAD or key
  // gives Corruption.
  Result<Bytes> gcm_encrypt(Handle key, ByteView iv, ByteView aad, ByteView plaintext);
  Result<SecureBytes> gcm_decrypt(Handle key, ByteView iv, ByteView aad, ByteView ciphertext);

  // AES-CBC (m = AesCbc or AesCbcPad) with a 16-byte IV (BadParameter otherwise). Without padding the input
  // must be a multiple of 16 bytes (the token answers BadParameter). Decrypting with a wrong key or IV is
  // not detected by CBC; a padding that does not check out is Corruption.
  Result<Bytes> cbc_encrypt(Mech m, Handle key, ByteView iv, ByteView plaintext);
  Result<SecureBytes> cbc_decrypt(Mech m, Handle key, ByteView iv, ByteView ciphertext);

  // Single-part C_Encrypt / C_Decrypt / C_Sign / C_Verify with RSA or ECDSA mechanisms; sign and verify
  // also take the HMAC mechanisms (a secret key of type GenericSecret; a token may refuse a key shorter than
  // the hash with BadParameter, CKR_KEY_SIZE_RANGE).
  Result<Bytes> encrypt(Mech m, Handle key, ByteView data);
  Result<SecureBytes> decrypt(Mech m, Handle key, ByteView data);
  Result<Bytes> sign(Mech m, Handle key, ByteView data, Hash pss_hash = Hash::Sha256);
  // false for a signature that does not match (CKR_SIGNATURE_INVALID / _LEN_RANGE); errors otherwise.
  Result<bool> verify(Mech m, Handle key, ByteView data, ByteView signature,
                      Hash pss_hash = Hash::Sha256);

  // Attribute probe for tests: true when CKA_VALUE of h can be read in clear (it must never be for keys).
  bool value_readable(Handle h);
  // Attribute probes for tests: h has a non-empty CKA_UNWRAP_TEMPLATE; h has CKA_SENSITIVE=TRUE.
  bool has_unwrap_template(Handle h);
  bool sensitive(Handle h);

 private:
  friend struct detail::TokenAccess;
  struct Impl;
  explicit Token(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cv::hsm
