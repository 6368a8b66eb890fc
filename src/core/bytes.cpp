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
    unsigned c = b[i];
    std::size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
    if (n == 9) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if (i + k >= b.size() || (b[i + k] >> 6) != 2) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace cv
