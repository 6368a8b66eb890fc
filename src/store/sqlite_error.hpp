// SQLite result codes turned into the one error type (busy/locked and a full disk get advice). Private to
// src/store: the SQLite backend and the catalogue file copy.
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "coldvault/error.hpp"

namespace cv::store {

Error sqlite_error(sqlite3* db, int rc, std::string_view what);

}  // namespace cv::store
