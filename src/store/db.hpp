// Thin RAII over sqlite3: one type per handle (connection, statement) and a transaction that rolls back in
// its destructor unless committed. Private to src/store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

namespace cv::store {

// Turns a SQLite result code into the one error type (busy/locked -> StorageFailure with advice).
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

class Db {
 public:
  static Result<Db> open(const std::string& path);
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();
  sqlite3* get() const { return db_; }
  Result<void> exec(const char* sql);

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  static Result<Stmt> prepare(sqlite3* db, std::string_view sql);
  // Runs one statement without rows (BEGIN, SAVEPOINT, RELEASE, COMMIT: run around every write) through
  // the kept statements, so it is not compiled again each time; errors name `what`.
  static Result<void> execute(sqlite3* db, std::string_view sql, std::string_view what);
  Stmt(Stmt&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();  // gives the statement back to its connection's kept statements (db.cpp)

  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, ByteView v);
  Stmt& bind(int i, const std::optional<std::int64_t>& v);
  Stmt& bind(int i, const std::optional<std::string>& v);
  Stmt& bind_null(int i);

  // true: a row is ready; false: done. Errors come back as StorageFailure (or Conflict on a constraint).
  Result<bool> step();
  Result<void> run();  // step to completion, expecting no rows
  // Makes a prepared statement ready to step again (bindings kept), for statements kept across calls.
  void reset() { sqlite3_reset(st_); }

  std::string text(int col) const;
  std::int64_t integer(int col) const;
  Bytes blob(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::optional<std::int64_t> opt_int(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  Stmt(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  sqlite3* db_;
  sqlite3_stmt* st_;
};

// The in-process turn to write one database file: taken before BEGIN IMMEDIATE, given back after COMMIT or
// ROLLBACK. Writers of the same file in this process (the server's workers) then queue on a mutex and start the
// moment the previous one finished, instead of polling SQLite's lock with its 1, 2, 5 ... 100 ms busy sleeps (REST
// PUT p99 537 ms at 16 connections, issue 23). SQLite's lock still arbitrates between processes. Waits at most
// 10 s, then goes on without the turn; a thread that already holds the file's turn (a transaction on another
// connection to the same file) gets an empty one, so the turn can delay a writer but never deadlock it.
// Empty for in-memory databases.
class WriterTurn {
 public:
  static WriterTurn take(sqlite3* db);
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

// BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout instead of
// deadlocking on a lock upgrade. Begun while the connection is already in a transaction (a Catalog::Batch),
// it is a savepoint instead: commit releases it into the outer transaction, destruction undoes only it.
class Transaction {
 public:
  static Result<Transaction> begin(sqlite3* db);
  Transaction(Transaction&& o) noexcept : db_(o.db_), nested_(o.nested_), turn_(std::move(o.turn_)) {
    o.db_ = nullptr;
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  Transaction(sqlite3* db, bool nested, WriterTurn turn) : db_(db), nested_(nested), turn_(std::move(turn)) {}
  sqlite3* db_;
  bool nested_;
  WriterTurn turn_;  // empty when nested
};

}  // namespace cv::store
