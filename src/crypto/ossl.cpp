// Shared helpers of the OpenSSL adapter (see ossl.hpp).
#include "crypto/ossl.hpp"

#include <openssl/err.h>

#include <new>

namespace cv::crypto::ossl {

const EVP_MD* md_for(Hash h) {
  switch (h) {
    case Hash::Sha1:
      return EVP_sha1();
    case Hash::Sha256:
      return EVP_sha256();
    case Hash::Sha384:
      return EVP_sha384();
    case Hash::Sha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

std::string drain_errors() {
  std::string out;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

std::unexpected<Error> fail_ossl(Errc code, std::string message) {
  return fail(code, std::move(message), drain_errors());
}

BnPtr bn_from(ByteView b) {
  BnPtr bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
  if (!bn) throw std::bad_alloc();
  return bn;
}

Bytes bn_bytes(const BIGNUM* bn) {
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

SecureBytes bn_secure_bytes(const BIGNUM* bn, std::size_t pad) {
  // Written straight into wiping memory: no unwiped intermediate copy of a private part ever
  // exists.
  std::size_t n = pad > 0 ? pad : static_cast<std::size_t>(BN_num_bytes(bn));
  SecureBytes out(n);
  if (pad > 0)
    BN_bn2binpad(bn, out.data(), static_cast<int>(n));
  else
    BN_bn2bin(bn, out.data());
  return out;
}

}  // namespace cv::crypto::ossl
