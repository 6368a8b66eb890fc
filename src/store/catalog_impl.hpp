#pragma once

#include <algorithm>
#include <cctype>

#include "coldvault/catalog.hpp"
#include "store/db.hpp"

namespace cv::store {

struct Catalog::Impl {
  Db db;
  int schema = 0;
};

// The connection of a Catalog, for the store's own files that add tables beside the core ones.
struct CatalogAccess {
  static sqlite3* db(Catalog& c) { return c.impl_->db.get(); }
};

inline std::string name_key(std::string_view name) {
  std::string k(name);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  return k;
}

#define CV_TRY(expr)                                    \
  do {                                                  \
    if (auto _r = (expr); !_r) return std::unexpected(_r.error()); \
  } while (0)

}  // namespace cv::store
