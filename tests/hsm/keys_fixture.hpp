// Fixture and OpenSSL helpers for the keys tests: OpenSSL stands in for an outside party (a client
// verifying a signature with a downloaded public key, a sender encrypting to it, an importer holding a
// PEM). Only tests use OpenSSL this way; src/ reaches it through src/crypto.
#pragma once

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "coldvault/base64.hpp"
#include "coldvault/bundle_json.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/keys.hpp"
#include "hsm/vault_home.hpp"

namespace cvtest {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Ctx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

inline Pkey openssl_rsa(unsigned bits = 2048) {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
}
inline Pkey openssl_ec(const char* curve) { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)); }

// PKCS#8 PEM of a private key, optionally encrypted with AES-256-CBC under password.
inline std::string private_pem(EVP_PKEY* k, const std::string& password = "") {
  BIO* bio = BIO_new(BIO_s_mem());
  const EVP_CIPHER* c = password.empty() ? nullptr : EVP_aes_256_cbc();
  PEM_write_bio_PKCS8PrivateKey(bio, k, c, password.empty() ? nullptr : password.c_str(),
                                static_cast<int>(password.size()), nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

// A big-number parameter (RSA d, EC priv) as minimal big-endian bytes.
inline cv::Bytes bn_param(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) return {};
  cv::Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_clear_free(bn);
  return out;
}

inline Pkey public_from_der(const cv::Bytes& der) {
  const unsigned char* p = der.data();
  return Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}

inline cv::Bytes digest(cv::Hash h, const std::string& data) { return cv::crypto::digest(h, cv::as_bytes(data)); }

// OpenSSL verification of a signature over a digest. pss_salt < -2 means PKCS#1 v1.5.
inline bool openssl_verify(EVP_PKEY* pub, const EVP_MD* md, const cv::Bytes& dgst, const cv::Bytes& sig,
                           int pss_salt = -100) {
  Ctx ctx(EVP_PKEY_CTX_new(pub, nullptr));
  if (EVP_PKEY_verify_init(ctx.get()) != 1) return false;
  if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), pss_salt < -2 ? RSA_PKCS1_PADDING : RSA_PKCS1_PSS_PADDING);
    if (pss_salt >= -2) EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), pss_salt);
  }
  EVP_PKEY_CTX_set_signature_md(ctx.get(), md);
  return EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), dgst.data(), dgst.size()) == 1;
}

// OpenSSL RSA-OAEP encryption (md for both OAEP and MGF1) to a public key.
inline cv::Bytes openssl_oaep_encrypt(EVP_PKEY* pub, const EVP_MD* md, const cv::Bytes& data) {
  Ctx ctx(EVP_PKEY_CTX_new(pub, nullptr));
  EVP_PKEY_encrypt_init(ctx.get());
  EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING);
  EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md);
  EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md);
  std::size_t len = 0;
  EVP_PKEY_encrypt(ctx.get(), nullptr, &len, data.data(), data.size());
  cv::Bytes out(len);
  EVP_PKEY_encrypt(ctx.get(), out.data(), &len, data.data(), data.size());
  out.resize(len);
  return out;
}

class KeysTest : public VaultHome {
 protected:
  cv::vault::Keys keys(const std::string& vault = "main") { return {*svc, vault}; }
  static cv::vault::KeySpec spec(const std::string& kty, std::optional<unsigned> size = {},
                                 std::optional<std::string> crv = {}) {
    cv::vault::KeySpec s;
    s.kty = kty;
    s.size = size;
    s.crv = crv;
    return s;
  }
  static cv::SecureString sec(const std::string& s) { return cv::SecureString(s.begin(), s.end()); }
  static cv::Bytes b(const std::string& s) { return cv::to_bytes(s); }
  static cv::Bytes bytes(const cv::SecureBytes& s) { return cv::Bytes(s.begin(), s.end()); }
};

}  // namespace cvtest
