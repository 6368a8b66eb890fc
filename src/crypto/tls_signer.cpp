// An EC key whose signature is a callback (contract in tls_signer.hpp).
//
// OpenSSL 3 still runs a "foreign" legacy EC_KEY (one with a method other than the default) through
// the legacy ECDSA path, whatever the caller (EVP_DigestSign in libssl included), and that path asks
// the key's EC_KEY_METHOD for the signature. The method here keeps OpenSSL's own `sign` (it encodes
// the ECDSA_SIG as DER) and replaces `sign_sig`, the step that needs the private key, with the
// callback. The EC_KEY API is deprecated in OpenSSL 3 but kept; it is the one OpenSSL offers for a
// key whose private half lives elsewhere short of writing a provider.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/tls_signer.hpp"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include <cstring>
#include <string>

namespace cv::crypto::detail {

namespace {

void free_signer(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<EcdsaSigner*>(ptr);
}

int signer_index() {
  static const int index = EC_KEY_get_ex_new_index(0, nullptr, nullptr, nullptr, free_signer);
  return index;
}

ECDSA_SIG* sign_sig(const unsigned char* dgst, int dgst_len, const BIGNUM*, const BIGNUM*, EC_KEY* ec) {
  auto* sign = static_cast<EcdsaSigner*>(EC_KEY_get_ex_data(ec, signer_index()));
  if (sign == nullptr || dgst_len <= 0) {
    ERR_raise_data(ERR_LIB_EC, ERR_R_PASSED_INVALID_ARGUMENT, "no signer for this TLS key");
    return nullptr;
  }
  // The signer may run OpenSSL code of its own (opening a Service parses certificates and keys); whatever it
  // leaves on this thread's error queue is not the handshake's and must not be read as its failure.
  ERR_set_mark();
  auto rs = (*sign)(ByteView(dgst, static_cast<std::size_t>(dgst_len)));
  ERR_pop_to_mark();
  if (!rs || rs->empty() || rs->size() % 2 != 0) {
    // The message names the cause (no data); the caller (the server) logs the whole error.
    ERR_raise_data(ERR_LIB_EC, ERR_R_INTERNAL_ERROR, "the token did not sign: %s",
                   rs ? "a signature of odd length" : rs.error().message.c_str());
    return nullptr;
  }
  const std::size_t half = rs->size() / 2;
  ossl::BnPtr r = ossl::bn_from(ByteView(rs->data(), half));
  ossl::BnPtr s = ossl::bn_from(ByteView(rs->data() + half, half));
  ossl::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return nullptr;
  r.release();  // owned by sig now
  s.release();
  return sig.release();
}

// One method for the process: OpenSSL's EC method with sign_sig replaced. Never freed (keys made
// from it may live until exit).
const EC_KEY_METHOD* method() {
  static const EC_KEY_METHOD* m = [] {
    EC_KEY_METHOD* made = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    if (made == nullptr) return static_cast<EC_KEY_METHOD*>(nullptr);
    int (*sign)(int, const unsigned char*, int, unsigned char*, unsigned int*, const BIGNUM*, const BIGNUM*,
                EC_KEY*) = nullptr;
    int (*setup)(EC_KEY*, BN_CTX*, BIGNUM**, BIGNUM**) = nullptr;
    ECDSA_SIG* (*sig)(const unsigned char*, int, const BIGNUM*, const BIGNUM*, EC_KEY*) = nullptr;
    EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), &sign, &setup, &sig);
    EC_KEY_METHOD_set_sign(made, sign, nullptr, sign_sig);
    return made;
  }();
  return m;
}

}  // namespace

Result<ossl::PkeyPtr> callback_key(const X509* leaf, EcdsaSigner sign) {
  EVP_PKEY* pub = X509_get0_pubkey(leaf);
  if (pub == nullptr) return ossl::fail_ossl(Errc::BadParameter, "the TLS certificate has no readable public key");
  if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC)
    return fail(Errc::BadParameter, "the TLS certificate's key is not an EC key");
  // A fresh EC_KEY with the certificate's point (not EVP_PKEY_get1_EC_KEY: that hands out the
  // certificate key's own cached legacy copy, which the method and signer below would then mutate).
  char curve[64] = {};
  if (EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, nullptr) != 1 ||
      std::strcmp(curve, SN_X9_62_prime256v1) != 0)
    return fail(Errc::BadParameter, "the TLS certificate's key is not on P-256");
  unsigned char point[65];
  std::size_t point_len = 0;
  if (EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &point_len) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "cannot read the TLS certificate's EC point");
  using EcKeyPtr = std::unique_ptr<EC_KEY, ossl::Deleter<EC_KEY_free>>;
  EcKeyPtr ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  if (!ec || EC_KEY_oct2key(ec.get(), point, point_len, nullptr) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "cannot read the TLS certificate's EC key");
  const EC_KEY_METHOD* m = method();
  if (m == nullptr || EC_KEY_set_method(ec.get(), m) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot give the TLS key its signing method");
  auto* held = new EcdsaSigner(std::move(sign));
  if (EC_KEY_set_ex_data(ec.get(), signer_index(), held) != 1) {
    delete held;
    return ossl::fail_ossl(Errc::Internal, "cannot attach the TLS key's signer");
  }
  // From here the EC_KEY owns `held` (free_signer runs when it is freed).
  ossl::PkeyPtr key(EVP_PKEY_new());
  if (!key || EVP_PKEY_assign_EC_KEY(key.get(), ec.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot make the TLS key");
  ec.release();  // owned by key now
  return key;
}

}  // namespace cv::crypto::detail
