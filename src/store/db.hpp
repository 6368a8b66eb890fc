// The catalogue's database, behind one small interface with two backends (ADR 0023): SQLite, the embedded
// default (a file path), and PostgreSQL (a `postgresql://` or `postgres://` URL, through libpq). The store
// writes its SQL once, in the subset both engines read the same way ("?" or "?N" parameters, BIGINT-sized
// integers, ON CONFLICT, RETURNING); what differs between them (DDL types, how a write transaction takes the
// writers' lock, the change counter the read caches watch) is a backend's business. Private to src/store.
//
// Thread safety: a Conn is one connection, used by one thread at a time; Stmts and Transactions borrow it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

namespace cv::store {

enum class Dialect { Sqlite, Postgres };

// Whether `location` names a PostgreSQL catalogue (a libpq URL) rather than a SQLite file.
bool is_postgres_url(std::string_view location);

// One compiled statement of a backend. Parameters count from 1, columns from 0 (SQLite's convention).
class StmtImpl {
 public:
  virtual ~StmtImpl() = default;
  virtual void bind_text(int i, std::string_view v) = 0;
  virtual void bind_int(int i, std::int64_t v) = 0;
  virtual void bind_blob(int i, ByteView v) = 0;  // a zero-length blob stays a blob, not NULL
  virtual void bind_null(int i) = 0;
  // true: a row is ready; false: done. Errors come back as StorageFailure (or Conflict on a constraint),
  // their message naming `what`.
  virtual Result<bool> step(std::string_view what) = 0;
  virtual void reset() = 0;  // ready to step again from the start, bindings kept
  virtual bool read_only() const = 0;
  virtual std::string text(int col) const = 0;
  virtual std::int64_t integer(int col) const = 0;
  virtual Bytes blob(int col) const = 0;
  virtual bool is_null(int col) const = 0;
};

// A connection's compiled statements kept for reuse, by SQL text: compiling costs more than running most of
// the catalogue's indexed statements, and every call prepares the same few texts again. Both backends keep
// theirs here. Not thread-safe: one per connection.
class ReusableStatements {
 public:
  std::unique_ptr<StmtImpl> take(std::string_view sql);  // nullptr when none of that text is free
  void keep(std::string sql, std::unique_ptr<StmtImpl> st) noexcept;  // drops it when enough are kept
  void clear() { kept_.clear(); }

 private:
  static constexpr std::size_t kMax = 128;
  std::unordered_multimap<std::string, std::unique_ptr<StmtImpl>> kept_;
};

class Conn {
 public:
  virtual ~Conn() = default;
  virtual Dialect dialect() const = 0;
  // The file, or the URL as given: keys the process's writer turn and group committer for this catalogue;
  // empty for a database no other connection can reach (SQLite in memory).
  virtual const std::string& location() const = 0;
  // Statements without rows (a script of several is fine), compiled each time.
  virtual Result<void> exec(std::string_view sql, std::string_view what) = 0;
  // A kept statement of the same text when one is free, else a newly compiled one.
  virtual Result<std::unique_ptr<StmtImpl>> prepare(std::string_view sql) = 0;
  // Takes back a statement for reuse (it is reset and its bindings cleared) or drops it.
  virtual void give_back(std::unique_ptr<StmtImpl> st) noexcept = 0;
  virtual bool in_transaction() const = 0;
  virtual std::int64_t changes() const = 0;        // rows written by the last statement
  // This connection's writes so far, committed or not, but for those committed by commit_audit_only.
  virtual std::int64_t total_changes() const = 0;
  // The read caches' generation (ADR 0010, 0028): moves whenever a connection (this one, another here, in
  // another process or node) committed a write to a table other than the audit log's; -1 when it cannot be
  // read, which callers must treat as "changed".
  virtual std::int64_t data_version() = 0;
  // Opens the outermost write transaction holding the catalogue's writers' lock, so writers queue instead
  // of failing on a lock upgrade or a serialization conflict.
  virtual Result<void> begin_write() = 0;
  // Opens a read-only transaction whose reads all see one instant; end it with end_read().
  virtual Result<void> begin_read() = 0;
  virtual void end_read() noexcept = 0;
  // Commits the outermost transaction (for PostgreSQL it also moves data_version for every other node).
  virtual Result<void> commit() = 0;
  // Commits an outermost transaction that wrote only the audit log's tables (a group of audit records): no row
  // a read cache keeps changed, so neither data_version nor total_changes moves.
  virtual Result<void> commit_audit_only() = 0;
  virtual void rollback() noexcept = 0;
  // Whether the next commits must reach stable storage (true, the default) or may be flushed later.
  virtual Result<void> set_durable(bool durable) = 0;
  // The schema version recorded in the catalogue (0 for a new one), and its update inside a transaction.
  virtual Result<int> schema_version() = 0;
  virtual Result<void> set_schema_version(int v) = 0;
  // One schema step's DDL, written in SQLite's words, turned into this engine's.
  virtual std::string ddl(std::string_view sqlite_ddl) const = 0;
};

// Owns one connection. `location` is a SQLite file path or a PostgreSQL URL (is_postgres_url).
class Db {
 public:
  static Result<Db> open(const std::string& location);
  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;
  ~Db() = default;
  Conn* get() const { return conn_.get(); }
  Result<void> exec(const char* sql) { return conn_->exec(sql, "statement"); }

 private:
  explicit Db(std::unique_ptr<Conn> c) : conn_(std::move(c)) {}
  std::unique_ptr<Conn> conn_;
};

// The first column of the first row of `sql` as an integer; nullopt when there is no row. For a backend's
// own one-value questions (schema version, change counters).
Result<std::optional<std::int64_t>> query_int(Conn* db, std::string_view sql, std::string_view what);

Result<std::unique_ptr<Conn>> open_sqlite(const std::string& path);
Result<std::unique_ptr<Conn>> open_postgres(const std::string& url);

class Stmt {
 public:
  static Result<Stmt> prepare(Conn* db, std::string_view sql);
  // Runs one statement without rows through the kept statements, so it is not compiled again each time;
  // errors name `what`.
  static Result<void> execute(Conn* db, std::string_view sql, std::string_view what);
  Stmt(Stmt&& o) noexcept = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();  // gives the statement back to its connection

  Stmt& bind(int i, std::string_view v) { return impl_->bind_text(i, v), *this; }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, std::int64_t v) { return impl_->bind_int(i, v), *this; }
  Stmt& bind(int i, ByteView v) { return impl_->bind_blob(i, v), *this; }
  Stmt& bind(int i, const std::optional<std::int64_t>& v) { return v ? bind(i, *v) : bind_null(i); }
  Stmt& bind(int i, const std::optional<std::string>& v) {
    return v ? bind(i, std::string_view(*v)) : bind_null(i);
  }
  Stmt& bind_null(int i) { return impl_->bind_null(i), *this; }

  // true: a row is ready; false: done. Errors come back as StorageFailure (or Conflict on a constraint).
  Result<bool> step() { return impl_->step("step"); }
  Result<void> run();  // step to completion, expecting no rows
  // Rows the last run() inserted, updated or deleted: this statement's own count, taken before the commit of
  // the transaction run() may open for it (whose audit record would count as a change of the connection's).
  std::int64_t changed() const { return changed_; }
  // Makes a prepared statement ready to step again (bindings kept), for statements kept across calls.
  void reset() { impl_->reset(); }

  std::string text(int col) const { return impl_->text(col); }
  std::int64_t integer(int col) const { return impl_->integer(col); }
  Bytes blob(int col) const { return impl_->blob(col); }
  bool is_null(int col) const { return impl_->is_null(col); }
  std::optional<std::int64_t> opt_int(int col) const {
    return is_null(col) ? std::nullopt : std::optional(integer(col));
  }
  std::optional<std::string> opt_text(int col) const {
    return is_null(col) ? std::nullopt : std::optional(text(col));
  }

 private:
  Stmt(Conn* db, std::unique_ptr<StmtImpl> st) : db_(db), impl_(std::move(st)) {}
  Result<void> step_to_end();
  Conn* db_;
  std::int64_t changed_ = 0;
  std::unique_ptr<StmtImpl> impl_;
};

// The in-process turn to write one catalogue: taken before the write transaction begins, given back after
// COMMIT or ROLLBACK. Writers of the same catalogue in this process (the server's workers) then queue on a
// mutex and start the moment the previous one finished, instead of polling the engine's lock (SQLite's 1, 2,
// 5 ... 100 ms busy sleeps: REST PUT p99 537 ms at 16 connections, issue 23). The engine's lock still
// arbitrates between processes and nodes. Waits at most 10 s, then goes on without the turn; a thread that
// already holds the catalogue's turn (a transaction on another connection to it) gets an empty one, so the
// turn can delay a writer but never deadlock it. Empty for in-memory databases.
class WriterTurn {
 public:
  static WriterTurn take(Conn* db);
  WriterTurn() = default;
  WriterTurn(WriterTurn&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
  WriterTurn& operator=(WriterTurn&& o) noexcept;
  WriterTurn(const WriterTurn&) = delete;
  WriterTurn& operator=(const WriterTurn&) = delete;
  ~WriterTurn() { release(); }
  void release();

  struct Gate;

 private:
  explicit WriterTurn(Gate* g) : gate_(g) {}
  Gate* gate_ = nullptr;  // held when not null
};

// A write transaction that takes the writers' lock up front (Conn::begin_write). Begun while the connection
// is already in a transaction (a Catalog::Batch), it is a savepoint instead: commit releases it into the
// outer transaction, destruction undoes only it.
class Transaction {
 public:
  static Result<Transaction> begin(Conn* db);
  Transaction(Transaction&& o) noexcept : db_(o.db_), nested_(o.nested_), turn_(std::move(o.turn_)) {
    o.db_ = nullptr;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  Transaction(Conn* db, bool nested, WriterTurn turn) : db_(db), nested_(nested), turn_(std::move(turn)) {}
  Conn* db_;
  bool nested_;
  WriterTurn turn_;  // empty when nested
};

}  // namespace cv::store
