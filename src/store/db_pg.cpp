// The PostgreSQL backend of src/store/db.hpp (ADR 0023), through libpq.
//
// Writers take one transaction-scoped advisory lock right after BEGIN, so write transactions of every node
// run one at a time like SQLite's BEGIN IMMEDIATE, under READ COMMITTED; readers never wait. A row in
// coldvault_state counts committed write transactions: it is what data_version() reads, so every node's
// read caches see every other node's writes. Results come back as text (bytea in hex) and are read whole;
// blobs go up in binary.
#include <arpa/inet.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstring>
#include <regex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "coldvault/catalog.hpp"
#include "store/db.hpp"

namespace cv::store {
namespace {

constexpr unsigned kInt8Oid = 20, kTextOid = 25, kByteaOid = 17, kBoolOid = 16;
// The writers' lock: one key for the whole catalogue ("coldvalt" in ASCII).
constexpr const char* kWritersLock = "SELECT pg_advisory_xact_lock(7165065861137278068)";

// "?" and "?N" parameters become "$k" and "$N"; quoted text and identifiers are left alone.
std::string dollar_params(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 8);
  int next = 0;
  count = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char ch = sql[i];
    if (quote) {
      out += ch;
      if (ch == quote) quote = 0;
      continue;
    }
    if (ch == '\'' || ch == '"') {
      quote = ch;
      out += ch;
      continue;
    }
    if (ch != '?') {
      out += ch;
      continue;
    }
    std::size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    int n = j > i + 1 ? std::stoi(std::string(sql.substr(i + 1, j - i - 1))) : ++next;
    if (j > i + 1) next = n;
    count = std::max(count, n);
    out += '$' + std::to_string(n);
    i = j - 1;
  }
  return out;
}

bool starts_with_word(std::string_view sql, std::string_view word) {
  std::size_t i = sql.find_first_not_of(" \t\r\n(");
  if (i == std::string_view::npos || sql.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k)
    if (std::toupper(static_cast<unsigned char>(sql[i + k])) != word[k]) return false;
  return true;
}

Bytes from_hex_bytea(const char* v, int len) {
  // bytea's text output (bytea_output = hex): "\x" then two hex digits per byte.
  Bytes out;
  if (len < 2 || v[0] != '\\' || v[1] != 'x') return Bytes(v, v + len);
  auto nib = [](char c) -> int {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
  };
  out.reserve((len - 2) / 2);
  for (int i = 2; i + 1 < len; i += 2) out.push_back(static_cast<std::uint8_t>(nib(v[i]) << 4 | nib(v[i + 1])));
  return out;
}

class PgConn;

class PgStmt final : public StmtImpl {
 public:
  PgStmt(PgConn* conn, std::string sql, std::string original, int nparams)
      : conn_(conn), sql_(std::move(sql)), original_(std::move(original)), params_(nparams),
        read_only_(starts_with_word(original_, "SELECT") || starts_with_word(original_, "WITH")),
        control_(starts_with_word(original_, "SAVEPOINT") || starts_with_word(original_, "RELEASE") ||
                 starts_with_word(original_, "ROLLBACK") || starts_with_word(original_, "BEGIN") ||
                 starts_with_word(original_, "COMMIT")) {}
  ~PgStmt() override { clear_result(); }
  // libpq sends text parameters up to their first NUL: such a value is refused, never cut short.
  void bind_text(int i, std::string_view v) override {
    if (v.find('\0') != std::string_view::npos) nul_ = true;
    set(i, std::string(v), 0, 0);
  }
  void bind_int(int i, std::int64_t v) override { set(i, std::to_string(v), kInt8Oid, 0); }
  void bind_blob(int i, ByteView v) override { set(i, std::string(v.begin(), v.end()), kByteaOid, 1); }
  void bind_null(int i) override {
    if (i >= 1 && i <= static_cast<int>(params_.size())) params_[i - 1] = Param{};
  }
  Result<bool> step(std::string_view what) override;
  void reset() override { clear_result(); }
  void clear() {
    clear_result();
    for (auto& p : params_) p = Param{};
    nul_ = false;
  }
  bool read_only() const override { return read_only_; }
  std::string text(int col) const override {
    if (!has(col)) return "";
    return std::string(PQgetvalue(res_, row_, col), PQgetlength(res_, row_, col));
  }
  std::int64_t integer(int col) const override {
    if (!has(col)) return 0;
    const char* v = PQgetvalue(res_, row_, col);
    if (PQftype(res_, col) == kBoolOid) return v[0] == 't' ? 1 : 0;
    return std::strtoll(v, nullptr, 10);
  }
  Bytes blob(int col) const override {
    if (!has(col)) return {};
    const char* v = PQgetvalue(res_, row_, col);
    int n = PQgetlength(res_, row_, col);
    if (PQftype(res_, col) == kByteaOid) return from_hex_bytea(v, n);
    return Bytes(v, v + n);
  }
  bool is_null(int col) const override { return !res_ || row_ < 0 || PQgetisnull(res_, row_, col); }
  const std::string& original() const { return original_; }

 private:
  struct Param {
    std::string value;
    unsigned type = 0;  // 0: let the server infer it from the statement
    int format = 0;     // 0 text, 1 binary
    bool null = true;
  };
  void set(int i, std::string v, unsigned type, int format) {
    if (i < 1 || i > static_cast<int>(params_.size())) return;
    params_[i - 1] = Param{std::move(v), type, format, false};
  }
  bool has(int col) const {
    return res_ && row_ >= 0 && row_ < rows_ && col < PQnfields(res_) && !PQgetisnull(res_, row_, col);
  }
  void clear_result();

  PgConn* conn_;
  std::string sql_, original_;
  std::vector<Param> params_;
  bool read_only_;
  bool control_;  // a transaction's own statement (SAVEPOINT, RELEASE ...): never under a statement savepoint
  PGresult* res_ = nullptr;
  bool executed_ = false;
  int row_ = -1, rows_ = 0;
  std::string cursor_;  // the open cursor of a scan in a read transaction, else empty
  bool nul_ = false;    // a text parameter held a NUL
};

class PgConn final : public Conn {
 public:
  PgConn(PGconn* c, std::string url) : c_(c), url_(std::move(url)) {}
  ~PgConn() override {
    kept_.clear();
    PQfinish(c_);
  }
  Dialect dialect() const override { return Dialect::Postgres; }
  const std::string& location() const override { return url_; }

  Result<void> exec(std::string_view sql, std::string_view what) override {
    if (auto r = usable(what); !r) return r;
    PGresult* res = PQexec(c_, std::string(sql).c_str());
    auto out = outcome(res, what);
    PQclear(res);
    if (!out) return std::unexpected(out.error());
    return {};
  }
  Result<std::unique_ptr<StmtImpl>> prepare(std::string_view sql) override {
    if (auto kept = kept_.take(sql)) return kept;
    int n = 0;
    std::string translated = dollar_params(sql, n);
    return std::unique_ptr<StmtImpl>(std::make_unique<PgStmt>(this, std::move(translated), std::string(sql), n));
  }
  void give_back(std::unique_ptr<StmtImpl> st) noexcept override {
    auto* s = static_cast<PgStmt*>(st.get());
    s->clear();
    kept_.keep(s->original(), std::move(st));
  }
  bool in_transaction() const override { return tx_open_; }
  std::int64_t changes() const override { return changes_; }
  std::int64_t total_changes() const override { return total_changes_; }
  std::int64_t data_version() override {
    auto v = query_int(this, "SELECT generation FROM coldvault_state WHERE id=1", "read the catalogue's generation");
    return v && *v ? **v : -1;
  }
  Result<void> begin_write() override {
    changes_at_begin_ = total_changes_;
    // The one moment a lost connection is simply reopened: nothing of this transaction exists yet. With a
    // multi-host URL and target_session_attrs=read-write, that finds the promoted standby after a failover.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms());
    for (;;) {
      auto r = exec("BEGIN", "begin transaction");
      if (r) break;
      if (PQstatus(c_) == CONNECTION_OK || std::chrono::steady_clock::now() > deadline)
        return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    tx_open_ = true;
    if (auto r = exec(kWritersLock, "take the writers' lock"); !r) {
      rollback();
      return r;
    }
    return {};
  }
  Result<void> begin_read() override {
    if (auto r = exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read transaction"); !r) return r;
    tx_open_ = true;
    read_tx_ = true;
    return {};
  }
  void end_read() noexcept override { rollback(); }
  // Inside a snapshot read (begin_read) a SELECT is read through a cursor, a batch at a time, so a whole-vault
  // scan does not hold every row in memory at once.
  bool streaming() const { return read_tx_; }
  std::string next_cursor() { return "cv_cursor_" + std::to_string(++cursors_); }
  Result<void> commit() override { return commit_counted(true); }
  Result<void> commit_audit_only() override {
    auto r = commit_counted(false);
    if (r) total_changes_ = changes_at_begin_;
    return r;
  }
  // Commits; `count` moves the generation every node's read caches follow (an audit-only write does not).
  Result<void> commit_counted(bool count) {
    Result<void> r;
    if (count) r = exec("UPDATE coldvault_state SET generation=generation+1 WHERE id=1", "count the commit");
    bool committing = false, lost = false;
    if (r) {
      committing = true;
      r = exec("COMMIT", "commit");
      lost = !r && (lost_ || PQstatus(c_) != CONNECTION_OK);
    }
    if (!r) {
      rollback();  // clears lost_: what it said is in `lost`
      if (committing && lost) {
        Error e = r.error();
        e.message = "catalogue: the connection to PostgreSQL was lost while committing, so this write may or may "
                    "not have been stored; look before retrying: " + e.native;
        return std::unexpected(e);
      }
      return r;
    }
    tx_open_ = false;
    return {};
  }
  void rollback() noexcept override {
    if (PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) != PQTRANS_IDLE) {
      PGresult* res = PQexec(c_, "ROLLBACK");
      PQclear(res);
    }
    tx_open_ = false;
    read_tx_ = false;
    lost_ = false;
  }
  // Every commit keeps the server's own synchronous_commit (with a synchronous standby: on the standby before
  // the answer), even a group of read audit records: the operator's durability is not coldvault's to relax.
  Result<void> set_durable(bool) override { return {}; }
  Result<int> schema_version() override {
    auto made = query_int(this, "SELECT CASE WHEN to_regclass('coldvault_schema') IS NULL THEN 0 ELSE 1 END",
                          "read the schema version");
    if (!made) return std::unexpected(made.error());
    if (made->value_or(0) == 0) return 0;
    auto v = query_int(this, "SELECT version FROM coldvault_schema WHERE id=1", "read the schema version");
    if (!v) return std::unexpected(v.error());
    return static_cast<int>(v->value_or(0));
  }
  Result<void> set_schema_version(int v) override {
    return exec("CREATE TABLE IF NOT EXISTS coldvault_schema(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER "
                "NOT NULL);"
                "CREATE TABLE IF NOT EXISTS coldvault_state(id INTEGER PRIMARY KEY CHECK (id = 1), generation BIGINT "
                "NOT NULL);"
                "INSERT INTO coldvault_state VALUES(1, 0) ON CONFLICT(id) DO NOTHING;"
                "INSERT INTO coldvault_schema VALUES(1, " + std::to_string(v) +
                    ") ON CONFLICT(id) DO UPDATE SET version=excluded.version;",
                "record the schema version");
  }
  std::string ddl(std::string_view sqlite_ddl) const override {
    // Row ids SQLite assigns (INTEGER PRIMARY KEY) become identity columns; integers are 64-bit, as SQLite's;
    // BLOB is bytea.
    // TEXT compares bytewise, as in SQLite, whatever the database's default collation: lists page in one order.
    static const std::regex rowid(R"(\b(id) INTEGER PRIMARY KEY\b)"), integer(R"(\bINTEGER\b)"),
        blob(R"(\bBLOB\b)"), text(R"(\bTEXT\b)");
    std::string s(sqlite_ddl);
    s = std::regex_replace(s, text, "TEXT COLLATE \"C\"");
    s = std::regex_replace(s, rowid, "$1 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    s = std::regex_replace(s, integer, "BIGINT");
    return std::regex_replace(s, blob, "BYTEA");
  }

  // Runs one statement for a PgStmt; the result (or the error) is the caller's.
  Result<PGresult*> run(const std::string& sql, int n, const char* const* values, const int* lengths,
                        const int* formats, const unsigned* types, std::string_view what, bool read_only,
                        bool control = false, bool keep = false) {
    if (auto r = usable(what); !r) return std::unexpected(r.error());
    // A failed statement aborts a PostgreSQL transaction, where SQLite undoes only the statement and lets the
    // transaction go on (the store relies on that: an INSERT that meets an existing row is a Conflict the
    // caller may pass over). A write inside a transaction therefore runs under a savepoint of its own.
    const bool guarded = tx_open_ && !read_only && !control;
    if (guarded)
      if (auto r = exec("SAVEPOINT cv_stmt", what); !r) return std::unexpected(r.error());
    for (int attempt = 0;; ++attempt) {
      // A statement the store runs again and again is parsed and planned once per session (`keep`).
      const std::string* name = keep ? prepared(sql, n, types) : nullptr;
      PGresult* res = name ? PQexecPrepared(c_, name->c_str(), n, values, lengths, formats, 0)
                           : PQexecParams(c_, sql.c_str(), n, types, values, lengths, formats, 0);
      auto ok = outcome(res, what);
      if (guarded) {
        if (ok) ok = exec("RELEASE SAVEPOINT cv_stmt", what);
        else if (!lost_) (void)exec("ROLLBACK TO SAVEPOINT cv_stmt; RELEASE SAVEPOINT cv_stmt", what);
      }
      if (ok) {
        if (!read_only) {
          const char* t = PQcmdTuples(res);
          changes_ = t && *t ? std::strtoll(t, nullptr, 10) : 0;
          total_changes_ += changes_;
        }
        return res;
      }
      PQclear(res);
      // A read outside a transaction is safe to repeat on a new connection (a failover in between).
      if (lost_ && !tx_open_ && read_only && attempt == 0) {
        lost_ = false;
        reset();
        if (PQstatus(c_) == CONNECTION_OK) continue;
      }
      return std::unexpected(ok.error());
    }
  }

 private:
  void reset() {
    PQreset(c_);
    prepared_.clear();  // a new session has none of the old one's prepared statements
  }
  // The name of `sql` prepared in this session, preparing it now if need be; nullptr when the server refused
  // (the statement then runs unprepared and reports the server's error itself).
  // Keyed by the SQL and its parameters' types (they are fixed when a statement is prepared).
  const std::string* prepared(const std::string& sql, int n, const unsigned* types) {
    std::string key = sql;
    for (int i = 0; i < n; ++i) key += '\x1f' + std::to_string(types[i]);
    if (auto it = prepared_.find(key); it != prepared_.end()) return &it->second;
    if (prepared_.size() >= 512) return nullptr;
    std::string name = "cv_s" + std::to_string(prepared_.size() + 1);
    PGresult* res = PQprepare(c_, name.c_str(), sql.c_str(), n, types);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) return nullptr;
    return &prepared_.emplace(std::move(key), std::move(name)).first->second;
  }
  // Before a statement: a connection lost outside a transaction is reopened; one lost inside a transaction
  // fails every statement until the transaction is rolled back, so no later write lands without the earlier.
  Result<void> usable(std::string_view what) {
    if (PQstatus(c_) == CONNECTION_OK) return {};
    if (tx_open_) {
      lost_ = true;
      return fail(Errc::StorageFailure, "catalogue: " + std::string(what) +
                                            " failed: the connection to PostgreSQL was lost during the transaction; "
                                            "nothing of it was stored");
    }
    reset();
    lost_ = false;
    if (PQstatus(c_) == CONNECTION_OK) return {};
    return fail(Errc::StorageFailure, "catalogue: cannot reach PostgreSQL (" + where() +
                                          "): " + trimmed(PQerrorMessage(c_)) +
                                          "; check that the server runs and accepts this user");
  }
  Result<void> outcome(PGresult* res, std::string_view what) {
    auto st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return {};
    std::string native = trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(c_));
    if (native.empty()) native = trimmed(PQerrorMessage(c_));
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    std::string msg = "catalogue: " + std::string(what) + " failed";
    Errc errc = Errc::StorageFailure;
    if (code.starts_with("23")) {
      errc = Errc::Conflict;
      msg = "catalogue: " + std::string(what) + ": already exists";
    } else if (code == "55P03") {
      msg += " (the catalogue at " + where() + " stayed locked by another writer for " +
             std::to_string(busy_timeout_ms()) + " ms: let it finish or stop it, then retry; nothing was changed)";
    } else if (code == "40001" || code == "40P01") {
      msg += " (a concurrent write conflicted with this one: retry; nothing was changed)";
    } else if (code == "53100") {
      msg += " (the disk of the PostgreSQL server at " + where() + " is full: free space and retry; nothing was changed)";
    } else if (code.starts_with("08") || code == "57P01" || PQstatus(c_) != CONNECTION_OK) {
      lost_ = true;
      msg += " (the connection to PostgreSQL at " + where() + " was lost)";
    }
    return std::unexpected(Error{errc, msg + ": " + native, native, {}, {}});
  }
  std::string where() const {
    std::string host = PQhost(c_) ? PQhost(c_) : "", port = PQport(c_) ? PQport(c_) : "",
                db = PQdb(c_) ? PQdb(c_) : "";
    return "host " + host + " port " + port + " database " + db;
  }
  static std::string trimmed(const char* s) {
    std::string out = s ? s : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    for (auto& ch : out)
      if (ch == '\n') ch = ' ';
    return out;
  }

  PGconn* c_;
  std::string url_;
  bool tx_open_ = false, read_tx_ = false, lost_ = false;
  std::uint64_t cursors_ = 0;
  std::int64_t changes_ = 0, total_changes_ = 0;
  std::int64_t changes_at_begin_ = 0;  // total_changes_ when the last write transaction began
  ReusableStatements kept_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> its prepared statement in this session
};

constexpr int kBatchRows = 256;

Result<bool> PgStmt::step(std::string_view what) {
  if (!executed_ && nul_)
    return fail(Errc::BadParameter, "a text value with a NUL character cannot be stored in the PostgreSQL catalogue");
  if (!executed_) {
    std::vector<const char*> values(params_.size());
    std::vector<int> lengths(params_.size()), formats(params_.size());
    std::vector<unsigned> types(params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) {
      values[i] = params_[i].null ? nullptr : params_[i].value.data();
      lengths[i] = static_cast<int>(params_[i].value.size());
      formats[i] = params_[i].format;
      types[i] = params_[i].type;
    }
    std::string sql = sql_;
    if (read_only_ && conn_->streaming()) {
      cursor_ = conn_->next_cursor();
      auto declared = conn_->run("DECLARE " + cursor_ + " NO SCROLL CURSOR FOR " + sql_,
                                 static_cast<int>(params_.size()), values.data(), lengths.data(), formats.data(),
                                 types.data(), what, true);
      if (!declared) {
        cursor_.clear();
        return std::unexpected(declared.error());
      }
      PQclear(*declared);
      sql = "FETCH " + std::to_string(kBatchRows) + " FROM " + cursor_;
      values.clear();
    }
    auto res = conn_->run(sql, static_cast<int>(values.size()), values.data(), lengths.data(), formats.data(),
                          types.data(), what, read_only_, control_, cursor_.empty() && !control_);
    if (!res) return std::unexpected(res.error());
    res_ = *res;
    executed_ = true;
    rows_ = PQntuples(res_);
    row_ = -1;
  }
  if (++row_ < rows_) return true;
  if (cursor_.empty() || rows_ < kBatchRows) return false;
  // The batch is used up and was full: the next one.
  auto res = conn_->run("FETCH " + std::to_string(kBatchRows) + " FROM " + cursor_, 0, nullptr, nullptr, nullptr,
                        nullptr, what, true);
  if (!res) return std::unexpected(res.error());
  PQclear(res_);
  res_ = *res;
  rows_ = PQntuples(res_);
  row_ = 0;
  return row_ < rows_;
}

void PgStmt::clear_result() {
  if (res_) PQclear(res_);
  res_ = nullptr;
  executed_ = false;
  row_ = -1;
  rows_ = 0;
  if (!cursor_.empty() && conn_->streaming()) (void)conn_->exec("CLOSE " + cursor_, "close cursor");
  cursor_.clear();
}

}  // namespace

Result<std::unique_ptr<Conn>> open_postgres(const std::string& url) {
  // Secrets never travel in the URL: it is stored in the home and shown in errors (docs/deployment.md). libpq's
  // own parse errors quote the URL, so they are not repeated.
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    PQfreemem(err);
    return fail(Errc::BadParameter, "catalogue URL is not a valid PostgreSQL connection URL (libpq cannot parse "
                                    "it): write it as postgresql://user@host:port/database?parameter=value");
  }
  bool secret = false;
  std::string url_options;
  for (auto* o = opts; o->keyword; ++o) {
    bool set = o->val && *o->val;
    if (set && (std::strcmp(o->keyword, "password") == 0 || std::strcmp(o->keyword, "sslpassword") == 0))
      secret = true;
    if (set && std::strcmp(o->keyword, "options") == 0) url_options = o->val;
  }
  PQconninfoFree(opts);
  if (secret)
    return fail(Errc::BadParameter,
                "catalogue URL carries a password: coldvault stores the URL in the home and may print it, so give "
                "the password through ~/.pgpass or PGPASSFILE (or use peer or certificate authentication) and "
                "remove it from the URL");
  // The same waits as SQLite's busy timeout and quiet notices (CREATE TABLE IF NOT EXISTS ... skipping), set as
  // connection options so that a reconnection (PQreset) keeps them, after the URL's own options. Timeouts so a
  // silent primary is given up on: defaults before the URL, which may set its own.
  std::string options = url_options + (url_options.empty() ? "" : " ") + "-c lock_timeout=" +
                        std::to_string(busy_timeout_ms()) + " -c client_min_messages=warning -c bytea_output=hex";
  const char* keys[] = {"application_name", "connect_timeout", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout", "dbname", "options", nullptr};
  const char* vals[] = {"coldvault", "10", "30", "10", "3", "60000", url.c_str(), options.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, vals, 1);
  if (PQstatus(c) != CONNECTION_OK) {
    std::string why = c ? PQerrorMessage(c) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(c);
    return fail(Errc::StorageFailure, "catalogue: cannot connect to PostgreSQL: " + why +
                                          "; check that the server runs, the database exists and this user may "
                                          "log in");
  }
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // notices are not coldvault's output
  return std::unique_ptr<Conn>(std::make_unique<PgConn>(c, url));
}

}  // namespace cv::store
