#include "coldvault/merkle.hpp"

#include <bit>

#include "coldvault/crypto.hpp"

namespace cv::merkle {
namespace {

Hash to_hash(const Bytes& b) {
  Hash h{};
  std::copy(b.begin(), b.begin() + 32, h.begin());
  return h;
}

// The largest power of two smaller than n (n >= 2).
std::uint64_t split(std::uint64_t n) { return std::bit_floor(n - 1); }

void subproof(std::span<const Hash> d, std::uint64_t m, bool complete, std::vector<Hash>& out) {
  const std::uint64_t n = d.size();
  if (m == n) {
    if (!complete) out.push_back(root_of(d));
    return;
  }
  const std::uint64_t k = split(n);
  if (m <= k) {
    subproof(d.subspan(0, k), m, complete, out);
    out.push_back(root_of(d.subspan(k)));
  } else {
    subproof(d.subspan(k), m - k, false, out);
    out.push_back(root_of(d.subspan(0, k)));
  }
}

}  // namespace

Hash leaf_hash(ByteView data) {
  Bytes in;
  in.reserve(data.size() + 1);
  in.push_back(0x00);
  in.insert(in.end(), data.begin(), data.end());
  return to_hash(crypto::sha256(in));
}

Hash node_hash(const Hash& left, const Hash& right) {
  Bytes in;
  in.reserve(65);
  in.push_back(0x01);
  in.insert(in.end(), left.begin(), left.end());
  in.insert(in.end(), right.begin(), right.end());
  return to_hash(crypto::sha256(in));
}

Hash empty_root() { return to_hash(crypto::sha256(ByteView())); }

Result<Frontier> Frontier::of(std::uint64_t size, std::vector<Hash> hashes) {
  if (hashes.size() != static_cast<std::size_t>(std::popcount(size)))
    return fail(Errc::BadParameter, "a Merkle frontier of " + std::to_string(size) + " leaves has " +
                                        std::to_string(std::popcount(size)) + " hashes, not " +
                                        std::to_string(hashes.size()));
  Frontier f;
  f.size_ = size;
  f.f_ = std::move(hashes);
  return f;
}

void Frontier::append(const Hash& leaf) {
  f_.push_back(leaf);
  // Each trailing 1-bit of the old size is a subtree of the new leaf's height to merge with.
  for (std::uint64_t s = size_; s & 1; s >>= 1) {
    Hash right = f_.back();
    f_.pop_back();
    f_.back() = node_hash(f_.back(), right);
  }
  ++size_;
}

Hash Frontier::root() const {
  if (f_.empty()) return empty_root();
  Hash r = f_.back();
  for (std::size_t i = f_.size() - 1; i-- > 0;) r = node_hash(f_[i], r);
  return r;
}

Frontier frontier_of(std::span<const Hash> leaves) {
  Frontier f;
  for (const auto& l : leaves) f.append(l);
  return f;
}

Hash root_of(std::span<const Hash> leaves) { return frontier_of(leaves).root(); }

std::vector<Hash> consistency_proof(std::span<const Hash> leaves, std::uint64_t m) {
  std::vector<Hash> out;
  if (m == 0 || m >= leaves.size()) return out;
  subproof(leaves, m, true, out);
  return out;
}

bool verify_consistency(std::uint64_t m, std::uint64_t n, const Hash& root_m, const Hash& root_n,
                        std::span<const Hash> proof) {
  if (m > n) return false;
  if (m == 0) return proof.empty();
  if (m == n) return proof.empty() && root_m == root_n;
  std::vector<Hash> path;
  if (std::has_single_bit(m)) path.push_back(root_m);
  path.insert(path.end(), proof.begin(), proof.end());
  if (path.empty()) return false;
  std::uint64_t fn = m - 1, sn = n - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if (!(fn & 1))
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == root_m && sr == root_n && sn == 0;
}

}  // namespace cv::merkle
