// Plain descriptions of key parts shared by the PKCS#11 adapter and the OpenSSL adapter, so neither has to
// include the other's C headers.
#pragma once

#include "coldvault/bytes.hpp"

namespace cv {

// P256K is secp256k1 (Key Vault's "P-256K", signed with ES256K); tokens may lack it (docs/keys.md).
enum class Curve { P256, P384, P521, P256K };
// Every curve, for lookups by name or OID.
inline constexpr Curve kAllCurves[] = {Curve::P256, Curve::P384, Curve::P521, Curve::P256K};
enum class Hash { Sha1, Sha256, Sha384, Sha512 };

// Byte length of one coordinate / scalar of a curve (32, 48, 66, 32).
std::size_t curve_bytes(Curve c);
// "P-256", "P-384", "P-521", "P-256K".
const char* curve_name(Curve c);

struct RsaPublic {
  Bytes n;  // big-endian, no leading zero byte
  Bytes e;
};
struct EcPublic {
  Curve curve = Curve::P256;
  Bytes params;  // CKA_EC_PARAMS: DER OID of the named curve
  Bytes point;   // CKA_EC_POINT: DER OCTET STRING wrapping the uncompressed point (04||X||Y)
};
// Private parts, only ever on their way into a token (import). Wiped on free.
struct RsaPrivate {
  Bytes n, e;
  SecureBytes d, p, q, dp, dq, qi;
};
struct EcPrivate {
  EcPublic pub;
  SecureBytes d;  // big-endian scalar, curve_bytes(curve) long
};

}  // namespace cv
