// Public key encodings: EC_PARAMS OIDs, CKA_EC_POINT framing, and SubjectPublicKeyInfo DER built
// from the parts a token reports. Keys are assembled with EVP_PKEY_fromdata (OpenSSL 3 provider
// API) and checked, so a malformed modulus or an off-curve point is refused here rather than
// published.
#include "crypto/public_keys.hpp"

#include <algorithm>

#include "coldvault/crypto.hpp"

namespace cv::crypto {
namespace {

// DER of the named-curve OIDs (RFC 5480): prime256v1, secp384r1, secp521r1; secp256k1 (SEC 2, 1.3.132.0.10).
constexpr std::uint8_t kP256Oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::uint8_t kP384Oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr std::uint8_t kP521Oid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
constexpr std::uint8_t kP256KOid[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};

ByteView oid_of(Curve c) {
  switch (c) {
    case Curve::P256:
      return kP256Oid;
    case Curve::P384:
      return kP384Oid;
    case Curve::P521:
      return kP521Oid;
    case Curve::P256K:
      return kP256KOid;
  }
  return kP256Oid;
}

bool same(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

// Builds a public EVP_PKEY of `type` from the parameters in bld, then runs OpenSSL's public-key
// check.
Result<ossl::PkeyPtr> public_from_params(const char* type, OSSL_PARAM_BLD* bld, const char* what) {
  ossl::ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx) return ossl::fail_ossl(Errc::Internal, std::string("cannot build ") + what);
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, std::string("invalid ") + what);
  ossl::PkeyPtr pkey(raw);
  ossl::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, std::string("invalid ") + what);
  return pkey;
}

}  // namespace

Bytes ec_params_der(Curve c) {
  ByteView oid = oid_of(c);
  return Bytes(oid.begin(), oid.end());
}

Result<Curve> curve_from_params(ByteView params_der) {
  for (Curve c : kAllCurves)
    if (same(params_der, oid_of(c))) return c;
  return fail(Errc::Unsupported, "unsupported EC curve parameters (only P-256, P-384, P-521, P-256K)");
}

namespace detail {

const char* group_name(Curve c) {
  switch (c) {
    case Curve::P256:
      return "prime256v1";
    case Curve::P384:
      return "secp384r1";
    case Curve::P521:
      return "secp521r1";
    case Curve::P256K:
      return "secp256k1";
  }
  return "prime256v1";
}

Bytes der_octet_string(ByteView content) {
  Bytes out{0x04};
  const std::size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xff) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Result<Bytes> raw_ec_point(const EcPublic& pub) {
  const std::size_t want = 1 + 2 * curve_bytes(pub.curve);
  ByteView p = pub.point;
  // The two forms never have the same length (the DER header adds 2 or 3 bytes), so length decides.
  if (p.size() != want) {
    const Bytes expected_header = der_octet_string(Bytes(want));
    const std::size_t header = expected_header.size() - want;
    if (p.size() != expected_header.size() ||
        !same(p.first(header), ByteView(expected_header).first(header)))
      return fail(Errc::BadParameter,
                  "EC point is neither a DER OCTET STRING nor a raw point of this curve");
    p = p.subspan(header);
  }
  if (p[0] != 0x04) return fail(Errc::BadParameter, "EC point is not in uncompressed form");
  return Bytes(p.begin(), p.end());
}

Result<ossl::PkeyPtr> rsa_public_pkey(const RsaPublic& pub) {
  if (pub.n.empty() || pub.e.empty())
    return fail(Errc::BadParameter, "RSA public key has no modulus or exponent");
  ossl::BnPtr n = ossl::bn_from(pub.n);
  ossl::BnPtr e = ossl::bn_from(pub.e);
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build RSA public key");
  return public_from_params("RSA", bld.get(), "RSA public key");
}

Result<ossl::PkeyPtr> ec_public_pkey(const EcPublic& pub) {
  // The curve field and the token's EC_PARAMS must agree; an empty params field means "trust
  // curve".
  if (!pub.params.empty()) {
    auto c = curve_from_params(pub.params);
    if (!c) return std::unexpected(c.error());
    if (*c != pub.curve) return fail(Errc::BadParameter, "EC parameters do not match the curve");
  }
  auto point = raw_ec_point(pub);
  if (!point) return std::unexpected(point.error());
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group_name(pub.curve),
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                       point->size()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build EC public key");
  return public_from_params("EC", bld.get(), "EC public key");
}

}  // namespace detail

Result<Bytes> spki_der(const RsaPublic& pub) {
  auto pkey = detail::rsa_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  return ossl::to_der<EVP_PKEY>(pkey->get(), i2d_PUBKEY, "SubjectPublicKeyInfo");
}

Result<Bytes> spki_der(const EcPublic& pub) {
  auto pkey = detail::ec_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  return ossl::to_der<EVP_PKEY>(pkey->get(), i2d_PUBKEY, "SubjectPublicKeyInfo");
}

}  // namespace cv::crypto
