// A bundle's three keys (docs/bundle-format.md §1.2) as session objects of the token: made and wrapped for a
// backup, unwrapped for a restore, destroyed on every path. Private to src/bundle.
#pragma once

#include "coldvault/hsm.hpp"
#include "coldvault/vault.hpp"

namespace cv::bundle {

// Destroys a session object of the token when it goes.
struct TokenKey {
  hsm::Token& t;
  hsm::Handle h;
  TokenKey(hsm::Token& token, hsm::Handle handle) : t(token), h(handle) {}
  TokenKey(TokenKey&& o) noexcept : t(o.t), h(o.h) { o.h = {}; }
  TokenKey(const TokenKey&) = delete;
  TokenKey& operator=(const TokenKey&) = delete;
  ~TokenKey() {
    if (h) (void)t.destroy(h);
  }
};

struct BundleKeys {
  TokenKey m, gcm, kwp;
  Bytes wrapped_m, wrapped_gcm, wrapped_kwp;  // backup only

  // Fresh K_m, K_gcm, K_kwp; K_m wrapped to the domain public key (RSA-OAEP), the other two under K_m
  // (AES key wrap with padding).
  static Result<BundleKeys> create(hsm::Token& t, hsm::Handle domain_pub);
  // The reverse with the domain private key. BadParameter when a key does not unwrap (another domain's
  // bundle, or wrapped keys edited), HsmUnavailable as it comes.
  static Result<BundleKeys> open(hsm::Token& t, hsm::Handle domain_priv, ByteView wrapped_m, ByteView wrapped_gcm,
                                 ByteView wrapped_kwp);
};

// A vault's keys for the length of one bulk operation, with a session copy of its master key: SoftHSM re-reads
// a token object from its file at every C_*Init, so per-version GCM with the token key costs 2.5x the same with
// a session object (docs/performance.md, "Vault bundles"). A token that will not copy the key is used as is.
struct BulkVault {
  vault::VaultKeys keys;
  TokenKey copy;
  static BulkVault of(hsm::Token& t, const vault::VaultKeys& vk) {
    BulkVault b{vk, TokenKey(t, {})};
    if (auto c = t.copy_to_session(vk.master)) b.keys.master = b.copy.h = *c;
    return b;
  }
};

}  // namespace cv::bundle
