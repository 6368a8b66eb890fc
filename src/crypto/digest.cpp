// Hashing, constant-time comparison and the PKCS#1 v1.5 DigestInfo framing used for RS* signatures
// made through CKM_RSA_PKCS (the token pads; we supply the DER DigestInfo it pads).
#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <new>

#include "coldvault/crypto.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto {

Bytes digest(Hash h, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  // With a fixed built-in digest EVP_Digest can only fail when it cannot allocate its context.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, ossl::md_for(h), nullptr) != 1) {
    ossl::drain_errors();
    throw std::bad_alloc();
  }
  out.resize(len);
  return out;
}

Bytes hmac_sha256(ByteView key, ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len) ==
      nullptr) {
    ossl::drain_errors();
    throw std::bad_alloc();
  }
  out.resize(len);
  return out;
}

bool equal_ct(ByteView a, ByteView b) {
  // Lengths are public (a MAC or tag has a fixed size); only the contents must not leak through
  // timing.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Bytes digest_info(Hash h, ByteView digest) {
  // DER of DigestInfo ::= SEQUENCE { AlgorithmIdentifier { oid, NULL }, OCTET STRING digest } up to
  // the digest itself (RFC 8017, section 9.2, note 1).
  static constexpr std::uint8_t kSha1[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                           0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
  static constexpr std::uint8_t kSha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                             0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                             0x01, 0x05, 0x00, 0x04, 0x20};
  static constexpr std::uint8_t kSha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                             0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                             0x02, 0x05, 0x00, 0x04, 0x30};
  static constexpr std::uint8_t kSha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                             0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                             0x03, 0x05, 0x00, 0x04, 0x40};
  ByteView prefix;
  switch (h) {
    case Hash::Sha1:
      prefix = kSha1;
      break;
    case Hash::Sha256:
      prefix = kSha256;
      break;
    case Hash::Sha384:
      prefix = kSha384;
      break;
    case Hash::Sha512:
      prefix = kSha512;
      break;
  }
  Bytes out(prefix.begin(), prefix.end());
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

}  // namespace cv::crypto
