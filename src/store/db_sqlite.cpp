// The SQLite backend of src/store/db.hpp: the embedded default, one file per catalogue.
#include <sqlite3.h>

#include <cerrno>
#include <unordered_map>

#include "coldvault/catalog.hpp"
#include "store/db.hpp"
#include "store/sqlite_error.hpp"

namespace cv::store {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string native = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  Errc code = Errc::StorageFailure;
  std::string msg = "catalogue: " + std::string(what) + " failed";
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    code = Errc::Conflict;
    msg = "catalogue: " + std::string(what) + ": already exists";
  } else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
    msg += std::string(" (the catalogue ") + (file && *file ? file : "") +
           " stayed locked by another process for " +
           (busy_timeout_ms() % 1000 ? std::to_string(busy_timeout_ms()) + " ms"
                                     : std::to_string(busy_timeout_ms() / 1000) + " s") +
           ": find it with `fuser` on that file, let it finish or stop it, then retry; nothing was changed)";
  } else if ((rc & 0xff) == SQLITE_FULL || (db && sqlite3_system_errno(db) == ENOSPC)) {
    // A full disk under the WAL or its index shows as SQLITE_IOERR_* with errno ENOSPC.
    const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
    msg += std::string(" (the disk holding ") + (file && *file ? file : "the catalogue") +
           " is full: free space and retry; nothing was changed)";
  }
  return Error{code, msg + ": " + native, native, {}, {}};
}

namespace {

class SqliteStmt final : public StmtImpl {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~SqliteStmt() override { sqlite3_finalize(st_); }
  void bind_text(int i, std::string_view v) override {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_int(int i, std::int64_t v) override { sqlite3_bind_int64(st_, i, v); }
  void bind_blob(int i, ByteView v) override {
    sqlite3_bind_blob(st_, i, v.empty() ? "" : static_cast<const void*>(v.data()), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
  }
  void bind_null(int i) override { sqlite3_bind_null(st_, i); }
  Result<bool> step(std::string_view what) override {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return std::unexpected(sqlite_error(db_, rc, what));
  }
  void reset() override { sqlite3_reset(st_); }
  void clear() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  bool read_only() const override { return sqlite3_stmt_readonly(st_) != 0; }
  std::string text(int col) const override {
    auto p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st_, col)) : "";
  }
  std::int64_t integer(int col) const override { return sqlite3_column_int64(st_, col); }
  Bytes blob(int col) const override {
    auto p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st_, col));
    int n = sqlite3_column_bytes(st_, col);
    return p ? Bytes(p, p + n) : Bytes{};
  }
  bool is_null(int col) const override { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::string sql() const { return sqlite3_sql(st_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
};

class SqliteConn final : public Conn {
 public:
  SqliteConn(sqlite3* db, std::string location) : db_(db), location_(std::move(location)) {}
  ~SqliteConn() override {
    kept_.clear();  // every statement is finalized before the connection closes
    sqlite3_close(db_);
  }
  Dialect dialect() const override { return Dialect::Sqlite; }
  const std::string& location() const override { return location_; }
  Result<void> exec(std::string_view sql, std::string_view what) override {
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, what));
    return {};
  }
  Result<std::unique_ptr<StmtImpl>> prepare(std::string_view sql) override {
    if (auto kept = kept_.take(sql)) return kept;
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                                nullptr);
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "prepare"));
    return std::unique_ptr<StmtImpl>(std::make_unique<SqliteStmt>(db_, st));
  }
  void give_back(std::unique_ptr<StmtImpl> st) noexcept override {
    auto* s = static_cast<SqliteStmt*>(st.get());
    s->clear();
    kept_.keep(s->sql(), std::move(st));
  }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }
  std::int64_t changes() const override { return sqlite3_changes64(db_); }
  std::int64_t total_changes() const override { return sqlite3_total_changes64(db_) - uncounted_; }
  // Schema step 10's triggers move cache_generation.value with every write but the audit log's, in the writer's
  // transaction (ADR 0028). A catalogue before that step has no such row: -1, never equal to a cached value.
  std::int64_t data_version() override {
    auto v = query_int(this, "SELECT value FROM cache_generation WHERE id=1", "read the cache generation");
    return v && *v ? **v : -1;
  }
  // BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout instead of
  // deadlocking on a lock upgrade.
  Result<void> begin_write() override {
    changes_at_begin_ = sqlite3_total_changes64(db_);
    return run("BEGIN IMMEDIATE", "begin transaction");
  }
  // In WAL mode the first read of a deferred transaction fixes its snapshot.
  Result<void> begin_read() override { return run("BEGIN DEFERRED", "begin read transaction"); }
  void end_read() noexcept override { (void)exec("ROLLBACK", "end read transaction"); }
  Result<void> commit() override { return run("COMMIT", "commit"); }
  Result<void> commit_audit_only() override {
    auto r = commit();
    if (r) uncounted_ += sqlite3_total_changes64(db_) - changes_at_begin_;
    return r;
  }
  void rollback() noexcept override { (void)exec("ROLLBACK", "rollback"); }
  Result<void> set_durable(bool durable) override {
    return run(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", "set synchronous");
  }
  Result<int> schema_version() override {
    auto v = query_int(this, "PRAGMA user_version", "read the schema version");
    if (!v) return std::unexpected(v.error());
    return static_cast<int>(v->value_or(0));
  }
  Result<void> set_schema_version(int v) override {
    return exec("PRAGMA user_version=" + std::to_string(v), "record the schema version");
  }
  std::string ddl(std::string_view sqlite_ddl) const override { return std::string(sqlite_ddl); }

 private:
  // One kept statement, stepped once (BEGIN, COMMIT, PRAGMA ...).
  Result<void> run(std::string_view sql, std::string_view what) {
    auto st = prepare(sql);
    if (!st) return std::unexpected(st.error());
    auto r = (*st)->step(what);
    give_back(std::move(*st));
    if (!r) return std::unexpected(r.error());
    return {};
  }

  sqlite3* db_;
  std::string location_;
  ReusableStatements kept_;
  std::int64_t changes_at_begin_ = 0;  // sqlite3_total_changes64 when the last write transaction began
  std::int64_t uncounted_ = 0;         // changes committed by commit_audit_only
};

}  // namespace

Result<std::unique_ptr<Conn>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "open " + path);
    sqlite3_close(db);
    return std::unexpected(e);
  }
  sqlite3_busy_timeout(db, busy_timeout_ms());
  sqlite3_extended_result_codes(db, 1);
  // A database that is not one file on disk (in memory, URI) is its own: no other connection shares its turn
  // or its group commits.
  const char* file = sqlite3_db_filename(db, "main");
  std::string location = file && *file ? file : "";
  return std::unique_ptr<Conn>(std::make_unique<SqliteConn>(db, std::move(location)));
}

}  // namespace cv::store
