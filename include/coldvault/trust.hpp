// The security domain's signer registry: the certificates whose blobs this home restores.
//
// Encryption to the domain key proves nothing about a blob's origin (the domain public key is public), so
// restore (every path: CLI, REST, certificate, ADE) accepts a blob only when its JWS signer is listed here,
// or its x5c chain reaches a CA listed here. Entries:
//   - kind "vault": the signing certificate of each vault of the domain, added when the vault is created;
//     matched exactly (never used as a CA, even though vault certificates are self-signed CAs);
//   - kind "operator": a certificate or CA an operator trusts on purpose (`domain trust add`); a CA
//     (basicConstraints CA:TRUE) also vouches for every certificate that chains to it.
// Each row is authenticated by the home's integrity key in the token: an edited or forged row is
// Corruption, never a silent accept (docs/threat-model.md, "Forged blobs").
//
// Thread safety: as Service.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

struct TrustedSigner {
  std::string sha256;   // lower-case hex SHA-256 of the certificate DER
  std::string subject;  // RFC 2253
  std::string kind;     // "vault" or "operator"
  std::string label;    // the vault's name, or the operator's label
  bool ca = false;      // vouches for certificates that chain to it (operator entries only)
  std::int64_t added = 0;
  std::string cert_pem;
};

// Every entry of this home's domain, oldest first. Corruption if a row fails its check.
Result<std::vector<TrustedSigner>> trusted_signers(Service& svc);
// Adds a certificate (the first CERTIFICATE block of `pem`) as an operator entry. BadParameter for a
// malformed certificate; Conflict when it is already listed.
Result<TrustedSigner> trust_add(Service& svc, std::string_view pem, const std::string& label);
// Removes an operator entry by its SHA-256 (or a unique hex prefix of at least 8 characters). NotFound
// when absent; Forbidden for a vault's own signer (it goes with its vault).
Result<TrustedSigner> trust_remove(Service& svc, const std::string& sha256);
// Lower-case hex SHA-256 of the first certificate in `pem`; BadParameter when there is none.
Result<std::string> certificate_sha256(std::string_view pem);
// The entry that vouches for a blob signed by `chain_der` (x5c, leaf first): the leaf itself, else an
// operator CA the chain verifies to. BadParameter "backup blob signer is not trusted by security domain
// <kid>: certificate SHA-256 <hex>, subject <subject> ..." when none does.
Result<TrustedSigner> trusted_anchor(Service& svc, const std::vector<Bytes>& chain_der);

}  // namespace cv::vault
