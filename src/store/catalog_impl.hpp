#pragma once

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "coldvault/catalog.hpp"
#include "store/db.hpp"
#include "store/group_commit.hpp"

namespace cv::store {

#define CV_TRY(expr)                                    \
  do {                                                  \
    if (auto _r = (expr); !_r) return std::unexpected(_r.error()); \
  } while (0)

// A LIMIT's value: "no limit" (SIZE_MAX) is the largest BIGINT, not -1, which PostgreSQL refuses.
inline std::int64_t sql_limit(std::size_t limit) {
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX)));
}

inline std::string name_key(std::string_view name) {
  std::string k(name);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  return k;
}

// Rows this connection read, kept while the catalogue is unchanged (issue 23: a hot key or secret was read and
// parsed from the database on every operation). "Unchanged" is a generation: Conn::data_version (moves when any
// connection, this one or another, here, in another process or on another node, commits a write other than an
// audit record: ADR 0028) and Conn::total_changes (moves with this connection's own writes, committed or rolled
// back, but for its audit-only group commits). The generation is read before the row, so a row is never kept under a
// generation older than itself; inside a transaction nothing is kept or served (a rollback would not move the
// generation). Guarded rows are kept only after their check passed.
struct RowCache {
  static constexpr std::size_t kMaxRows = 1024;  // per map; the cache is emptied when one is full
  std::int64_t data_version = -1, changes = -1;
  std::unordered_map<std::string, ObjectRow> objects;
  std::unordered_map<std::string, ObjectVersion> versions;
  void clear() {
    objects.clear();
    versions.clear();
  }
};

struct Catalog::Impl {
  Db db;
  int schema = 0;
  RowGuard* guard = nullptr;
  RowCache rows;

  std::int64_t read_data_version() { return db.get()->data_version(); }
  // Whether the row cache may be used now; empties it when the catalogue changed since it was filled.
  // `dv` is read_data_version() as read before the row (a failed read, -1, disables the cache).
  bool rows_usable(std::int64_t dv) {
    if (db.get()->in_transaction()) return false;
    std::int64_t ch = db.get()->total_changes();
    if (dv < 0) return false;
    if (dv != rows.data_version || ch != rows.changes) {
      rows.clear();
      rows.data_version = dv;
      rows.changes = ch;
    }
    return true;
  }
  std::shared_ptr<GroupCommitter> committer;  // shared by every Catalog of this file in the process
  WriterTurn batch_turn;                      // held while an outermost Batch is open (db.hpp)

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
  static Conn* db(Catalog& c) { return c.impl_->db.get(); }
  static GroupCommitter& committer(Catalog& c) { return *c.impl_->committer; }
};

}  // namespace cv::store
