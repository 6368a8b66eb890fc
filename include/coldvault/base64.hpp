// Strict base64 codecs. Decoders refuse whitespace, wrong alphabets, and non-canonical input (stray bits in
// the last character); base64url is unpadded, as Key Vault sends it, standard base64 is padded.
#pragma once

#include <string>
#include <string_view>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

namespace cv {

std::string base64url_encode(ByteView data);
Result<Bytes> base64url_decode(std::string_view text);
// Accepts unpadded or padded base64url (some clients pad); still canonical otherwise.
Result<Bytes> base64url_decode_lenient_padding(std::string_view text);

std::string base64_encode(ByteView data);
Result<Bytes> base64_decode(std::string_view text);

}  // namespace cv
