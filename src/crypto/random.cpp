// Random bytes for tests and fuzz seeds. Keys, IVs and nonces of the vault come from the token's
// generator, never from here.
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

#include "coldvault/crypto.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto {

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  // RAND_bytes takes an int; fill in chunks so any size works.
  constexpr std::size_t kChunk = 1 << 20;
  for (std::size_t off = 0; off < n; off += kChunk) {
    const std::size_t len = std::min(kChunk, n - off);
    // A DRBG that cannot seed itself leaves no safe answer: returning zeros would silently make
    // every "random" test input the same, and Bytes has no room for an error.
    if (RAND_bytes(out.data() + off, static_cast<int>(len)) != 1) std::abort();
  }
  return out;
}

}  // namespace cv::crypto
