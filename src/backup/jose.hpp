// Compact JOSE helpers: splitting and joining dot-separated base64url parts. Private to src/backup.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/error.hpp"

namespace cv::backup {

// Exactly `n` parts separated by '.', each non-empty base64url characters only.
Result<std::vector<std::string_view>> split_compact(std::string_view text, std::size_t n, const char* what);
// Decodes a base64url part holding a JSON object.
Result<nlohmann::json> decode_json_part(std::string_view part, const char* what);
// base64url of a JSON object's compact dump.
std::string encode_json_part(const nlohmann::json& j);

}  // namespace cv::backup
