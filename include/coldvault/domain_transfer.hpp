// Moving a security domain to another token: custodians, the M-of-N transfer file, import
// (docs/domain-transfer.md has the ceremony, the file formats byte by byte and the threat model).
//
// Thread safety: as Service.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/hsm.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

// ---- custodians ---------------------------------------------------------------------------------

struct CustodianCert {
  std::string name;
  std::string sha256;  // lower-case hex SHA-256 of the certificate DER: read aloud at enrollment
  std::string pem;
  unsigned bits = 0;
  std::int64_t added = 0;  // registry rows only
};

// A token outside any home (a custodian's): module (empty: Debian's SoftHSM2, which reads $SOFTHSM2_CONF)
// and a label or pkcs11: URI; the PIN from `pin_file`, else $COLDVAULT_PIN, else a prompt.
Result<hsm::Token> open_custodian_token(const std::string& module, const std::string& token, const std::string& pin_file);
// The SO PIN for `domain export`: from `file`, else $COLDVAULT_SO_PIN, else a prompt.
Result<SecureBytes> read_so_pin(const std::string& file, const std::string& token_label);

// On the custodian's own token: an RSA key pair labelled `label` (bits 2048..4096) that decrypts OAEP and
// nothing else once its self-signed certificate ("CN=coldvault custodian <label>") is made. Conflict if the
// token already has a private key with that label.
Result<CustodianCert> enroll_custodian(hsm::Token& token, const std::string& label, unsigned bits);

// The custodian certificate in `pem`: parsed and checked (RSA >= 2048 bits, not expired). BadParameter
// naming `what` otherwise.
Result<CustodianCert> read_custodian_cert(std::string_view pem, const std::string& what);

// The domain's custodian registry, oldest first, each row checked against its authenticator (Corruption).
Result<std::vector<CustodianCert>> custodians(Service& svc);

// ---- export --------------------------------------------------------------------------------------

struct ExportOptions {
  unsigned quorum = 0;
  std::vector<CustodianCert> custodians;  // from read_custodian_cert, in share order (x = 1..N)
  std::string vault;                      // signing vault; empty: the oldest live vault
  int valid_days = 7;                     // 1..90
  // Also carry the keys the catalogue's rows depend on (each vault's master key, the integrity and audit keys),
  // for a token that joins this home's shared catalogue (ADR 0024). Off: the file moves only what a home with
  // its own catalogue needs.
  bool catalogue_keys = false;
  SecureBytes so_pin;
  SecureBytes user_pin;                   // to log in again after the SO
};

struct ExportedShare {
  unsigned x = 0;
  std::string name, sha256;
};

struct ExportReport {
  std::string transfer_id, domain_kid, vault, signer_sha256;
  std::int64_t created = 0, expires = 0;
  unsigned required = 0;
  std::vector<ExportedShare> shares;
  std::vector<std::string> signers_moved, signers_not_moved;  // vault names
  std::vector<std::string> masters_moved, masters_not_moved;  // vault names
  bool integrity_moved = false, audit_moved = false;
  std::string file_text;  // the transfer file (ends with '\n')
};

Result<ExportReport> export_domain(Service& svc, const ExportOptions& o);

// ---- the transfer file ---------------------------------------------------------------------------

struct TransferCustodian {
  unsigned x = 0;
  std::string name, sha256;
  Bytes cert_der;
  Bytes share_ciphertext;
  std::string share_sha256;
};

struct TransferSigner {
  std::string vault;
  Bytes cert_der;
  std::optional<Bytes> wrapped;
};

// A root key the catalogue's rows depend on (optional member "catalogue_keys"): a vault's master key, the
// integrity key, the audit key. `wrapped` is empty when the source's key is not transferable.
struct TransferRootKey {
  std::string vault;  // masters only
  Bytes cert_der;     // the audit key only: its certificate
  std::optional<Bytes> wrapped;
};

struct TransferCatalogueKeys {
  std::optional<Bytes> integrity;
  std::optional<TransferRootKey> audit;  // none: the source had made no audit key
  std::vector<TransferRootKey> masters;
};

struct TransferToken {
  std::string label, serial, transfer_id;
  std::int64_t joined = 0;
};

struct TransferFile {
  std::string transfer_id;
  Bytes transfer_id_bytes;  // the UUID's 16 bytes
  std::int64_t created = 0, expires = 0;
  std::string domain_kid, source_token_label, source_token_serial, source_vault;
  unsigned required = 0, shares = 0;
  Bytes kek_commitment;
  std::vector<TransferCustodian> custodians;  // x = 1..N
  Bytes domain_spki, domain_wrapped;
  std::vector<TransferSigner> signers;
  std::vector<TransferToken> tokens;
  std::optional<TransferCatalogueKeys> catalogue_keys;  // absent in files made before shared catalogues
  std::string signer_sha256;  // the file's signing certificate
};

// Parses and verifies a transfer file: structure, the ES256 signature with the certificate it carries, that
// certificate being the file's own signer entry for source.vault, and expiry at `now` (nullopt: not checked,
// for an import that only finishes an earlier committed one). BadParameter naming what is wrong.
Result<TransferFile> read_transfer_file(std::string_view text, std::optional<std::int64_t> now);

// ---- custodian side ------------------------------------------------------------------------------

struct DecryptedShare {
  std::string transfer_id, custodian_name, custodian_sha256, file_signer_sha256, domain_kid;
  unsigned x = 0;
  std::int64_t expires = 0;
  SecureString file_text;  // the share file (coldvault.sd-share/1)
};

// Decrypts this token's share of `file` inside the token. `label` empty: the key is found by CKA_ID among the
// file's custodians. NotFound when the token holds none of them.
Result<DecryptedShare> decrypt_share(hsm::Token& token, const TransferFile& file, const std::string& label);

// ---- import --------------------------------------------------------------------------------------

struct ShareInput {
  std::string name;   // for messages (the file's path)
  SecureString text;  // its contents
};

struct ImportOptions {
  std::string signer_sha256;  // optional pin of the file's signer
};

struct UnreadableVault {
  std::string name, reason;
};

struct ImportReport {
  std::string transfer_id, domain_kid, signer_sha256, token_label, token_serial;
  std::vector<std::string> signers_imported, signers_trusted_only;  // vault names
  std::vector<std::string> masters_imported;  // vault names (a shared catalogue only)
  std::vector<UnreadableVault> vaults_unreadable;  // vaults of the shared catalogue this token still cannot read
  std::vector<unsigned> shares_used;
  bool shared_catalogue = false;  // the catalogue already held the domain: this token joined it
  bool resumed = false;  // an earlier import had committed; this one finished it
};

// Imports the domain of `file_text` into a home made by `init --join` (no domain yet). When the home's
// catalogue already holds the domain (a node joining a shared PostgreSQL catalogue, docs/deployment.md), the
// catalogue's root keys come too (the vaults' master keys, the integrity and audit keys), each checked against
// what the catalogue holds, and nothing but this token's membership is added to the catalogue. Into a home that
// already holds the domain over a shared catalogue, imports the keys of the vaults this token lacks.
Result<ImportReport> import_domain(Service& svc, std::string_view file_text, const std::vector<ShareInput>& shares,
                                   const ImportOptions& o);

// ---- the domain's tokens -------------------------------------------------------------------------

struct DomainToken {
  std::string label, serial, transfer_id;
  std::int64_t joined = 0;
  bool this_token = false;
};

struct DomainTransferEvent {
  std::int64_t time = 0;
  std::string event, transfer_id, detail;
};

struct DomainMembers {
  std::vector<DomainToken> tokens;
  std::vector<DomainTransferEvent> transfers;
};

// Every token known to hold this home's domain (this one always listed) and the transfers made or taken.
Result<DomainMembers> domain_members(Service& svc);

}  // namespace cv::vault
