// Key Vault's operation names for the audit log's `operation` field (docs/audit.md §1).
#pragma once

#include <string>
#include <vector>

namespace cv::audit {

// {"secret","set"} -> "SetSecret"; a verb with no Key Vault twin -> "coldvault.<words joined by '.'>".
std::string cli_operation(const std::vector<std::string>& words);
// ("PUT", "secrets/{name}") -> "SetSecret"; an unknown route -> "<method> <pattern>".
std::string rest_operation(const std::string& method, const std::string& pattern);

}  // namespace cv::audit
