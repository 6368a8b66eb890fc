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

// ECDSA over `digest` with a key already built (r||s of coord_bytes each): false for a mismatch or a
// signature of the wrong length, Internal when verification cannot be set up.
Result<bool> verify_ecdsa_raw(EVP_PKEY* pkey, std::size_t coord_bytes, ByteView digest, ByteView sig_raw_rs);

// The other direction (key_extract.cpp): parts of a key OpenSSL parsed. Unsupported for a curve
// other than P-256/384/521 or one given by explicit parameters; BadParameter for a key of the
// wrong type.
Result<Curve> curve_of(const EVP_PKEY* pkey);
Result<RsaPublic> rsa_public_of(const EVP_PKEY* pkey);
// The point is returned as the DER OCTET STRING of CKA_EC_POINT, params as the curve's OID.
Result<EcPublic> ec_public_of(const EVP_PKEY* pkey);
// The curve for a JWK "crv" name (jwk_public.cpp); BadParameter listing the allowed names.
Result<Curve> curve_from_jwk_name(std::string_view crv);
// A public key from SubjectPublicKeyInfo DER; BadParameter if malformed or followed by bytes.
Result<ossl::PkeyPtr> pkey_from_spki(ByteView der);

}  // namespace cv::crypto::detail
