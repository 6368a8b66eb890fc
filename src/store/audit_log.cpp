// The audit log's tables (schema step 6) and the per-thread scope that writes them (docs/audit.md).
#include "coldvault/audit_log.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "coldvault/time_text.hpp"
#include "store/catalog_impl.hpp"

namespace cv::store {
namespace {

thread_local AuditScope* t_scope = nullptr;

constexpr std::size_t kMaxField = 256;

// At most kMaxField bytes, never cutting a UTF-8 sequence.
std::string cut(const std::string& s) {
  if (s.size() <= kMaxField) return s;
  std::size_t n = kMaxField;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

Bytes frontier_bytes(const std::vector<merkle::Hash>& f) {
  Bytes out;
  for (const auto& h : f) out.insert(out.end(), h.begin(), h.end());
  return out;
}

Result<std::vector<merkle::Hash>> frontier_from(const Bytes& b, std::uint64_t size) {
  if (b.size() % 32 != 0) return fail(Errc::Corruption, "the audit log's frontier is not a list of hashes");
  std::vector<merkle::Hash> out(b.size() / 32);
  for (std::size_t i = 0; i < out.size(); ++i) std::copy(b.begin() + 32 * i, b.begin() + 32 * i + 32, out[i].begin());
  if (auto f = merkle::Frontier::of(size, out); !f)
    return fail(Errc::Corruption, "the audit log's frontier does not fit its size: " + f.error().message);
  return out;
}

Result<AuditState> read_state(Conn* db) {
  auto st = Stmt::prepare(db, "SELECT size, frontier, origin, cert FROM audit_state WHERE id=1");
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  AuditState s;
  if (!*row) return s;  // no record yet
  s.size = static_cast<std::uint64_t>(st->integer(0));
  auto f = frontier_from(st->blob(1), s.size);
  if (!f) return std::unexpected(f.error());
  s.frontier = std::move(*f);
  s.origin = st->opt_text(2).value_or("");
  s.cert_pem = st->opt_text(3).value_or("");
  return s;
}

merkle::Hash hash_of(const Bytes& b) {
  merkle::Hash h{};
  if (b.size() == 32) std::copy(b.begin(), b.end(), h.begin());
  return h;
}

}  // namespace

std::string audit_line(const AuditRecord& r, std::uint64_t seq) {
  nlohmann::json j = nlohmann::json::object();
  j["v"] = 1;
  j["seq"] = seq;
  j["time"] = utc_iso8601(r.time);
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = cut(v);
  };
  put("via", r.via);
  put("operation", r.operation);
  put("outcome", r.outcome);
  put("requestId", r.request_id);
  put("clientRequestId", r.client_request_id);
  put("actor", r.actor);
  put("client", r.client);
  put("apiVersion", r.api_version);
  put("vault", r.vault);
  put("type", r.type);
  put("name", r.name);
  put("version", r.version);
  if (r.status) j["status"] = *r.status;
  put("error", r.error);
  put("sha256", r.sha256);
  // Sorted keys (std::map), no whitespace, UTF-8 as is, a bad byte replaced by U+FFFD instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::uint64_t> audit_append_in(Conn* db, const AuditRecord& r) {
  auto s = read_state(db);
  if (!s) return std::unexpected(s.error());
  auto f = merkle::Frontier::of(s->size, s->frontier);
  if (!f) return std::unexpected(f.error());
  const std::uint64_t seq = s->size;
  std::string line = audit_line(r, seq);
  merkle::Hash leaf = merkle::leaf_hash(as_bytes(line));
  f->append(leaf);
  auto ins = Stmt::prepare(db, "INSERT INTO audit_records(seq, record, leaf) VALUES(?,?,?)");
  if (!ins) return std::unexpected(ins.error());
  ins->bind(1, static_cast<std::int64_t>(seq)).bind(2, line).bind(3, ByteView(leaf.data(), leaf.size()));
  CV_TRY(ins->run());
  auto up = Stmt::prepare(db,
                          "INSERT INTO audit_state(id, size, frontier) VALUES(1,?,?)"
                          " ON CONFLICT(id) DO UPDATE SET size=excluded.size, frontier=excluded.frontier");
  if (!up) return std::unexpected(up.error());
  up->bind(1, static_cast<std::int64_t>(f->size())).bind(2, ByteView(frontier_bytes(f->hashes())));
  CV_TRY(up->run());
  return seq;
}

Result<std::uint64_t> audit_append(Catalog& c, const AuditRecord& r) {
  Conn* db = CatalogAccess::db(c);
  if (db->in_transaction()) return audit_append_in(db, r);
  std::uint64_t seq = 0;
  // A record of its own (a read, a refusal) is committed before the answer leaves; it reaches the disk with
  // the next flushed commit or checkpoint (docs/audit.md §2).
  auto done = CatalogAccess::committer(c).run(
      db,
      [&](Conn* leader) -> Result<void> {
        auto s = audit_append_in(leader, r);
        if (!s) return std::unexpected(s.error());
        seq = *s;
        return {};
      },
      GroupCommitter::WriteKind::AuditRecord);
  if (!done) return std::unexpected(done.error());
  return seq;
}

Result<AuditState> audit_state(Catalog& c) { return read_state(CatalogAccess::db(c)); }

Result<std::vector<AuditEntry>> audit_entries(Catalog& c, std::uint64_t from, std::uint64_t to) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "SELECT seq, record, leaf FROM audit_records WHERE seq>=? AND seq<? ORDER BY seq");
  if (!st) return std::unexpected(st.error());
  st->bind(1, static_cast<std::int64_t>(from)).bind(2, static_cast<std::int64_t>(to));
  std::vector<AuditEntry> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({static_cast<std::uint64_t>(st->integer(0)), st->text(1), hash_of(st->blob(2))});
  }
  return out;
}

Result<std::vector<merkle::Hash>> audit_leaves(Catalog& c, std::uint64_t to) { return audit_leaves(c, 0, to); }

Result<std::vector<merkle::Hash>> audit_leaves(Catalog& c, std::uint64_t from, std::uint64_t to) {
  if (from > to) return fail(Errc::Corruption, "the audit log holds fewer records than a checkpoint signed over it");
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "SELECT seq, record FROM audit_records WHERE seq>=? AND seq<? ORDER BY seq");
  if (!st) return std::unexpected(st.error());
  st->bind(1, static_cast<std::int64_t>(from)).bind(2, static_cast<std::int64_t>(to));
  std::vector<merkle::Hash> out;
  out.reserve(static_cast<std::size_t>(to - from));
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    if (static_cast<std::uint64_t>(st->integer(0)) != from + out.size())
      return fail(Errc::Corruption, "the audit log has no record " + std::to_string(from + out.size()) +
                                        " (removed from the catalogue)");
    std::string line = st->text(1);
    out.push_back(merkle::leaf_hash(as_bytes(line)));
  }
  if (out.size() != to - from)
    return fail(Errc::Corruption, "the audit log holds " + std::to_string(from + out.size()) + " records, not " +
                                      std::to_string(to));
  // Two range lookups on the rowid (an OR of the two ranges would scan the whole table).
  auto extra = Stmt::prepare(CatalogAccess::db(c),
                             "SELECT coalesce((SELECT min(seq) FROM audit_records WHERE seq>=?),"
                             " (SELECT max(seq) FROM audit_records WHERE seq<0))");
  if (!extra) return std::unexpected(extra.error());
  extra->bind(1, static_cast<std::int64_t>(to));
  if (auto row = extra->step(); !row) return std::unexpected(row.error());
  if (!extra->is_null(0))
    if (auto st = read_state(CatalogAccess::db(c)); st && st->size == to)
      return fail(Errc::Corruption, "the audit log holds record " + std::to_string(extra->integer(0)) +
                                        " beyond its tree of " + std::to_string(to) + " (inserted in the catalogue)");
  return out;
}

Result<void> audit_set_key(Catalog& c, const std::string& origin, const std::string& cert_pem) {
  Conn* db = CatalogAccess::db(c);
  auto st = Stmt::prepare(db,
                          "INSERT INTO audit_state(id, size, frontier, origin, cert) VALUES(1,0,?,?,?)"
                          " ON CONFLICT(id) DO UPDATE SET origin=excluded.origin, cert=excluded.cert");
  if (!st) return std::unexpected(st.error());
  st->bind(1, ByteView{}).bind(2, origin).bind(3, cert_pem);  // an empty frontier: x'' is no blob in PostgreSQL
  return st->run();
}

Result<void> audit_add_checkpoint(Catalog& c, const AuditCheckpoint& cp) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "INSERT INTO audit_checkpoints(size, root, note, time, frontier) VALUES(?,?,?,?,?)"
                          " ON CONFLICT(size) DO NOTHING");
  if (!st) return std::unexpected(st.error());
  st->bind(1, static_cast<std::int64_t>(cp.size)).bind(2, ByteView(cp.root.data(), cp.root.size()));
  st->bind(3, cp.note).bind(4, cp.time);
  if (cp.frontier) {
    Bytes f = frontier_bytes(*cp.frontier);
    st->bind(5, ByteView(f));
  } else {
    st->bind_null(5);
  }
  return st->run();
}

Result<std::optional<AuditCheckpoint>> audit_last_checkpoint(Catalog& c) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "SELECT size, root, note, time, frontier FROM audit_checkpoints ORDER BY size DESC LIMIT 1");
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<AuditCheckpoint>();
  AuditCheckpoint cp{static_cast<std::uint64_t>(st->integer(0)), hash_of(st->blob(1)), st->text(2), st->integer(3), {}};
  // A frontier that does not fit its size is treated as absent: the checkpoint then gets the whole recheck,
  // which does not need it (docs/audit.md §3), instead of every checkpoint failing on it.
  if (!st->is_null(4))
    if (auto f = frontier_from(st->blob(4), cp.size)) cp.frontier = std::move(*f);
  return std::optional<AuditCheckpoint>(std::move(cp));
}

Result<std::vector<AuditCheckpoint>> audit_checkpoints(Catalog& c) {
  auto st = Stmt::prepare(CatalogAccess::db(c), "SELECT size, root, note, time FROM audit_checkpoints ORDER BY size");
  if (!st) return std::unexpected(st.error());
  std::vector<AuditCheckpoint> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({static_cast<std::uint64_t>(st->integer(0)), hash_of(st->blob(1)), st->text(2), st->integer(3), {}});
  }
  return out;
}

AuditScope::AuditScope(AuditRecord r, std::string db_path)
    : r_(std::move(r)), db_path_(std::move(db_path)), prev_(t_scope), active_(true) {
  t_scope = this;
}

AuditScope::~AuditScope() {
  if (t_scope == this) t_scope = prev_;
}

AuditScope* AuditScope::current() { return t_scope; }

AuditScope::Pause::Pause() : saved_(t_scope) { t_scope = nullptr; }
AuditScope::Pause::~Pause() { t_scope = saved_; }

Result<void> AuditScope::on_commit(Conn* db) {
  AuditRecord r = r_;
  r.outcome = "success";
  r.status.reset();
  r.error.clear();
  auto s = audit_append_in(db, r);
  if (!s) return fail(Errc::StorageFailure, "the audit record of this change could not be written, so the change was "
                                            "not made: " + s.error().message);
  recorded_ = true;
  return {};
}

Result<void> AuditScope::finish(int status, const std::string& error_code) {
  if (finished_) return {};
  finished_ = true;
  const bool ok = error_code.empty();
  if (ok && recorded_) return {};  // the change and its record committed together
  r_.outcome = ok ? "success" : "refused";
  r_.status = status;
  r_.error = error_code;
  AuditScope::Pause pause;  // the final record's own commit is not another change of this operation
  Result<std::uint64_t> s = fail(Errc::Internal, "no catalogue");
  if (cat_) {
    s = audit_append(*cat_, r_);
  } else if (is_postgres_url(db_path_)) {
    // A PostgreSQL catalogue is no file: it is always there to record into. One connection per process for
    // these records (a flood of refused requests must not open a server connection each); one that failed is
    // not kept.
    // Never destroyed: a static Catalog would be closed at exit after statics it needs are gone.
    static std::mutex kept_mu;
    static auto* kept = new std::map<std::string, std::unique_ptr<Catalog>>;
    std::lock_guard lock(kept_mu);
    auto& c = (*kept)[db_path_];
    if (!c) {
      auto opened = Catalog::open(db_path_);
      if (!opened) return std::unexpected(opened.error());
      c = std::make_unique<Catalog>(std::move(*opened));
    }
    s = audit_append(*c, r_);
    if (!s) c.reset();
  } else {
    std::error_code ec;
    // No home: nothing to record into.
    if (db_path_.empty() || !std::filesystem::exists(db_path_, ec)) return {};
    auto c = Catalog::open(db_path_);
    if (!c) return std::unexpected(c.error());
    s = audit_append(*c, r_);
  }
  if (!s) return fail(Errc::StorageFailure, "the audit record could not be written: " + s.error().message);
  return {};
}

}  // namespace cv::store
