// Arithmetic in GF(2^8) modulo x^8+x^4+x^3+x^2+1 (0x11d) for Shamir sharing (coldvault/shamir.hpp).
// Constant time on purpose: the usual log/exp tables are indexed by the operands, so which cache
// lines get touched depends on secret bytes and leaks them to a cache-timing observer. Here every
// step runs the same instructions whatever the values: masks built from bits replace branches, and
// there are no memory lookups at all. Header-only so tests/unit can check the field exhaustively.
#pragma once

#include <cstdint>

namespace cv::shamir::gf {

// a + b (and a - b: in characteristic 2 they are the same).
constexpr std::uint8_t add(std::uint8_t a, std::uint8_t b) { return a ^ b; }

// a * b by shift-and-xor: for each bit of b, add a when the bit is set (mask 0x00 or 0xff, not an
// if), then double a, folding the bit shifted out back in as 0x1d (0x11d without its x^8 term).
constexpr std::uint8_t mul(std::uint8_t a, std::uint8_t b) {
  unsigned r = 0;
  unsigned aa = a;
  unsigned bb = b;
  for (int i = 0; i < 8; ++i) {
    r ^= aa & (0u - (bb & 1u));
    const unsigned carry = 0u - ((aa >> 7) & 1u);
    aa = ((aa << 1) ^ (0x1du & carry)) & 0xffu;
    bb >>= 1;
  }
  return static_cast<std::uint8_t>(r);
}

// a^-1 as a^254 (the multiplicative group has order 255, so a^254 * a = 1), by one fixed chain of
// squarings and multiplications: no branch on a and no extended Euclid whose loop count depends on
// it. inv(0) = 0, which callers never rely on (x-coordinates are distinct and non-zero).
constexpr std::uint8_t inv(std::uint8_t a) {
  std::uint8_t r = a;  // a^1
  // Six rounds of "square, multiply by a": a^3, a^7, a^15, a^31, a^63, a^127.
  for (int i = 0; i < 6; ++i) r = mul(mul(r, r), a);
  return mul(r, r);  // a^254
}

}  // namespace cv::shamir::gf
