// RFC 9162 §2.1 Merkle trees over SHA-256: leaf and node hashes, the frontier an append-only log keeps
// (O(log n) per append), tree heads, and consistency proofs (§2.1.4). The audit log (docs/audit.md) is built
// on these.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

namespace cv::merkle {

using Hash = std::array<std::uint8_t, 32>;

Hash leaf_hash(ByteView data);                     // SHA-256(0x00 || data)
Hash node_hash(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
Hash empty_root();                                 // SHA-256() : the tree of no leaves

// The roots of the perfect subtrees that make up a tree of `size` leaves, largest first: one per 1-bit of
// size. Appending is O(log n); the root folds them from the right.
class Frontier {
 public:
  Frontier() = default;
  // BadParameter unless hashes.size() is the number of 1-bits of size.
  static Result<Frontier> of(std::uint64_t size, std::vector<Hash> hashes);
  void append(const Hash& leaf);
  Hash root() const;
  std::uint64_t size() const { return size_; }
  const std::vector<Hash>& hashes() const { return f_; }

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> f_;
};

// The tree head of these leaf hashes (MTH).
Hash root_of(std::span<const Hash> leaves);
// The frontier of the first m leaves.
Frontier frontier_of(std::span<const Hash> leaves);
// PROOF(m, D[n]) of RFC 9162 §2.1.4.1 for n = leaves.size(), 0 <= m <= n (empty for m = 0 or m = n).
std::vector<Hash> consistency_proof(std::span<const Hash> leaves, std::uint64_t m);
// RFC 9162 §2.1.4.2: does `proof` show that the tree (m, root_m) is a prefix of (n, root_n)? m = 0 is
// consistent with anything (empty proof); m = n needs equal roots and an empty proof.
bool verify_consistency(std::uint64_t m, std::uint64_t n, const Hash& root_m, const Hash& root_n,
                        std::span<const Hash> proof);

}  // namespace cv::merkle
