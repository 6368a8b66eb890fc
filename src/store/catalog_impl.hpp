#pragma once

#include <algorithm>
#include <cctype>

#include "coldvault/catalog.hpp"
#include "store/db.hpp"
#include "store/group_commit.hpp"

namespace cv::store {

#define CV_TRY(expr)                                    \
  do {                                                  \
    if (auto _r = (expr); !_r) return std::unexpected(_r.error()); \
  } while (0)

inline std::string name_key(std::string_view name) {
  std::string k(name);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  return k;
}

struct Catalog::Impl {
  Db db;
  int schema = 0;
  RowGuard* guard = nullptr;
  std::optional<Stmt> data_version;  // PRAGMA data_version, prepared once (asked before every vault use)
  std::shared_ptr<GroupCommitter> committer;  // shared by every Catalog of this file in the process

  bool guarded(ObjType t) const { return guard && guard->guards(t); }
  // A copy of v, sealed when its type is guarded.
  Result<VersionRow> sealed(const std::string& vault, ObjType t, const std::string& name, const VersionRow& v) {
    VersionRow out = v;
    if (guarded(t)) CV_TRY(guard->seal(name_key(vault), t, name_key(name), out));
    return out;
  }
  Result<void> checked(const std::string& vault, ObjType t, const std::string& name, const VersionRow& v) {
    if (!guarded(t)) return {};
    return guard->check(name_key(vault), t, name_key(name), v);
  }
};

// The connection of a Catalog, for the store's own files that add tables beside the core ones.
struct CatalogAccess {
  static sqlite3* db(Catalog& c) { return c.impl_->db.get(); }
  static GroupCommitter& committer(Catalog& c) { return *c.impl_->committer; }
};

}  // namespace cv::store
