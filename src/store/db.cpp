// The backend-neutral half of src/store/db.hpp: statements, transactions and the writer turn over a Conn.
#include "store/db.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "coldvault/audit_log.hpp"
#include "coldvault/catalog.hpp"

namespace cv::store {

namespace {
std::atomic<int> g_busy_timeout_ms{30000};
}  // namespace

int busy_timeout_ms() { return g_busy_timeout_ms.load(); }
void set_busy_timeout_ms(int ms) { g_busy_timeout_ms.store(ms); }

bool is_postgres_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<Db> Db::open(const std::string& location) {
  auto c = is_postgres_url(location) ? open_postgres(location) : open_sqlite(location);
  if (!c) return std::unexpected(c.error());
  return Db(std::move(*c));
}

Result<std::optional<std::int64_t>> query_int(Conn* db, std::string_view sql, std::string_view what) {
  auto st = db->prepare(sql);
  if (!st) return std::unexpected(st.error());
  auto row = (*st)->step(what);
  std::optional<std::int64_t> v;
  if (row && *row) v = (*st)->integer(0);
  db->give_back(std::move(*st));
  if (!row) return std::unexpected(row.error());
  return v;
}

std::unique_ptr<StmtImpl> ReusableStatements::take(std::string_view sql) {
  auto it = kept_.find(std::string(sql));
  if (it == kept_.end()) return nullptr;
  auto st = std::move(it->second);
  kept_.erase(it);
  return st;
}

void ReusableStatements::keep(std::string sql, std::unique_ptr<StmtImpl> st) noexcept {
  if (kept_.size() >= kMax) return;  // st is finalized by its destructor
  try {
    kept_.emplace(std::move(sql), std::move(st));
  } catch (...) {  // out of memory: the statement is simply not kept
  }
}

Stmt::~Stmt() {
  if (impl_) db_->give_back(std::move(impl_));
}

Result<Stmt> Stmt::prepare(Conn* db, std::string_view sql) {
  auto st = db->prepare(sql);
  if (!st) return std::unexpected(st.error());
  return Stmt(db, std::move(*st));
}

Result<void> Stmt::execute(Conn* db, std::string_view sql, std::string_view what) {
  auto st = prepare(db, sql);
  if (!st) return std::unexpected(st.error());
  if (auto r = st->impl_->step(what); !r) return std::unexpected(r.error());
  return {};
}

Result<void> Stmt::step_to_end() {
  for (;;) {
    auto r = step();
    if (!r) return std::unexpected(r.error());
    if (!*r) break;
  }
  changed_ = db_->changes();
  return {};
}

Result<void> Stmt::run() {
  changed_ = 0;
  // A write outside any transaction becomes a transaction of its own when an operation is being audited, so
  // that its record commits with it (docs/audit.md §2), and always on PostgreSQL, so that it takes the
  // writers' lock like every other write (ADR 0023).
  if (!impl_->read_only() && !db_->in_transaction() &&
      (AuditScope::current() || db_->dialect() == Dialect::Postgres)) {
    auto tx = Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    if (auto r = step_to_end(); !r) return r;
    return tx->commit();
  }
  return step_to_end();
}

struct WriterTurn::Gate {
  std::timed_mutex mu;
  std::atomic<std::thread::id> owner{};
};

WriterTurn WriterTurn::take(Conn* db) {
  const std::string& where = db->location();
  if (where.empty()) return {};
  Gate* gate = nullptr;
  {
    static std::mutex registry_mu;
    static auto* gates = new std::unordered_map<std::string, std::unique_ptr<Gate>>;  // never destroyed
    std::lock_guard lock(registry_mu);
    auto& g = (*gates)[where];
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

Result<Transaction> Transaction::begin(Conn* db) {
  // Inside a Catalog::Batch the connection is already in a transaction: nest as a savepoint, so this
  // write's own failure undoes only itself and the batch decides about the rest.
  bool nested = db->in_transaction();
  WriterTurn turn = nested ? WriterTurn() : WriterTurn::take(db);
  auto r = nested ? Stmt::execute(db, "SAVEPOINT cv_tx", "begin transaction") : db->begin_write();
  if (!r) return std::unexpected(r.error());
  return Transaction(db, nested, std::move(turn));
}

Transaction::~Transaction() {
  if (!db_) return;
  if (nested_) (void)db_->exec("ROLLBACK TO cv_tx; RELEASE cv_tx", "rollback to savepoint");
  else db_->rollback();
  // turn_ is given back after the ROLLBACK (member destroyed after this body)
}

Result<void> Transaction::commit() {
  // The operation's audit record joins its outermost commit (docs/audit.md §2): no record, no change.
  if (!nested_)
    if (auto* scope = AuditScope::current())
      if (auto r = scope->on_commit(db_); !r) return r;
  if (auto r = nested_ ? Stmt::execute(db_, "RELEASE cv_tx", "commit") : db_->commit(); !r)
    return std::unexpected(r.error());
  db_ = nullptr;
  turn_.release();
  return {};
}

}  // namespace cv::store
