#include "store/db.hpp"

#include "coldvault/catalog.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <unordered_map>

#include "coldvault/audit_log.hpp"

namespace cv::store {
namespace {

// Prepared statements kept per open connection for reuse. Compiling SQL costs more than running most of
// the catalogue's indexed statements, and every call prepares the same few texts again. A Stmt takes a kept
// statement of the same text when one is free (else compiles a new one) and gives it back reset, with its
// bindings cleared, when destroyed, so callers keep owning plain Stmts. A connection's kept statements are
// finalized before it closes; a Stmt outliving its connection's registration is finalized, never kept.
// Thread safety: one mutex over the map; each connection is still used by one thread at a time.
class StmtCache {
 public:
  void open(sqlite3* db) {
    std::lock_guard lock(mu_);
    kept_[db];
  }
  void close(sqlite3* db) {
    std::lock_guard lock(mu_);
    auto it = kept_.find(db);
    if (it == kept_.end()) return;
    for (auto& [sql, st] : it->second) sqlite3_finalize(st);
    kept_.erase(it);
  }
  sqlite3_stmt* take(sqlite3* db, std::string_view sql) {
    std::lock_guard lock(mu_);
    auto it = kept_.find(db);
    if (it == kept_.end()) return nullptr;
    auto st = it->second.find(std::string(sql));
    if (st == it->second.end()) return nullptr;
    sqlite3_stmt* out = st->second;
    it->second.erase(st);
    return out;
  }
  // Keeps st for reuse, or finalizes it (connection unknown, or enough kept already).
  void give_back(sqlite3* db, sqlite3_stmt* st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    {
      std::lock_guard lock(mu_);
      auto it = kept_.find(db);
      if (it != kept_.end() && it->second.size() < kMaxPerConnection) {
        it->second.emplace(sqlite3_sql(st), st);
        return;
      }
    }
    sqlite3_finalize(st);
  }

 private:
  static constexpr std::size_t kMaxPerConnection = 128;
  std::mutex mu_;
  std::unordered_map<sqlite3*, std::unordered_multimap<std::string, sqlite3_stmt*>> kept_;
};

StmtCache& stmt_cache() {
  static StmtCache* c = new StmtCache;  // never destroyed: Stmts may be released during static teardown
  return *c;
}

}  // namespace

namespace {
std::atomic<int> g_busy_timeout_ms{30000};
}  // namespace

int busy_timeout_ms() { return g_busy_timeout_ms.load(); }
void set_busy_timeout_ms(int ms) { g_busy_timeout_ms.store(ms); }

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

Result<Db> Db::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "open " + path);
    sqlite3_close(db);
    return std::unexpected(e);
  }
  sqlite3_busy_timeout(db, busy_timeout_ms());
  sqlite3_extended_result_codes(db, 1);
  stmt_cache().open(db);
  return Db(db);
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    stmt_cache().close(db_);
    sqlite3_close(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

Db::~Db() {
  if (!db_) return;
  stmt_cache().close(db_);
  sqlite3_close(db_);
}

Result<void> Db::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "statement"));
  return {};
}

Stmt::~Stmt() {
  if (st_) stmt_cache().give_back(db_, st_);
}

Result<Stmt> Stmt::prepare(sqlite3* db, std::string_view sql) {
  if (sqlite3_stmt* kept = stmt_cache().take(db, sql)) return Stmt(db, kept);
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                              nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, "prepare"));
  return Stmt(db, st);
}

Result<void> Stmt::execute(sqlite3* db, std::string_view sql, std::string_view what) {
  auto st = prepare(db, sql);
  if (!st) return std::unexpected(st.error());
  int rc = sqlite3_step(st->st_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return std::unexpected(sqlite_error(db, rc, what));
  return {};
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
  // A write outside any transaction, while an operation is being audited, becomes a transaction of its
  // own so that its record commits with it (docs/audit.md §2).
  if (AuditScope::current() && !sqlite3_stmt_readonly(st_)) {
    sqlite3* db = sqlite3_db_handle(st_);
    if (sqlite3_get_autocommit(db) != 0) {
      auto tx = Transaction::begin(db);
      if (!tx) return std::unexpected(tx.error());
      for (;;) {
        auto r = step();
        if (!r) return std::unexpected(r.error());
        if (!*r) break;
      }
      return tx->commit();
    }
  }
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

struct WriterTurn::Gate {
  std::timed_mutex mu;
  std::atomic<std::thread::id> owner{};
};

WriterTurn WriterTurn::take(sqlite3* db) {
  const char* file = sqlite3_db_filename(db, "main");
  if (!file || !*file) return {};
  Gate* gate = nullptr;
  {
    static std::mutex registry_mu;
    static auto* gates = new std::unordered_map<std::string, std::unique_ptr<Gate>>;  // never destroyed
    std::lock_guard lock(registry_mu);
    auto& g = (*gates)[file];
    if (!g) g = std::make_unique<Gate>();
    gate = g.get();
  }
  if (gate->owner.load() == std::this_thread::get_id()) return {};
  if (!gate->mu.try_lock_for(std::chrono::seconds(10))) return {};
  gate->owner.store(std::this_thread::get_id());
  return WriterTurn(gate);
}

WriterTurn& WriterTurn::operator=(WriterTurn&& o) noexcept {
  if (this != &o) {
    release();
    gate_ = o.gate_;
    o.gate_ = nullptr;
  }
  return *this;
}

void WriterTurn::release() {
  if (!gate_) return;
  gate_->owner.store(std::thread::id{});
  gate_->mu.unlock();
  gate_ = nullptr;
}

Result<Transaction> Transaction::begin(sqlite3* db) {
  // Inside a Catalog::Batch the connection is already in a transaction: nest as a savepoint, so this
  // write's own failure undoes only itself and the batch decides about the rest.
  bool nested = sqlite3_get_autocommit(db) == 0;
  WriterTurn turn = nested ? WriterTurn() : WriterTurn::take(db);
  if (auto r = Stmt::execute(db, nested ? "SAVEPOINT cv_tx" : "BEGIN IMMEDIATE", "begin transaction"); !r)
    return std::unexpected(r.error());
  return Transaction(db, nested, std::move(turn));
}

Transaction::~Transaction() {
  if (!db_) return;
  if (nested_) sqlite3_exec(db_, "ROLLBACK TO cv_tx; RELEASE cv_tx", nullptr, nullptr, nullptr);
  else sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  // turn_ is given back after the ROLLBACK (member destroyed after this body)
}

Result<void> Transaction::commit() {
  // The operation's audit record joins its outermost commit (docs/audit.md §2): no record, no change.
  if (!nested_)
    if (auto* scope = AuditScope::current())
      if (auto r = scope->on_commit(db_); !r) return r;
  if (auto r = Stmt::execute(db_, nested_ ? "RELEASE cv_tx" : "COMMIT", "commit"); !r)
    return std::unexpected(r.error());
  db_ = nullptr;
  turn_.release();
  return {};
}

}  // namespace cv::store
