// Public keys as JWK members (RFC 7518, section 6): base64url of minimal big-endian integers for
// RSA, fixed-width coordinates for EC. Both directions go through the same validated EVP_PKEY
// builders as SPKI, so a JWK we publish or accept is always a key OpenSSL considers valid.
#include <algorithm>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "crypto/public_keys.hpp"

namespace cv::crypto {
namespace {

// A 16384-bit modulus is far beyond any token's RSA; the bound keeps a hostile JWK from making
// OpenSSL's key check do unbounded work.
constexpr std::size_t kMaxModulusBytes = 2048;

ByteView strip_leading_zeros(ByteView b) {
  const auto first = std::ranges::find_if(b, [](std::uint8_t v) { return v != 0; });
  return b.subspan(static_cast<std::size_t>(first - b.begin()));
}

Result<Bytes> decode_member(std::string_view b64u, const char* member) {
  auto bytes = base64url_decode(b64u);
  if (!bytes)
    return fail(Errc::BadParameter, std::string("JWK member ") + member + " is not base64url");
  return bytes;
}

}  // namespace

Result<Curve> detail::curve_from_jwk_name(std::string_view crv) {
  for (Curve c : kAllCurves)
    if (crv == curve_name(c)) return c;
  return fail(Errc::BadParameter, "unsupported JWK crv; allowed: P-256, P-384, P-521, P-256K");
}

Result<JwkPublic> jwk_public(const RsaPublic& pub) {
  // Validated first: publishing a JWK for a key nobody can use helps no one.
  auto pkey = detail::rsa_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  JwkPublic jwk;
  jwk.kty = "RSA";
  // RFC 7518 section 6.3.1: the minimum number of octets, whatever the token reported.
  jwk.n = base64url_encode(strip_leading_zeros(pub.n));
  jwk.e = base64url_encode(strip_leading_zeros(pub.e));
  return jwk;
}

Result<JwkPublic> jwk_public(const EcPublic& pub) {
  auto pkey = detail::ec_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  auto point = detail::raw_ec_point(pub);
  if (!point) return std::unexpected(point.error());
  // raw_ec_point checked the length: 04 || X || Y with each coordinate curve_bytes long, which is
  // exactly the full-width form section 6.2.1.2 requires.
  const std::size_t width = curve_bytes(pub.curve);
  const ByteView raw = *point;
  JwkPublic jwk;
  jwk.kty = "EC";
  jwk.crv = curve_name(pub.curve);
  jwk.x = base64url_encode(raw.subspan(1, width));
  jwk.y = base64url_encode(raw.subspan(1 + width, width));
  return jwk;
}

Result<RsaPublic> rsa_public_from_jwk(std::string_view n_b64u, std::string_view e_b64u) {
  auto n = decode_member(n_b64u, "n");
  if (!n) return std::unexpected(n.error());
  auto e = decode_member(e_b64u, "e");
  if (!e) return std::unexpected(e.error());
  // Leading zeros are tolerated (some encoders add a sign byte) but not kept: RsaPublic is minimal.
  const ByteView nv = strip_leading_zeros(*n);
  const ByteView ev = strip_leading_zeros(*e);
  if (nv.size() > kMaxModulusBytes) return fail(Errc::BadParameter, "RSA modulus too large");
  if (ev.size() > nv.size()) return fail(Errc::BadParameter, "RSA exponent larger than modulus");
  RsaPublic pub{Bytes(nv.begin(), nv.end()), Bytes(ev.begin(), ev.end())};
  auto pkey = detail::rsa_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  return pub;
}

Result<EcPublic> ec_public_from_jwk(std::string_view crv, std::string_view x_b64u,
                                    std::string_view y_b64u) {
  auto curve = detail::curve_from_jwk_name(crv);
  if (!curve) return std::unexpected(curve.error());
  auto x = decode_member(x_b64u, "x");
  if (!x) return std::unexpected(x.error());
  auto y = decode_member(y_b64u, "y");
  if (!y) return std::unexpected(y.error());
  const std::size_t width = curve_bytes(*curve);
  // Full width is a MUST in RFC 7518 section 6.2.1.2; a short coordinate means a broken encoder.
  if (x->size() != width || y->size() != width)
    return fail(Errc::BadParameter,
                std::string("JWK x and y must each be ") + std::to_string(width) + " bytes");
  Bytes point{0x04};
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  EcPublic pub{*curve, ec_params_der(*curve), detail::der_octet_string(point)};
  // ec_public_pkey runs OpenSSL's public-key check, which refuses a point not on the curve.
  auto pkey = detail::ec_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  return pub;
}

}  // namespace cv::crypto
