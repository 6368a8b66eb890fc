// Software key pairs for exportable certificate keys, and the way back from PrivateKeyParts to an
// EVP_PKEY (to write a PFX or PEM bundle). Secret parts only ever sit in SecureBytes, BIGNUMs freed
// with BN_clear_free and the secure block of OSSL_PARAM arrays.
#include <openssl/params.h>

#include "crypto/public_keys.hpp"
#include "crypto/x509_internal.hpp"

namespace cv::crypto {
namespace {

Result<ossl::PkeyPtr> keypair_from(const char* type, OSSL_PARAM_BLD* bld) {
  // Parts pushed from BN_secure_new BIGNUMs go to the param array's secure block, which
  // OSSL_PARAM_free wipes.
  ossl::ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx) return ossl::fail_ossl(Errc::Internal, "cannot build private key");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "private key parts do not form a key");
  ossl::PkeyPtr pkey(raw);
  ossl::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "private key parts do not form a consistent key");
  return pkey;
}

Result<ossl::PkeyPtr> rsa_pkey(const RsaPrivate& k) {
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return ossl::fail_ossl(Errc::Internal, "cannot build RSA key");
  ossl::BnPtr n = ossl::bn_from(k.n), e = ossl::bn_from(k.e);
  struct Part {
    const char* name;
    const SecureBytes* bytes;
  };
  const Part secret[] = {
      {OSSL_PKEY_PARAM_RSA_D, &k.d},          {OSSL_PKEY_PARAM_RSA_FACTOR1, &k.p},
      {OSSL_PKEY_PARAM_RSA_FACTOR2, &k.q},    {OSSL_PKEY_PARAM_RSA_EXPONENT1, &k.dp},
      {OSSL_PKEY_PARAM_RSA_EXPONENT2, &k.dq}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &k.qi}};
  // The builder only references BIGNUMs until to_param, so they must outlive keypair_from.
  std::vector<ossl::SecretBnPtr> bns;
  if (!n || !e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build RSA key");
  for (const auto& [name, bytes] : secret) {
    if (bytes->empty()) return fail(Errc::BadParameter, std::string("RSA key lacks part ") + name);
    bns.emplace_back(BN_secure_new());
    if (!bns.back() ||
        !BN_bin2bn(bytes->data(), static_cast<int>(bytes->size()), bns.back().get()) ||
        OSSL_PARAM_BLD_push_BN(bld.get(), name, bns.back().get()) != 1)
      return ossl::fail_ossl(Errc::Internal, "cannot build RSA key");
  }
  return keypair_from("RSA", bld.get());
}

Result<ossl::PkeyPtr> ec_pkey(const EcPrivate& k) {
  auto point = detail::raw_ec_point(k.pub);
  if (!point) return std::unexpected(point.error());
  ossl::SecretBnPtr d(BN_secure_new());
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!d || !bld || !BN_bin2bn(k.d.data(), static_cast<int>(k.d.size()), d.get()) ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      detail::group_name(k.pub.curve), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                       point->size()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build EC key");
  return keypair_from("EC", bld.get());
}

}  // namespace

Result<ossl::PkeyPtr> detail::pkey_from_parts(const PrivateKeyParts& parts) {
  return parts.is_rsa ? rsa_pkey(parts.rsa) : ec_pkey(parts.ec);
}

Result<PrivateKeyParts> generate_rsa_parts(unsigned bits) {
  if (bits != 2048 && bits != 3072 && bits != 4096)
    return fail(Errc::BadParameter, "RSA key size must be 2048, 3072 or 4096 bits");
  ossl::PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
  if (!pkey) return ossl::fail_ossl(Errc::Internal, "RSA key generation failed");
  return detail::private_parts_of(pkey.get());
}

Result<PrivateKeyParts> generate_ec_parts(Curve crv) {
  ossl::PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", detail::group_name(crv)));
  if (!pkey) return ossl::fail_ossl(Errc::Internal, "EC key generation failed");
  return detail::private_parts_of(pkey.get());
}

}  // namespace cv::crypto
