#include "coldvault/bytes.hpp"
#include "coldvault/key_parts.hpp"

namespace cv {

std::string to_hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (auto c : b) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::size_t curve_bytes(Curve c) {
  switch (c) {
    case Curve::P256: return 32;
    case Curve::P384: return 48;
    case Curve::P521: return 66;
    case Curve::P256K: return 32;
  }
  return 0;
}

const char* curve_name(Curve c) {
  switch (c) {
    case Curve::P256: return "P-256";
    case Curve::P384: return "P-384";
    case Curve::P521: return "P-521";
    case Curve::P256K: return "P-256K";
  }
  return "?";
}

bool is_utf8(ByteView b) {
  std::size_t i = 0;
  while (i < b.size()) {
    const unsigned c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    // RFC 3629, section 4: the lead byte fixes the length and the range of the second byte, which is what
    // rules out overlong forms (C0, C1, E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points
    // above U+10FFFF (F4 90..BF, F5..FF).
    const std::size_t n = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 0;
    if (n == 0) return false;
    const unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (b.size() - i <= n || b[i + 1] < lo || b[i + 1] > hi) return false;
    for (std::size_t k = 2; k <= n; ++k)
      if ((b[i + k] & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace cv
