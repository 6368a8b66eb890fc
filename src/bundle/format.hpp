// The byte layout of a vault bundle (docs/bundle-format.md): preamble, footer, records, index entries,
// nonces and AADs, the Merkle root. Pure host code, no token; private to src/bundle.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/catalog.hpp"
#include "coldvault/error.hpp"

namespace cv::bundle::fmt {

inline constexpr std::uint8_t kMagic[8] = {'C', 'V', 'B', '1', '\r', '\n', 0x1a, '\n'};
inline constexpr std::uint8_t kEndMagic[8] = {'C', 'V', 'B', '1', 'E', 'N', 'D', 0};
inline constexpr std::size_t kPreambleBytes = 16;
inline constexpr std::size_t kFooterBytes = 56;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::uint32_t kChunkSize = 65536;
inline constexpr std::size_t kMaxHeader = 64u << 10;
inline constexpr std::size_t kMaxManifest = 1u << 20;
inline constexpr std::size_t kMaxSignature = 64u << 10;
inline constexpr std::size_t kMaxIndex = 64u << 20;
inline constexpr std::size_t kMaxRecord = 64u << 20;
inline constexpr std::size_t kMaxVersions = 500;

enum class Material : std::uint8_t { SecretValue = 1, WrappedKey = 2, PublicBytes = 3 };

std::uint8_t type_code(store::ObjType t);
std::optional<store::ObjType> type_from_code(std::uint8_t c);

// Big-endian appends.
void put_u8(Bytes& b, std::uint8_t v);
void put_u16(Bytes& b, std::uint16_t v);
void put_u32(Bytes& b, std::uint32_t v);
void put_u64(Bytes& b, std::uint64_t v);
void put_bytes(Bytes& b, ByteView v);

// Big-endian reads that never run past the end: every get fails (ok() false) once a read would.
class Reader {
 public:
  explicit Reader(ByteView b) : b_(b) {}
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::uint64_t u64();
  ByteView bytes(std::size_t n);
  bool ok() const { return ok_; }
  std::size_t left() const { return ok_ ? b_.size() - off_ : 0; }
  std::size_t offset() const { return off_; }

 private:
  ByteView b_;
  std::size_t off_ = 0;
  bool ok_ = true;
};

struct Preamble {
  std::uint32_t header_len = 0;
};
Bytes encode_preamble(std::uint32_t header_len);
// BadParameter naming what is wrong (magic, version, length).
Result<Preamble> decode_preamble(ByteView b);

struct Footer {
  std::uint64_t body_off = 0, index_off = 0, index_len = 0, digests_off = 0, manifest_off = 0;
  std::uint32_t manifest_len = 0, signature_len = 0;
};
Bytes encode_footer(const Footer& f);
// Magic and the section relations that the footer alone and the file size decide.
Result<Footer> decode_footer(ByteView b, std::uint64_t file_size);

// One object as a record carries it (docs/bundle-format.md §2). `material[i]` belongs to versions[i].
struct Record {
  store::ObjType type = store::ObjType::Secret;
  store::ObjectRow object;
  std::vector<store::VersionRow> versions;  // iv/ciphertext unused; meta_json kept
  std::vector<Material> kinds;
  std::vector<SecureBytes> material;
};
// The whole record with its 4-byte length prefix. Material is copied into a wiping buffer.
SecureBytes encode_record(const Record& r);
// Parses a record (with its length prefix) and checks every field's shape. BadParameter naming the fault.
Result<Record> decode_record(ByteView b);

// The vault's settings (§2.1), one record after the objects when the vault has any: certificate contacts and
// issuers, key rotation policies. An issuer's password is in clear here, as a secret's value is in its record:
// only under the chunk encryption.
struct IssuerEntry {
  std::string name, issuer_json;  // issuer_json: provider, ids, admins, enabled (never the password)
  std::int64_t created = 0, updated = 0;
  SecureBytes password;  // empty: none
};
struct PolicyEntry {
  std::string key, policy_json;
  std::int64_t created = 0, updated = 0;
};
struct Settings {
  std::string contacts_json;  // the JSON array; empty: none
  std::vector<IssuerEntry> issuers;
  std::vector<PolicyEntry> policies;
  bool empty() const { return contacts_json.empty() && issuers.empty() && policies.empty(); }
};
inline constexpr std::uint8_t kSettingsType = 4;
inline constexpr const char* kSettingsName = "vault-settings";
inline constexpr std::size_t kMaxSettingsItems = 10000;
// With its 4-byte length prefix, like a record.
SecureBytes encode_settings(const Settings& s);
// BadParameter naming the fault: a JSON part that is not JSON of its kind, a bad name, a repeated name.
Result<Settings> decode_settings(ByteView b);

struct IndexEntry {
  store::ObjType type = store::ObjType::Secret;  // unused for the settings entry
  bool deleted = false;
  std::string name;
  std::uint16_t versions = 0;
  std::uint64_t pt_off = 0;
  std::uint32_t pt_len = 0;
  bool settings = false;  // the vault settings record (type 4, last, versions 0)
};
Bytes encode_index(const std::vector<IndexEntry>& entries);
// Entries contiguous from 0 to plaintext_bytes, as §1.4 requires.
Result<std::vector<IndexEntry>> decode_index(ByteView b, std::uint64_t plaintext_bytes);

// §1.3 and §1.4: IVs and AADs.
Bytes chunk_iv(ByteView base_nonce, std::uint64_t index);
Bytes chunk_aad(ByteView bundle_id, std::uint64_t index, bool final);
Bytes index_iv(ByteView base_nonce);
Bytes index_aad(ByteView bundle_id);

// RFC 9162 §2.1.1 Merkle tree hash over the chunk digests (leaves are SHA-256(00 || digest)).
Bytes merkle_root(const std::vector<std::array<std::uint8_t, 32>>& digests);

}  // namespace cv::bundle::fmt
