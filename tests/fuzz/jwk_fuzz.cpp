// libFuzzer target for JWK import (src/crypto/jwk_private.cpp, jwk_public.cpp) and the .byok blob a BYOK
// import carries in key.key_hsm (src/vault/keys_byok.cpp, parsed before anything reaches the token). The
// first byte picks the decoder; the rest is its input (for the public JWK members: newline-separated
// n/e or crv/x/y). Any crash, leak or UB is a bug; every input must come back as a value or an error.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "coldvault/crypto.hpp"
#include "vault/keys_common.hpp"

namespace {

std::vector<std::string_view> lines(std::string_view s, std::size_t n) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    auto nl = s.find('\n');
    if (nl == std::string_view::npos) break;
    out.push_back(s.substr(0, nl));
    s.remove_prefix(nl + 1);
  }
  out.push_back(s);
  out.resize(n);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  namespace c = cv::crypto;
  switch (data[0] % 5) {
    case 0: (void)c::parse_private_jwk(text); break;
    case 1: (void)c::parse_oct_jwk(text); break;
    case 2: {
      auto p = lines(text, 2);
      if (auto pub = c::rsa_public_from_jwk(p[0], p[1])) (void)c::jwk_public(*pub);
      break;
    }
    case 3: {
      auto p = lines(text, 3);
      if (auto pub = c::ec_public_from_jwk(p[0], p[1], p[2])) (void)c::jwk_public(*pub);
      break;
    }
    default: (void)cv::vault::keys_detail::parse_byok_blob(text);
  }
  return 0;
}
