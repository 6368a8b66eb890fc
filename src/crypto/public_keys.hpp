// Private to src/crypto: EVP_PKEYs built from public key parts, shared by SPKI encoding, the
// certificate builder and RSA encryption. All return BadParameter for parts that do not form a
// valid key.
#pragma once

#include "crypto/ossl.hpp"

namespace cv::crypto::detail {

// OpenSSL's group name for a curve ("prime256v1", ...).
const char* group_name(Curve c);

// The uncompressed point 04||X||Y of pub, accepting pub.point either as the DER OCTET STRING
// PKCS#11 returns for CKA_EC_POINT or as the raw point; checks the length against the curve.
Result<Bytes> raw_ec_point(const EcPublic& pub);
// DER OCTET STRING around bytes (how CKA_EC_POINT carries a point).
Bytes der_octet_string(ByteView content);

Result<ossl::PkeyPtr> rsa_public_pkey(const RsaPublic& pub);
Result<ossl::PkeyPtr> ec_public_pkey(const EcPublic& pub);

}  // namespace cv::crypto::detail
