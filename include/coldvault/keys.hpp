// Keys held by the token, with Key Vault semantics (versions, key_ops, attributes, soft delete).
//
// Every key is generated (or imported) inside the token as a session object, wrapped at once under the
// vault master key (CKM_AES_KEY_WRAP_PAD) and stored only as those wrapped bytes plus its public parts
// (VersionRow.ciphertext / meta_json). For use, the wrapped bytes are unwrapped into a session object
// that a bounded cache keeps (KeyCache) and destroys on eviction; no per-key token object ever exists,
// so a vault with 10,000 keys costs the same per operation as one with 10.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/secrets.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// Key types as Key Vault names them; "-HSM" is kept as given (every coldvault key is in the token).
struct KeySpec {
  std::string kty;                 // RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM
  std::optional<unsigned> size;    // RSA 2048/3072/4096 (default 2048); oct 128/192/256 (default 256)
  std::optional<std::string> crv;  // P-256 (default), P-384, P-521, P-256K
  std::optional<std::vector<std::string>> ops;  // key_ops; default: all the type supports
  store::Tags tags;
  Attributes attributes;
  // CLI only (REST `exportable` stays refused): `key export-byok` may wrap this key's material out to a KEK.
  // Fixed at creation, kept by every later version (rotation); docs/keys.md "BYOK".
  bool exportable = false;
  // Import without kty: record the material's type with "-HSM" (az's --protection hsm). The key lives in
  // the token either way; only the reported kty differs.
  bool hsm = false;
};

struct UpdateKey {
  std::optional<std::vector<std::string>> ops;
  std::optional<store::Tags> tags;
  Attributes attributes;
};

// One key version as callers see it: public parts only, never d/p/q/dp/dq/qi/k.
struct KeyBundle {
  std::string base_url;
  std::string name;
  store::VersionRow meta;  // ciphertext cleared; meta.meta_json holds kty/size/crv/key_ops/public parts
  int recoverable_days = 90;
  std::string recovery_level;
  std::optional<std::int64_t> deleted_date, scheduled_purge;
};

struct KeyOpResult {
  std::string kid;     // versioned id of the key used
  SecureBytes value;   // wiped on free: decrypt and unwrapKey return plaintext keys and data
  Bytes iv, tag, aad;  // AES-GCM only
};

class Keys {
 public:
  // REQUIRES: svc outlives this object.
  Keys(Service& svc, std::string vault);

  Result<KeyBundle> create(const std::string& name, const KeySpec& spec);
  // PEM (PKCS#1/PKCS#8/SEC1, optionally encrypted) or a JWK with private parts; the caller's buffers are
  // wiped by the caller, the material enters the token and leaves only wrapped.
  Result<KeyBundle> import_pem(const std::string& name, const SecureString& pem, const SecureString& password,
                               const KeySpec& spec);
  Result<KeyBundle> import_jwk(const std::string& name, const SecureString& jwk_json, const KeySpec& spec);
  // BYOK: key_hsm is base64url of a Key Vault .byok JSON whose header.kid names a KEK of this vault (an RSA
  // key version with "import" in its key_ops). The target key (spec.kty RSA or oct; EC is refused) is
  // unwrapped inside the token and stored like any imported key. BadParameter, nothing stored, for a
  // malformed blob, a kid that is not such a KEK, or a ciphertext that does not unwrap (docs/keys.md, "BYOK").
  Result<KeyBundle> import_byok(const std::string& name, std::string_view key_hsm, const KeySpec& spec);
  Result<KeyBundle> get(const std::string& name, const std::string& version);
  Result<std::vector<KeyBundle>> list(const std::string& after, std::size_t limit);
  Result<std::vector<KeyBundle>> list_versions(const std::string& name, const std::string& after, std::size_t limit);
  Result<KeyBundle> update(const std::string& name, const std::string& version, const UpdateKey& u);
  // New version with the latest version's type, size/curve, ops and tags; its `exp` is now + the rotation
  // policy's expiryTime when the key has one (coldvault/key_rotation.hpp), else none.
  Result<KeyBundle> rotate(const std::string& name);
  Result<KeyBundle> remove(const std::string& name);
  Result<std::vector<KeyBundle>> list_deleted(const std::string& after, std::size_t limit);
  Result<KeyBundle> get_deleted(const std::string& name);
  Result<KeyBundle> recover(const std::string& name);
  Result<void> purge(const std::string& name);
  // SubjectPublicKeyInfo DER of an RSA or EC key version (download); BadParameter for oct.
  Result<Bytes> public_key_der(const std::string& name, const std::string& version);
  // The same as PEM ("PUBLIC KEY").
  Result<std::string> public_key_pem(const std::string& name, const std::string& version);

  // Operations inside the token. Enforced: key_ops, enabled, nbf, exp (Forbidden "Operation X is not
  // permitted on this key." / disabled / expired). alg names as Key Vault's.
  // A*GCM encrypt: `iv` must be empty (BadParameter otherwise, nothing done); the token generates a
  // 12-byte iv, returned in the result with the 16-byte tag. A*GCM decrypt takes the caller's iv/tag/aad.
  Result<KeyOpResult> encrypt(const std::string& name, const std::string& version, const std::string& alg,
                              ByteView plaintext, ByteView iv = {}, ByteView aad = {});
  Result<KeyOpResult> decrypt(const std::string& name, const std::string& version, const std::string& alg,
                              ByteView ciphertext, ByteView iv = {}, ByteView aad = {}, ByteView tag = {});
  Result<KeyOpResult> wrap(const std::string& name, const std::string& version, const std::string& alg,
                           ByteView key);
  Result<KeyOpResult> unwrap(const std::string& name, const std::string& version, const std::string& alg,
                             ByteView wrapped);
  Result<KeyOpResult> sign(const std::string& name, const std::string& version, const std::string& alg,
                           ByteView digest);
  // false for a signature that does not verify.
  Result<bool> verify(const std::string& name, const std::string& version, const std::string& alg,
                      ByteView digest, ByteView signature);

 private:
  Service& svc_;
  std::string vault_;
};

}  // namespace cv::vault
