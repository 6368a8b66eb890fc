#include "store/db.hpp"

#include <mutex>
#include <unordered_map>
#include <vector>

namespace cv::store {
namespace {

// Idle prepared statements per connection, by SQL text. A connection is used by one thread at a time, but the
// registry is shared by all connections of the process, hence the mutex (held for a lookup, never for SQLite).
struct SqlHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using IdleStatements = std::unordered_map<std::string, std::vector<sqlite3_stmt*>, SqlHash, std::equal_to<>>;
constexpr std::size_t kIdlePerSql = 4;  // more only while the same SQL is nested deeper than this

std::mutex& cache_mu() {
  static std::mutex mu;
  return mu;
}
std::unordered_map<sqlite3*, IdleStatements>& caches() {
  static auto* m = new std::unordered_map<sqlite3*, IdleStatements>;  // never destroyed: used at exit
  return *m;
}

// Finalises the connection's idle statements and forgets it; before sqlite3_close.
void drop_cache(sqlite3* db) {
  if (!db) return;
  IdleStatements idle;
  {
    std::lock_guard lock(cache_mu());
    auto it = caches().find(db);
    if (it == caches().end()) return;
    idle.swap(it->second);
    caches().erase(it);
  }
  for (auto& [sql, list] : idle)
    for (sqlite3_stmt* st : list) sqlite3_finalize(st);
}

}  // namespace

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string native = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  Errc code = Errc::StorageFailure;
  std::string msg = "catalogue: " + std::string(what) + " failed";
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    code = Errc::Conflict;
    msg = "catalogue: " + std::string(what) + ": already exists";
  } else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    msg += " (the catalogue stayed locked by another process)";
  }
  return Error{code, msg + ": " + native, native, {}, {}};
}

Result<Db> Db::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "open " + path);
    sqlite3_close(db);
    return std::unexpected(e);
  }
  sqlite3_busy_timeout(db, 30000);
  sqlite3_extended_result_codes(db, 1);
  {
    std::lock_guard lock(cache_mu());
    caches()[db];
  }
  return Db(db);
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    drop_cache(db_);
    sqlite3_close(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() {
  drop_cache(db_);
  sqlite3_close(db_);
}

Result<void> Db::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "statement"));
  return {};
}

Result<Stmt> Stmt::prepare(sqlite3* db, std::string_view sql) {
  {
    std::lock_guard lock(cache_mu());
    auto conn = caches().find(db);
    if (conn != caches().end()) {
      auto it = conn->second.find(sql);
      if (it != conn->second.end() && !it->second.empty()) {
        sqlite3_stmt* st = it->second.back();
        it->second.pop_back();
        return Stmt(db, st);
      }
    }
  }
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                              nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, "prepare"));
  return Stmt(db, st);
}

void Stmt::release() {
  if (!st_) return;
  // Reset ends the statement's read (no transaction held open by an idle statement) and clearing the
  // bindings frees the bound values (ciphertexts, names) now rather than at the next use.
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
  {
    std::lock_guard lock(cache_mu());
    auto conn = caches().find(db_);
    const char* text = sqlite3_sql(st_);
    if (conn != caches().end() && text) {
      auto& idle = conn->second[text];
      if (idle.size() < kIdlePerSql) {
        idle.push_back(st_);
        st_ = nullptr;
        return;
      }
    }
  }
  sqlite3_finalize(st_);
  st_ = nullptr;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, ByteView v) {
  // A zero-length blob must still be a blob, not NULL.
  sqlite3_bind_blob(st_, i, v.empty() ? "" : static_cast<const void*>(v.data()),
                    static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind(int i, const std::optional<std::int64_t>& v) {
  return v ? bind(i, *v) : bind_null(i);
}
Stmt& Stmt::bind(int i, const std::optional<std::string>& v) {
  return v ? bind(i, std::string_view(*v)) : bind_null(i);
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

Result<bool> Stmt::step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(sqlite_error(db_, rc, "step"));
}

Result<void> Stmt::run() {
  for (;;) {
    auto r = step();
    if (!r) return std::unexpected(r.error());
    if (!*r) return {};
  }
}

std::string Stmt::text(int col) const {
  auto p = sqlite3_column_text(st_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st_, col)) : "";
}
std::int64_t Stmt::integer(int col) const { return sqlite3_column_int64(st_, col); }
Bytes Stmt::blob(int col) const {
  auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st_, col));
  int n = sqlite3_column_bytes(st_, col);
  return p ? Bytes(p, p + n) : Bytes{};
}
std::optional<std::int64_t> Stmt::opt_int(int col) const {
  if (is_null(col)) return std::nullopt;
  return integer(col);
}
std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

Result<Transaction> Transaction::begin(sqlite3* db) {
  // Inside a Catalog::Batch the connection is already in a transaction: nest as a savepoint, so this
  // write's own failure undoes only itself and the batch decides about the rest.
  bool nested = sqlite3_get_autocommit(db) == 0;
  int rc = sqlite3_exec(db, nested ? "SAVEPOINT cv_tx" : "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, "begin transaction"));
  return Transaction(db, nested);
}

Transaction::~Transaction() {
  if (!db_) return;
  if (nested_) sqlite3_exec(db_, "ROLLBACK TO cv_tx; RELEASE cv_tx", nullptr, nullptr, nullptr);
  else sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<void> Transaction::commit() {
  int rc = sqlite3_exec(db_, nested_ ? "RELEASE cv_tx" : "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "commit"));
  db_ = nullptr;
  return {};
}

}  // namespace cv::store
