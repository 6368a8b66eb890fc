// Shamir secret sharing, for handing a domain's transfer secret to several custodians (issue 13).
// Scheme: each secret byte s is the constant term of its own random polynomial f of degree m-1;
// share i holds f(x_i) for every byte, and any m shares rebuild f(0) = s by Lagrange interpolation
// at 0. Fewer than m shares say nothing about s (every value of s fits them equally well).
// Field: GF(2^8) with reduction polynomial x^8+x^4+x^3+x^2+1 (0x11d), the one libgfshare uses, so
// shares interoperate with gfshare tools; addition is XOR. Arithmetic is constant time (no tables,
// no branches on secret bytes; src/crypto/gf256.hpp says how).
// x convention: split hands out x = 1..n in order; x = 0 is never a share (it would be the secret).
// No integrity: a wrong, altered or missing share yields a wrong secret without any error, and
// combine cannot tell how many shares the split required. Callers must check the result against a
// commitment (a digest or a MAC key check) kept with the shares.
#pragma once

#include <cstdint>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

namespace cv::shamir {

struct Share {
  std::uint8_t x = 0;  // 1..255, the share's x-coordinate
  SecureBytes y;       // one byte per secret byte
};

// Splits `secret` (1..64 bytes) into n shares (x = 1..n) any m of which rebuild it;
// 2 <= m <= n <= 255. Polynomial coefficients from OpenSSL RAND_bytes (wiped after). BadParameter
// for bad m/n/sizes; Internal if the random generator fails.
Result<std::vector<Share>> split(ByteView secret, unsigned m, unsigned n);

// Lagrange interpolation at x = 0 of exactly the given shares. BadParameter for: fewer than 1
// share, x == 0, two shares with the same x (message names the x), shares of different lengths, and
// shares of 0 or more than 64 bytes (split never makes those).
// (It cannot know m: with too few shares it returns a wrong secret; callers check a commitment.)
Result<SecureBytes> combine(const std::vector<Share>& shares);

}  // namespace cv::shamir
