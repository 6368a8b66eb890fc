// Blob payloads are SecureJson trees (coldvault/secure_json.hpp).
#pragma once

#include "coldvault/secure_json.hpp"

namespace cv::backup {

using SecureJson = cv::SecureJson;

}  // namespace cv::backup
