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

#include "coldvault/hsm.hpp"

namespace cv::vault {
struct TransferFile;
struct ShareInput;
struct HomeConfig;
struct ImportReport;
class Service;
class MadeObjects;
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

// ---- import steps (domain_import.cpp), shared by the import into a new catalogue and the join of a shared one --

// K_t rebuilt from the share files (each checked, no custodian twice; `used` gets their numbers) and checked
// against the file's commitment.
Result<SecureBytes> rebuild_key(const TransferFile& f, const std::vector<ShareInput>& inputs, std::vector<unsigned>& used);
// "coldvault-import-<join id>-": the labels an import's objects carry until the catalogue has committed. The
// part after it is "domain", "sign-<vault>", "master-<vault>" or "audit".
std::string pending_prefix(const HomeConfig& c);
// Every token object with this label and class destroyed.
Result<void> destroy_all(hsm::Token& t, const std::string& label, const char* cls);
// What an interrupted import into this home left: objects under its pending labels, and an integrity key of the
// domain no domain key on the token accompanies.
Result<void> remove_leftovers(hsm::Token& t, const std::string& prefix, const std::string& kid);
// After the commit: this home's pending labels become the final ones.
Result<void> finish_labels(hsm::Token& t, const std::string& prefix, const std::string& kid);
// A wrapped key of the file that does not unwrap: Corruption naming `what` and the file.
std::unexpected<Error> unwrap_refused(const Error& e, const std::string& what, const TransferFile& f);
// K_t (wiped here) as an unwrap-only session object, destroyed when the guard goes.
class TransferKey {
 public:
  static Result<TransferKey> import(hsm::Token& t, SecureBytes& kt);
  TransferKey(TransferKey&& o) noexcept : t_(o.t_), h_(o.h_) { o.t_ = nullptr; }
  TransferKey& operator=(TransferKey&&) = delete;
  ~TransferKey() {
    if (t_) (void)t_->destroy(h_);
  }
  hsm::Handle handle() const { return h_; }

 private:
  TransferKey(hsm::Token& t, hsm::Handle h) : t_(&t), h_(h) {}
  hsm::Token* t_;
  hsm::Handle h_;
};
// The file's domain key unwrapped under `label` (both halves added to `made`) and checked against its public key.
Result<hsm::KeyPair> unwrap_file_domain_key(hsm::Token& t, hsm::Handle kek, const TransferFile& f,
                                            const std::string& label, MadeObjects& made);
// A signature by `priv` over a fresh digest verifies with the certificate (Corruption naming `what` otherwise).
Result<void> prove_signer(hsm::Token& t, hsm::Handle priv, ByteView cert_der, const std::string& what);

// The import into a home whose catalogue already holds the file's domain (domain_join.cpp): a token joining a
// shared catalogue (`have_domain` false: the home has no domain yet), or one that holds the domain and takes the
// keys of vaults made since (`have_domain` true).
Result<void> join_shared_catalogue(Service& svc, const TransferFile& f, const std::vector<ShareInput>& shares,
                                   HomeConfig& cfg, bool have_domain, ImportReport& rep);
// Whether the committed import of this home (its join id in the catalogue's import event) is what the catalogue's
// knowledge of the domain comes from: then an import only finishes the labels and config.json.
Result<bool> committed_by_this_home(Service& svc, const TransferFile& f, const HomeConfig& cfg);

}  // namespace cv::vault::transfer

namespace cv::vault {
struct CustodianCert;
// Registers the custodians the registry does not list yet (rows sealed by the integrity key); call inside
// the caller's Catalog::Batch.
Result<void> register_custodians(Service& svc, const std::vector<CustodianCert>& list);
}  // namespace cv::vault
