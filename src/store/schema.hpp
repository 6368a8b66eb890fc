#pragma once

#include "store/db.hpp"

namespace cv::store {

int latest_schema_version();
// Applies every missing migration in one transaction; returns the version now in force.
Result<int> migrate(Db& db);

}  // namespace cv::store
