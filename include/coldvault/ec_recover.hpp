// ECDSA public key recovery (SEC 1 v2, section 4.1.6): the public points for which a signature verifies.
// Used where a token holds an EC private key but no public point (BYOK import: PKCS#11 keeps no
// CKA_EC_POINT on a private key object), so the point is found from signatures the token makes, using only
// public values. Part of the OpenSSL adapter (src/crypto).
#pragma once

#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/key_parts.hpp"

namespace cv::crypto {

// Every point Q (uncompressed 04||X||Y) with which `sig` (r||s, each curve_bytes(c) long) is a valid ECDSA
// signature of `digest` (at most 64 bytes, used as ECDSA uses it: its leftmost order-bits) on curve c. At most
// four. BadParameter for a signature of the wrong length or with r or s out of range.
Result<std::vector<Bytes>> ecdsa_recover_points(Curve c, ByteView digest, ByteView sig);

}  // namespace cv::crypto
