// OAEP decoding outside the token. SoftHSM 2.6.1 only does OAEP with SHA-1, so for RSA-OAEP-256 the
// token performs the bare RSA operation (CKM_RSA_X_509) and the padding is removed here.
//
// OpenSSL 3 has no provider-level "remove OAEP padding" call (EVP_PKEY_decrypt needs the private
// key), so this uses RSA_padding_check_PKCS1_OAEP_mgf1: deprecated in 3.0 but kept for the
// whole 3.x series, and it is OpenSSL's carefully constant-time implementation, which a
// hand-written decoder would have to replicate.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rsa.h>

#include "coldvault/crypto.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto {

Result<SecureBytes> oaep_decode(ByteView em, Hash h, std::size_t modulus_bytes) {
  // Whatever goes wrong, the caller (and through it a remote client) learns only "decryption
  // failed": distinguishable padding errors are what Manger's attack feeds on.
  static constexpr const char* kFailed = "decryption failed";
  const EVP_MD* md = ossl::md_for(h);
  const auto mdlen = static_cast<std::size_t>(EVP_MD_get_size(md));
  if (modulus_bytes < 2 * mdlen + 2 || modulus_bytes > 2048 || em.size() > modulus_bytes)
    return fail(Errc::BadParameter, kFailed);

  // A raw RSA result may arrive without its leading zero bytes; OAEP wants exactly k bytes.
  SecureBytes padded(modulus_bytes, 0);
  std::copy(em.begin(), em.end(),
            padded.begin() + static_cast<std::ptrdiff_t>(modulus_bytes - em.size()));
  SecureBytes out(modulus_bytes);
  const int k = static_cast<int>(modulus_bytes);
  const int len =
      RSA_padding_check_PKCS1_OAEP_mgf1(out.data(), k, padded.data(), k, k, nullptr, 0, md, md);
  // The error queue says which check failed; drop it rather than let it travel anywhere.
  ossl::drain_errors();
  if (len < 0) return fail(Errc::BadParameter, kFailed);
  out.resize(static_cast<std::size_t>(len));
  return out;
}

}  // namespace cv::crypto
