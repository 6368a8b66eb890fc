// Strict base64 / base64url. Canonical form is enforced (no stray low bits, no whitespace) so that one blob
// has exactly one text form and a re-encoded blob is detected.
#include "coldvault/base64.hpp"

#include <array>

namespace cv {
namespace {

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(ByteView d, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((d.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= d.size(); i += 3) {
    std::uint32_t v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  std::size_t rest = d.size() - i;
  if (rest == 1) {
    std::uint32_t v = d[i] << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    std::uint32_t v = (d[i] << 16) | (d[i + 1] << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

std::array<int, 256> table(const char* alphabet) {
  std::array<int, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = i;
  return t;
}

Result<Bytes> decode(std::string_view s, const char* alphabet, const char* what) {
  static const auto kStdT = table(kStd);
  static const auto kUrlT = table(kUrl);
  const auto& t = alphabet == kStd ? kStdT : kUrlT;
  if (s.size() % 4 == 1) return fail(Errc::BadParameter, std::string("invalid ") + what + ": bad length");
  Bytes out;
  out.reserve(s.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = t[static_cast<unsigned char>(c)];
    if (v < 0) return fail(Errc::BadParameter, std::string("invalid ") + what + ": unexpected character");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
    return fail(Errc::BadParameter, std::string("invalid ") + what + ": non-canonical encoding");
  return out;
}

}  // namespace

std::string base64url_encode(ByteView data) { return encode(data, kUrl, false); }
Result<Bytes> base64url_decode(std::string_view text) { return decode(text, kUrl, "base64url"); }

Result<Bytes> base64url_decode_lenient_padding(std::string_view text) {
  if (text.size() % 4 == 0) {
    std::size_t n = 0;
    while (n < 2 && !text.empty() && text.back() == '=') {
      text.remove_suffix(1);
      ++n;
    }
  }
  return decode(text, kUrl, "base64url");
}

std::string base64_encode(ByteView data) { return encode(data, kStd, true); }

Result<Bytes> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return fail(Errc::BadParameter, "invalid base64: bad length");
  std::size_t pad = 0;
  while (pad < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++pad;
  }
  return decode(text, kStd, "base64");
}

}  // namespace cv
