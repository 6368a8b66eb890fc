// Random bytes from the token's generator: the same source as every key and IV coldvault makes, so a
// caller gets what the HSM would give it rather than the host's DRBG.
#include "coldvault/rng.hpp"

#include "coldvault/hsm.hpp"

namespace cv::vault {

Result<Bytes> random_bytes(Service& svc, std::int64_t count) {
  if (count < 1 || count > 128)
    return std::unexpected(Error{Errc::BadParameter, "Property 'count' must be between 1 and 128.", {}, "BadParameter", {}});
  return svc.token().random(static_cast<std::size_t>(count));
}

}  // namespace cv::vault
