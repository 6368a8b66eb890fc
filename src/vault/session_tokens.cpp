// Process-lifetime bearer tokens (coldvault/session_tokens.hpp).
#include "coldvault/session_tokens.hpp"

#include <charconv>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/wiping_allocator.hpp"

namespace cv::vault {
namespace {

constexpr std::string_view kPrefix = "cvs1_";

}  // namespace

SessionTokens::SessionTokens() {
  Bytes k = crypto::random_bytes(32);
  key_.assign(k.begin(), k.end());
  secure_wipe(k.data(), k.size());
}

bool SessionTokens::looks_like(std::string_view text) { return text.starts_with(kPrefix); }

SecureString SessionTokens::new_secret() {
  Bytes r = crypto::random_bytes(24);
  SecureString out(base64url_encode(r));
  secure_wipe(r.data(), r.size());
  return out;
}

bool SessionTokens::same_secret(std::string_view presented, std::string_view expected) {
  return crypto::equal_ct(as_bytes(presented), as_bytes(expected));
}

SecureString SessionTokens::mint(std::optional<std::int64_t> expires) const {
  std::string head = std::string(kPrefix) + std::to_string(expires.value_or(0)) + "_" +
                     to_hex(crypto::random_bytes(16));
  Bytes mac = crypto::hmac_sha256(key_, as_bytes(head));
  SecureString out(head);
  out += "_";
  out += to_hex(mac);
  return out;
}

SessionVerdict SessionTokens::verify(std::string_view text, std::int64_t now) const {
  if (!looks_like(text) || text.size() > 200) return SessionVerdict::Invalid;
  // Hex parts: '_' appears only as the separator.
  auto last = text.rfind('_');
  auto head = text.substr(0, last);
  if (!crypto::equal_ct(as_bytes(text.substr(last + 1)),
                        as_bytes(to_hex(crypto::hmac_sha256(key_, as_bytes(head))))))
    return SessionVerdict::Invalid;
  // The MAC covers the expiry, so it is ours and well formed; read it.
  auto exp_text = head.substr(kPrefix.size());
  exp_text = exp_text.substr(0, exp_text.find('_'));
  std::int64_t expires = 0;
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), expires);
  if (expires != 0 && expires <= now) return SessionVerdict::Expired;
  return SessionVerdict::Valid;
}

}  // namespace cv::vault
