// Pieces the domain-transfer files share (docs/domain-transfer.md "File formats"). Private to src/vault.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/key_parts.hpp"
#include "coldvault/shamir.hpp"

namespace cv::vault {
struct TransferFile;
struct ShareInput;
}

namespace cv::vault::transfer {

inline constexpr const char* kFileFormat = "coldvault.sd-transfer/1";
inline constexpr const char* kShareFormat = "coldvault.sd-share/1";
inline constexpr const char* kScheme = "shamir-gf256-0x11d/1";
inline constexpr std::size_t kKeyBytes = 32;         // K_t
inline constexpr std::size_t kSharePlainBytes = 54;  // "CVSD" 01 id[16] x y[32]

// CKA_ID of a custodian key: the first 16 bytes of SHA-256 of its modulus (big-endian, no leading zeros).
Bytes custodian_key_id(const RsaPublic& pub);
// The UUID's 16 bytes; BadParameter unless `uuid` is 36 lower-case hex-and-dash characters.
Result<Bytes> uuid_bytes(const std::string& uuid);
// HMAC-SHA256(K_t, "coldvault/sdx/v1" || transfer id text).
Bytes commitment(ByteView kt, const std::string& transfer_id);
// hex SHA-256("coldvault/sdx/share/v1" || id16 || x || y).
std::string share_hash(ByteView id16, unsigned x, ByteView y);
// The 54-byte OAEP plaintext of a share, and its parse (BadParameter naming `what`).
SecureBytes share_plaintext(ByteView id16, unsigned x, ByteView y);
struct SharePlain {
  Bytes id16;
  unsigned x = 0;
  SecureBytes y;
};
Result<SharePlain> parse_share_plaintext(ByteView p, const std::string& what);

// The signed payload of a transfer file into `f` (everything but the signer check and expiry), the part of
// read_transfer_file after the signature verifies; pure, for its fuzzer. BadParameter naming what is wrong.
Result<void> read_transfer_payload(const nlohmann::json& payload, TransferFile& f);

// A share file (coldvault.sd-share/1), parsed and checked against the transfer file: its transfer, share
// number, custodian, signer and the share's hash. Every refusal (BadParameter) names the file.
Result<shamir::Share> read_share_file(const ShareInput& in, const TransferFile& f);

// BadParameter "transfer file: transfer <id> expired at <time>; export a new file" at or after its expiry.
Result<void> check_not_expired(const TransferFile& f, std::int64_t now);
// The transfer file's text: header {alg ES256, typ, x5c [cert_der]}, the payload's compact dump, and the
// signature `sign` makes of SHA-256(b64u(header) "." b64u(payload)) (r||s), then '\n'.
Result<std::string> sign_transfer_file(const nlohmann::json& payload, ByteView cert_der,
                                       const std::function<Result<Bytes>(ByteView digest)>& sign);

}  // namespace cv::vault::transfer

namespace cv::vault {
class Service;
struct CustodianCert;
// Registers the custodians the registry does not list yet (rows sealed by the integrity key); call inside
// the caller's Catalog::Batch.
Result<void> register_custodians(Service& svc, const std::vector<CustodianCert>& list);
}  // namespace cv::vault
