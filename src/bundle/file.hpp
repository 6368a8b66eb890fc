// Reading a vault bundle from its end (docs/bundle-format.md §3): footer, manifest, signature, header, then
// the sections a caller asks for. No token: verify, inspect and restore all start here. Private to src/bundle.
#pragma once

#include <array>
#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bundle/format.hpp"

namespace cv::bundle {

using Digest = std::array<std::uint8_t, 32>;

class BundleFile {
 public:
  // Reads and parses the footer, manifest, signature and header; checks every structural relation (section
  // offsets, body length from the manifest, header fields against the manifest's) but no digest and no
  // signature. BadParameter naming the first fault; NotFound / StorageFailure for a file that cannot be read.
  static Result<BundleFile> open(const std::string& path);
  BundleFile(BundleFile&& o) noexcept;
  BundleFile(const BundleFile&) = delete;
  BundleFile& operator=(const BundleFile&) = delete;
  ~BundleFile();

  // Exactly n bytes at off (BadParameter "truncated" when the file is shorter than it said).
  Result<Bytes> read(std::uint64_t off, std::size_t n);
  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // ES256 over the manifest with x5c[0], and the manifest's signer is x5c[0]. BadParameter otherwise.
  Result<void> check_signature() const;
  // SHA-256 of the header bytes is the manifest's headerSha256.
  bool header_matches() const;
  // Reads the chunk digests; BadParameter when their Merkle root is not the manifest's chunkRoot.
  Result<std::vector<Digest>> read_digests();
  // Reads the index section; BadParameter when its SHA-256 is not the manifest's indexSha256.
  Result<Bytes> read_index();
  // Chunk i's bytes (ciphertext || tag), checked against `digests[i]` (BadParameter naming the chunk).
  Result<Bytes> read_chunk(std::uint64_t i, const std::vector<Digest>& digests);

  std::uint64_t chunk_offset(std::uint64_t i) const { return footer.body_off + i * (chunk_size + fmt::kTagBytes); }
  std::uint64_t chunk_plain_len(std::uint64_t i) const {
    return i + 1 == chunk_count ? final_chunk_bytes : chunk_size;
  }

  fmt::Footer footer;
  Bytes header_bytes, manifest_bytes;
  nlohmann::json header, manifest, jws_header;
  std::string jws_protected_b64;
  Bytes signature;
  std::vector<Bytes> x5c;
  // From the manifest (checked against the header).
  std::string bundle_id_hex, vault, domain, signer;
  Bytes bundle_id, base_nonce;
  std::int64_t created = 0;
  int retention_days = 90;  // the vault's settings, from the header (a restore into a new vault takes them)
  bool purge_protection = false;
  std::uint64_t chunk_size = 0, chunk_count = 0, plaintext_bytes = 0, final_chunk_bytes = 0, index_entries = 0;

 private:
  BundleFile() = default;
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::atomic<std::uint64_t> bytes_read_ = 0;  // a restore reads on one thread and reports on another
};

// "bundle <8 hex of the id> of vault V": how messages name a bundle.
std::string describe(const BundleFile& f);

}  // namespace cv::bundle
