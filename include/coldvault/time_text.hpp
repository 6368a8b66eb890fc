// UTC text of Unix seconds, the one formatter of the code base.
#pragma once

#include <cstdint>
#include <string>

namespace cv {

// "2026-11-30T16:45:06Z" (ISO 8601, as Key Vault's management API and messages print times).
std::string utc_iso8601(std::int64_t unix_seconds);
// "20261130164506" (file names: a bundle job's file).
std::string utc_compact(std::int64_t unix_seconds);

}  // namespace cv
