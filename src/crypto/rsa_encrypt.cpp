// RSA encryption with a public key only (JWE key wrapping for clients, tests of token decryption):
// no token involved, so it is done in-process from the modulus and exponent.
#include <openssl/rsa.h>

#include "coldvault/crypto.hpp"
#include "crypto/public_keys.hpp"

namespace cv::crypto {
namespace {

// `configure` sets the padding on an initialised encryption context.
template <class Configure>
Result<Bytes> encrypt(const RsaPublic& pub, ByteView data, Configure configure) {
  auto pkey = detail::rsa_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey->get(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 || !configure(ctx.get()))
    return ossl::fail_ossl(Errc::Internal, "cannot set up RSA encryption");
  std::size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, data.data(), data.size()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set up RSA encryption");
  Bytes out(len);
  // The only input-dependent failure is a message too long for the modulus and padding.
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, data.data(), data.size()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "data too long for RSA key and padding");
  out.resize(len);
  return out;
}

}  // namespace

Result<Bytes> rsa_encrypt_oaep(const RsaPublic& pub, Hash h, ByteView data) {
  return encrypt(pub, data, [h](EVP_PKEY_CTX* ctx) {
    // JWE RSA-OAEP / RSA-OAEP-256: MGF1 uses the same hash as the label hash; the label is empty.
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_oaep_md(ctx, ossl::md_for(h)) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, ossl::md_for(h)) == 1;
  });
}

Result<Bytes> rsa_encrypt_pkcs1(const RsaPublic& pub, ByteView data) {
  return encrypt(pub, data, [](EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
  });
}

}  // namespace cv::crypto
