// Parsing PEM private keys for import into the token. This is the one place a vault private key
// exists in clear in coldvault's memory, briefly: every part goes straight from OpenSSL's BIGNUMs
// (freed with BN_clear_free) into SecureBytes, and the password is only read through OpenSSL's
// callback.
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <cstring>

#include "coldvault/crypto.hpp"
#include "crypto/public_keys.hpp"
#include "crypto/x509_internal.hpp"

namespace cv::crypto {
namespace {

// pem_password_cb: hands over the caller's password. An empty password yields 0, which OpenSSL
// treats as "no passphrase" and so fails on an encrypted key instead of prompting on a terminal.
int password_cb(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pw = static_cast<const SecureString*>(user);
  if (pw->size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, pw->data(), pw->size());
  return static_cast<int>(pw->size());
}

Result<ossl::SecretBnPtr> get_bn(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
    return ossl::fail_ossl(Errc::BadParameter, std::string("private key lacks part ") + name);
  return ossl::SecretBnPtr(bn);
}

Result<void> rsa_parts(const EVP_PKEY* pkey, RsaPrivate& out) {
  // Multi-prime keys (RFC 8017 "otherPrimeInfos") have no PKCS#11 template to go into.
  BIGNUM* third = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR3, &third) == 1) {
    BN_clear_free(third);
    return fail(Errc::Unsupported, "multi-prime RSA keys are not supported");
  }
  ossl::drain_errors();
  struct Part {
    const char* name;
    SecureBytes* dest;
  };
  for (auto [name, dest] :
       {Part{OSSL_PKEY_PARAM_RSA_D, &out.d}, Part{OSSL_PKEY_PARAM_RSA_FACTOR1, &out.p},
        Part{OSSL_PKEY_PARAM_RSA_FACTOR2, &out.q}, Part{OSSL_PKEY_PARAM_RSA_EXPONENT1, &out.dp},
        Part{OSSL_PKEY_PARAM_RSA_EXPONENT2, &out.dq},
        Part{OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &out.qi}}) {
    auto bn = get_bn(pkey, name);
    if (!bn) return std::unexpected(bn.error());
    *dest = ossl::bn_secure_bytes(bn->get());
  }
  auto n = get_bn(pkey, OSSL_PKEY_PARAM_RSA_N);
  auto e = get_bn(pkey, OSSL_PKEY_PARAM_RSA_E);
  if (!n) return std::unexpected(n.error());
  if (!e) return std::unexpected(e.error());
  out.n = ossl::bn_bytes(n->get());
  out.e = ossl::bn_bytes(e->get());
  return {};
}

Result<void> ec_parts(const EVP_PKEY* pkey, EcPrivate& out) {
  auto curve = detail::curve_of(pkey);
  if (!curve) return std::unexpected(curve.error());
  const std::size_t width = curve_bytes(*curve);
  // X and Y rather than the encoded public key: the encoded form follows the file's point format,
  // which may be compressed, while PKCS#11 wants the uncompressed point.
  auto x = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
  auto y = get_bn(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
  auto d = get_bn(pkey, OSSL_PKEY_PARAM_PRIV_KEY);
  if (!x) return std::unexpected(x.error());
  if (!y) return std::unexpected(y.error());
  if (!d) return std::unexpected(d.error());
  Bytes point(1 + 2 * width);
  point[0] = 0x04;
  BN_bn2binpad(x->get(), point.data() + 1, static_cast<int>(width));
  BN_bn2binpad(y->get(), point.data() + 1 + width, static_cast<int>(width));
  out.pub.curve = *curve;
  out.pub.params = ec_params_der(*curve);
  out.pub.point = detail::der_octet_string(point);
  out.d = ossl::bn_secure_bytes(d->get(), width);
  return {};
}

}  // namespace

Result<PrivateKeyParts> parse_private_key_pem(std::string_view pem, const SecureString& password) {
  // A key file is a few KiB; the bound also keeps the size within BIO_new_mem_buf's int.
  if (pem.size() > (1u << 20)) return fail(Errc::BadParameter, "private key PEM too large");
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return ossl::fail_ossl(Errc::Internal, "cannot read PEM");
  // Covers "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY" (SEC1, also with legacy Proc-Type
  // encryption), "PRIVATE KEY" (PKCS#8) and "ENCRYPTED PRIVATE KEY" (PKCS#8 with PBES2).
  ossl::PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, password_cb,
                                             const_cast<SecureString*>(&password)));
  // OpenSSL cannot tell a wrong password from garbage in an encrypted key, so neither do we.
  if (!pkey) return ossl::fail_ossl(Errc::BadParameter, "wrong password or not a private key");

  return detail::imported_private_parts_of(pkey.get());
}

// Shared with software key generation, whose keys OpenSSL has just made (nothing to check).
Result<PrivateKeyParts> detail::private_parts_of(const EVP_PKEY* pkey) {
  const bool is_rsa = EVP_PKEY_is_a(pkey, "RSA");
  if (!is_rsa && !EVP_PKEY_is_a(pkey, "EC"))
    return fail(Errc::Unsupported, "unsupported private key type (RSA and EC only)");
  PrivateKeyParts parts;
  parts.is_rsa = is_rsa;
  auto filled = is_rsa ? rsa_parts(pkey, parts.rsa) : ec_parts(pkey, parts.ec);
  if (!filled) return std::unexpected(filled.error());
  return parts;
}

// Shared with the certificate containers (PKCS#12, PEM bundles): every key read from a caller's file.
Result<PrivateKeyParts> detail::imported_private_parts_of(const EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "RSA") && !EVP_PKEY_is_a(pkey, "EC"))
    return fail(Errc::Unsupported, "unsupported private key type (RSA and EC only)");
  // A key file carries its public half beside the private one, and OpenSSL reads them without checking that
  // they belong together; a certificate container compares only the public half with the certificate. The
  // token would then hold a private key that does not sign for its published public key: refuse it here
  // (EC: d*G is the stored point; RSA: n = p*q and d, dp, dq, qi agree with e).
  ossl::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, const_cast<EVP_PKEY*>(pkey), nullptr));
  if (!check) return ossl::fail_ossl(Errc::Internal, "cannot check the private key");
  if (EVP_PKEY_pairwise_check(check.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "the private key does not match its own public key");
  return private_parts_of(pkey);
}

}  // namespace cv::crypto
