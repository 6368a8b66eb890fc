// HSM-bound backup blobs (docs/blob-format.md): backup and restore of secrets and keys, and the offline
// tools (inspect, verify) that need no token. Every backup and every restore attempt is recorded in the
// catalogue's lineage (coldvault/lineage.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/certificates.hpp"
#include "coldvault/keys.hpp"
#include "coldvault/secrets.hpp"

namespace cv::backup {

inline constexpr std::size_t kMaxVersions = 500;
inline constexpr std::size_t kMaxBlobBytes = 64u << 20;

enum class BlobFormat { ColdVault, AzureKeyVault };

// The parts of a blob, split and decoded but not yet checked cryptographically.
struct Envelope {
  BlobFormat format = BlobFormat::ColdVault;
  std::string prefix;
  std::string type;  // "secret", "key", "certificate"
  std::string kid;   // domain id (ours) or Key Vault's wrapping key id
  // ColdVault only: the JWS around the JWE.
  std::string jws_header_b64;
  nlohmann::json jws_header;
  std::string jwe;  // compact JWE text (the JWS payload)
  Bytes signature;
  // The JWE (both formats).
  std::string jwe_header_b64;
  nlohmann::json jwe_header;
  Bytes encrypted_cek, iv, ciphertext, tag;
  std::size_t total_bytes = 0;
};

struct Manifest {
  std::string type, name, current, vault, vault_url, domain, signer, payload_sha256;
  std::vector<std::string> versions;
  std::int64_t created = 0;
};

// Strict decoding of envelope bytes (docs/blob-format.md §1-3). BadParameter with a precise reason.
Result<Envelope> parse_blob(ByteView blob);
// File or request content -> envelope bytes: raw bytes, base64url text, or {"value": "..."}.
Result<Bytes> read_blob_input(ByteView content);
// Envelope bytes -> REST `value` (base64url).
std::string blob_value(ByteView blob);
// The manifest of a ColdVault blob (BadParameter for Key Vault blobs, which have none in clear).
Result<Manifest> manifest_of(const Envelope& e);
// Lower-case hex SHA-256 of the envelope bytes: the blob's identity in lineage and archive.
std::string blob_sha256(ByteView blob);

// Offline: what a blob is, without token or trust anchor.
Result<nlohmann::json> inspect(ByteView blob);
// Offline: signature, chain to `trust_pem`, digests. `ok` only when every check holds.
struct Verdict {
  bool ok = false;
  nlohmann::json report;
};
Result<Verdict> verify(ByteView blob, std::string_view trust_pem);
// Offline, many blobs against one anchor (`blob verify --trust CERT FILE...`). Each input is decoded
// (read_blob_input) and judged exactly as verify() judges it, with the same report; an input that does not
// decode or verify is reported for itself ({"verdict":"invalid","error":{code,message}}) and the rest go
// on. The chain of each distinct x5c is verified once per call (keyed by SHA-256 of its DER); the per-blob
// work (decode, digests, ES256) runs on `threads` threads (0: one per core), one contiguous chunk of inputs
// each. Report: {verdict, blobs, valid, invalid, chains (distinct chains verified), results:[{file, ok,
// report}]} in input order; `ok` when every blob is valid. BadParameter only when trust_pem holds no
// certificate. Thread safe; `inputs` must not change during the call.
struct BlobInput {
  std::string file;  // a name for the report (the path given)
  Bytes content;     // raw bytes, base64url text or {"value": ...}
};
Result<Verdict> verify_many(const std::vector<BlobInput>& inputs, std::string_view trust_pem, unsigned threads = 0);
// The same against this home's signer registry (coldvault/trust.hpp) instead of a given anchor, as restore
// judges: the report's "anchor" names the registry entry used ({"source":"registry", sha256, subject,
// kind, label}), or the chain check fails with the registry's refusal.
Result<Verdict> verify_with_registry(vault::Service& svc, ByteView blob);

// With the token. Backups include every version; restores are all-or-nothing.
Result<Bytes> backup_secret(vault::Service& svc, const std::string& vault, const std::string& name);
Result<vault::SecretBundle> restore_secret(vault::Service& svc, const std::string& vault, ByteView blob);
Result<Bytes> backup_key(vault::Service& svc, const std::string& vault, const std::string& name);
Result<vault::KeyBundle> restore_key(vault::Service& svc, const std::string& vault, ByteView blob);
// Every version of the certificate, its key (re-wrapped in the token under the CEK) and its secret; the
// restore writes all three objects in one transaction. Forbidden for a name with a pending operation.
Result<Bytes> backup_certificate(vault::Service& svc, const std::string& vault, const std::string& name);
Result<vault::CertificateBundle> restore_certificate(vault::Service& svc, const std::string& vault, ByteView blob);

}  // namespace cv::backup
