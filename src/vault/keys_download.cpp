// Keys::public_key_pem: the download form of a public key, so front doors never encode PEM.
#include "coldvault/crypto.hpp"
#include "coldvault/keys.hpp"

namespace cv::vault {

Result<std::string> Keys::public_key_pem(const std::string& name, const std::string& version) {
  auto der = public_key_der(name, version);
  if (!der) return std::unexpected(der.error());
  return crypto::pem_encode("PUBLIC KEY", *der);
}

}  // namespace cv::vault
