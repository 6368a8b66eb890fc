// secure_wipe is declared in coldvault/bytes.hpp for everyone, but only this folder may touch OpenSSL.
#include <openssl/crypto.h>

#include "coldvault/bytes.hpp"

namespace cv {

void secure_wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

}  // namespace cv
