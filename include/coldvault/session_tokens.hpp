// Bearer tokens that live only as long as one `coldvault serve` process: the token printed by
// `serve --ephemeral` and the ones its managed-identity endpoint hands out (docs/drop-in.md).
//
// Why not catalogue tokens (coldvault/access_tokens.hpp): a catalogue token opens one vault and is
// a row that outlives the process; the managed-identity protocol hands one token per *resource*,
// and the resource the SDKs ask for ("https://localhost:PORT") covers every vault of the server.
// These tokens are stored nowhere: the text is "cvs1_<expires>_<nonce>_<mac>", expires = Unix
// seconds (0: never), nonce = 16 random bytes in hex, mac = hex of HMAC-SHA256 over
// "cvs1_<expires>_<nonce>" under a 32-byte key drawn at start and held only in this object's memory
// (wiped on destruction). A restart invalidates every token.
//
// Thread safety: immutable after construction; mint and verify from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coldvault/bytes.hpp"
#include "coldvault/secure_string.hpp"

namespace cv::vault {

enum class SessionVerdict { Valid, Expired, Invalid };

class SessionTokens {
 public:
  SessionTokens();  // draws the key
  SessionTokens(const SessionTokens&) = delete;
  SessionTokens& operator=(const SessionTokens&) = delete;

  // A token valid until `expires` (Unix seconds; nullopt: for the life of this object). The text is
  // the only copy: hand it to its user, never log it.
  SecureString mint(std::optional<std::int64_t> expires) const;
  // Whether `text` is one of ours, and current at `now`.
  SessionVerdict verify(std::string_view text, std::int64_t now) const;
  // Whether `text` has this kind's prefix (so the caller knows which verifier to ask).
  static bool looks_like(std::string_view text);
  // A fresh shared secret (24 random bytes, base64url): the managed-identity endpoint's header value.
  static SecureString new_secret();
  // Constant-time comparison of a presented secret with the expected one (false when lengths differ).
  static bool same_secret(std::string_view presented, std::string_view expected);

 private:
  SecureBytes key_;
};

}  // namespace cv::vault
