// Private to src/crypto: one std::unique_ptr alias per OpenSSL type we own, plus the few helpers
// every file of the adapter needs (hash mapping, BIGNUM <-> bytes, turning the OpenSSL error queue
// into an Error). Nothing outside src/crypto may include this header: it pulls in OpenSSL.
//
// Thread safety: everything here is stateless apart from OpenSSL's per-thread error queue.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/key_parts.hpp"

namespace cv::crypto::ossl {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Fn(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
// For BIGNUMs holding private key parts: BN_clear_free wipes the limbs before freeing them.
using SecretBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using Asn1IntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;

// Buffers OpenSSL allocates for us (i2d_* with a null output pointer).
struct OpensslFree {
  void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};
using OsslBufPtr = std::unique_ptr<unsigned char, OpensslFree>;

// The EVP_MD for a hash (static objects; never null).
const EVP_MD* md_for(Hash h);

// Drains the thread's OpenSSL error queue into one line ("error:...:reason") for Error::native, so
// a failure never leaves stale errors behind for the next call to misreport. The texts are
// OpenSSL's reason strings, never data.
std::string drain_errors();

// An Error with `message` for people and the OpenSSL queue as `native`.
std::unexpected<Error> fail_ossl(Errc code, std::string message);

// BIGNUM from big-endian bytes; null only on allocation failure.
BnPtr bn_from(ByteView b);
// Big-endian bytes of a BIGNUM without leading zeros (empty for zero).
Bytes bn_bytes(const BIGNUM* bn);
// The same into wiping memory, for private parts; `pad` > 0 left-pads to exactly that length.
SecureBytes bn_secure_bytes(const BIGNUM* bn, std::size_t pad = 0);

// DER of an object through its i2d function, or an Internal error.
template <class T>
Result<Bytes> to_der(T* obj, int (*i2d)(T*, unsigned char**), const char* what) {
  unsigned char* out = nullptr;
  int len = i2d(obj, &out);
  if (len <= 0) return fail_ossl(Errc::Internal, std::string("cannot encode ") + what);
  OsslBufPtr guard(out);
  return Bytes(out, out + len);
}
template <class T>
Result<Bytes> to_der(const T* obj, int (*i2d)(const T*, unsigned char**), const char* what) {
  unsigned char* out = nullptr;
  int len = i2d(obj, &out);
  if (len <= 0) return fail_ossl(Errc::Internal, std::string("cannot encode ") + what);
  OsslBufPtr guard(out);
  return Bytes(out, out + len);
}

}  // namespace cv::crypto::ossl
