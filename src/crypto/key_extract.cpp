// Public parts out of keys OpenSSL parsed (SubjectPublicKeyInfo, certificates, private key files):
// the inverse of public_keys.cpp, producing the same RsaPublic/EcPublic a token would report, so
// a key that went out as SPKI or JWK comes back byte-identical.
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "coldvault/crypto.hpp"
#include "crypto/public_keys.hpp"

namespace cv::crypto {
namespace detail {
namespace {

Result<ossl::BnPtr> public_bn(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
    return ossl::fail_ossl(Errc::BadParameter, std::string("public key lacks part ") + name);
  return ossl::BnPtr(bn);
}

}  // namespace

Result<Curve> curve_of(const EVP_PKEY* pkey) {
  char name[64];
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1)
    return ossl::fail_ossl(Errc::Unsupported, "EC key without a named curve is not supported");
  // Compared by NID because OpenSSL may report either alias ("P-256" or "prime256v1").
  const int nid = OBJ_txt2nid(name);
  for (Curve c : kAllCurves)
    if (nid != NID_undef && nid == OBJ_txt2nid(group_name(c))) return c;
  return fail(Errc::Unsupported, std::string("unsupported EC curve ") + name);
}

Result<RsaPublic> rsa_public_of(const EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "RSA")) return fail(Errc::BadParameter, "not an RSA key");
  auto n = public_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
  if (!n) return std::unexpected(n.error());
  auto e = public_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
  if (!e) return std::unexpected(e.error());
  return RsaPublic{ossl::bn_bytes(n->get()), ossl::bn_bytes(e->get())};
}

Result<EcPublic> ec_public_of(const EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "EC")) return fail(Errc::BadParameter, "not an EC key");
  auto curve = curve_of(pkey);
  if (!curve) return std::unexpected(curve.error());
  // X and Y rather than the encoded key, which keeps the source's point format (possibly
  // compressed); PKCS#11 and JWK want the uncompressed point.
  auto x = public_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  if (!x) return std::unexpected(x.error());
  auto y = public_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!y) return std::unexpected(y.error());
  const std::size_t width = curve_bytes(*curve);
  Bytes point(1 + 2 * width);
  point[0] = 0x04;
  BN_bn2binpad(x->get(), point.data() + 1, static_cast<int>(width));
  BN_bn2binpad(y->get(), point.data() + 1 + width, static_cast<int>(width));
  return EcPublic{*curve, ec_params_der(*curve), der_octet_string(point)};
}

Result<ossl::PkeyPtr> pkey_from_spki(ByteView der) {
  const unsigned char* p = der.data();
  ossl::PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) return ossl::fail_ossl(Errc::BadParameter, "malformed SubjectPublicKeyInfo");
  if (p != der.data() + der.size())
    return fail(Errc::BadParameter, "trailing bytes after SubjectPublicKeyInfo");
  return pkey;
}

}  // namespace detail

Result<RsaPublic> rsa_public_from_spki(ByteView der) {
  auto pkey = detail::pkey_from_spki(der);
  if (!pkey) return std::unexpected(pkey.error());
  return detail::rsa_public_of(pkey->get());
}

Result<EcPublic> ec_public_from_spki(ByteView der) {
  auto pkey = detail::pkey_from_spki(der);
  if (!pkey) return std::unexpected(pkey.error());
  return detail::ec_public_of(pkey->get());
}

}  // namespace cv::crypto
