// Random bytes from the token (C_GenerateRandom), for POST /rng and `coldvault rng` (Key Vault's "Get Random
// Bytes", api-version 7.3 on).
//
// Thread safety: as Service.
#pragma once

#include <cstdint>

#include "coldvault/vault.hpp"

namespace cv::vault {

// `count` bytes, 1..128 as Key Vault allows (BadParameter naming `count` otherwise).
Result<Bytes> random_bytes(Service& svc, std::int64_t count);

}  // namespace cv::vault
