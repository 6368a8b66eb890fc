// A JSON type whose strings and containers live in wiped memory, for blob payloads that carry secret
// values: every buffer the parser or serializer allocates is cleansed when freed.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "coldvault/bytes.hpp"

namespace cv::backup {

using SecureJson = nlohmann::basic_json<std::map, std::vector, SecureString, bool, std::int64_t, std::uint64_t,
                                        double, WipingAllocator>;

}  // namespace cv::backup
