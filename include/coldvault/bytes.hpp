// Byte containers. SecureBytes wipes its memory (OPENSSL_cleanse, in src/crypto/wipe.cpp) whenever it
// frees it, so secrets never linger in freed heap blocks. Use it for PINs, values and key material;
// SecureString (coldvault/secure_string.hpp) is the text equivalent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/secure_string.hpp"
#include "coldvault/wiping_allocator.hpp"

namespace cv {

using Bytes = std::vector<std::uint8_t>;
using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline SecureBytes to_secure(std::string_view s) { return SecureBytes(s.begin(), s.end()); }

// Lower-case hex of b.
std::string to_hex(ByteView b);
// Well-formed UTF-8 as RFC 3629 defines it: no overlong forms, surrogates or code points past U+10FFFF (secret
// values travel as JSON strings only when true, and a JSON writer refuses anything else).
bool is_utf8(ByteView b);

}  // namespace cv
