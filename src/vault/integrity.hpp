// The integrity key of a home and what it authenticates. Private to src/vault.
//
// Rows of the catalogue that decide trust or key use (the signer registry, every key version) carry an
// authenticator made inside the token: iv (12 bytes, token RNG) || AES-256-GCM of a fixed zero block
// (16 bytes) || tag (16 bytes), with AAD = the row's binding, under the token object coldvault-integrity-<kid>
// (AES-256, sensitive, non-extractable; over a shared PostgreSQL catalogue extractable only towards a trusted key,
// for the tokens of that catalogue to share it, ADR 0024). Anyone who can write catalog.db but not use the token
// cannot make a row
// that passes; a row edited, swapped between names/versions or forged is Corruption (docs/threat-model.md).
//
// Bindings (docs/architecture.md §Integrity) are JSON arrays, so no field can run into the next:
//   key row: ["coldvault-key-row-v1", vault, name, version, meta_json, hex SHA-256(wrapped), enabled, nbf, exp]
//   signer:  ["coldvault-signer-v1", domain kid, hex SHA-256(cert DER), subject, kind, label, ca, added]
#pragma once

#include <deque>
#include <string>
#include <unordered_set>

#include "coldvault/catalog.hpp"
#include "coldvault/hsm.hpp"

namespace cv::vault {

class Integrity final : public store::RowGuard {
 public:
  Integrity(hsm::Token& token, hsm::Handle key) : token_(&token), key_(key) {}
  hsm::Handle key() const { return key_; }

  Result<Bytes> seal(std::string_view binding);
  // Corruption "<what> fails its integrity check ..." when auth does not match binding.
  Result<void> check(std::string_view binding, ByteView auth, const std::string& what);

  // store::RowGuard: key versions.
  bool guards(store::ObjType t) const override { return t == store::ObjType::Key; }
  Result<void> seal(const std::string& vault, store::ObjType t, const std::string& name,
                    store::VersionRow& v) override;
  Result<void> check(const std::string& vault, store::ObjType t, const std::string& name,
                     const store::VersionRow& v) override;

 private:
  hsm::Token* token_;
  hsm::Handle key_;
  // Digests of (binding, authenticator) pairs the token has already verified. A check is a pure function of
  // those bytes and this key, so the same bytes need not go to the token again: a hot key costs one SHA-256
  // per read instead of one token GCM. Bounded FIFO; nothing can make an entry wrong, so nothing invalidates it.
  std::unordered_set<std::string> verified_;
  std::deque<std::string> order_;
  static constexpr std::size_t kVerifiedMax = 4096;
};

std::string key_row_binding(const std::string& vault, const std::string& name, const store::VersionRow& v);

}  // namespace cv::vault
