// Catalogue: objects and their versions. Every multi-row write is one transaction.
#include <nlohmann/json.hpp>

#include "store/catalog_impl.hpp"

namespace cv::store {
namespace {

std::string tags_to_json(const Tags& t) { return nlohmann::json(t).dump(); }
Tags tags_from_json(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  Tags t;
  if (j.is_object())
    for (auto& [k, v] : j.items())
      if (v.is_string()) t[k] = v.get<std::string>();
  return t;
}

constexpr const char* kVersionCols =
    "SELECT v.version, v.seq, v.content_type, v.tags, v.enabled, v.nbf, v.exp, v.created, v.updated,"
    " v.iv, v.ciphertext, v.meta FROM versions v";

VersionRow read_version(const Stmt& st, int c = 0) {
  VersionRow v;
  v.version = st.text(c + 0);
  v.seq = st.integer(c + 1);
  v.content_type = st.opt_text(c + 2);
  v.tags = tags_from_json(st.text(c + 3));
  v.enabled = st.integer(c + 4) != 0;
  v.nbf = st.opt_int(c + 5);
  v.exp = st.opt_int(c + 6);
  v.created = st.integer(c + 7);
  v.updated = st.integer(c + 8);
  v.iv = st.blob(c + 9);
  v.ciphertext = st.blob(c + 10);
  v.meta_json = st.text(c + 11);
  return v;
}

struct ObjectKey {
  std::int64_t id;
  ObjectRow row;
  std::int64_t next_seq;
};

Result<std::optional<ObjectKey>> find_object(Conn* db, const std::string& vault, ObjType t,
                                             const std::string& name) {
  auto st = Stmt::prepare(db,
                          "SELECT id, name, current_version, deleted_date, scheduled_purge, next_seq"
                          " FROM objects WHERE vault=? AND type=? AND name_key=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault)).bind(2, obj_type_name(t)).bind(3, name_key(name));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<ObjectKey>{};
  ObjectKey k{st->integer(0), ObjectRow{st->text(1), st->text(2), st->opt_int(3), st->opt_int(4)},
              st->integer(5)};
  return std::optional<ObjectKey>{k};
}

Result<void> insert_version(Conn* db, std::int64_t object_id, std::int64_t seq, const VersionRow& v) {
  auto st = Stmt::prepare(db,
                          "INSERT INTO versions(object_id, version, seq, content_type, tags, enabled, nbf,"
                          " exp, created, updated, iv, ciphertext, meta) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, object_id).bind(2, v.version).bind(3, seq).bind(4, v.content_type);
  st->bind(5, tags_to_json(v.tags)).bind(6, std::int64_t{v.enabled}).bind(7, v.nbf).bind(8, v.exp);
  st->bind(9, v.created).bind(10, v.updated).bind(11, ByteView(v.iv)).bind(12, ByteView(v.ciphertext));
  st->bind(13, v.meta_json);
  return st->run();
}

Error not_found(ObjType t, const std::string& name) {
  return Error{Errc::NotFound, std::string(obj_type_name(t)) + " '" + name + "' was not found", {}, {}, {}};
}

}  // namespace

Result<void> Catalog::add_version(const std::string& vault, ObjType t, const std::string& name,
                                  const VersionRow& v) {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  std::int64_t id = 0, seq = 1;
  if (*obj) {
    if ((*obj)->row.deleted_date)
      return fail_kv(Errc::Conflict, "deleted but recoverable", "Conflict", "ObjectIsDeletedButRecoverable");
    id = (*obj)->id;
    seq = (*obj)->next_seq;
    auto st = Stmt::prepare(db, "UPDATE objects SET current_version=?, next_seq=? WHERE id=?");
    if (!st) return std::unexpected(st.error());
    st->bind(1, v.version).bind(2, seq + 1).bind(3, id);
    CV_TRY(st->run());
  } else {
    auto st = Stmt::prepare(db,
                            "INSERT INTO objects(vault, type, name_key, name, current_version, next_seq)"
                            " VALUES(?,?,?,?,?,2) RETURNING id");
    if (!st) return std::unexpected(st.error());
    st->bind(1, name_key(vault)).bind(2, obj_type_name(t)).bind(3, name_key(name)).bind(4, name);
    st->bind(5, v.version);
    auto inserted = st->step();
    if (!inserted) return std::unexpected(inserted.error());
    id = st->integer(0);
    CV_TRY(st->run());
  }
  auto row = impl_->sealed(vault, t, name, v);
  if (!row) return std::unexpected(row.error());
  CV_TRY(insert_version(db, id, seq, *row));
  return tx->commit();
}

Result<void> Catalog::insert_object(const std::string& vault, ObjType t, const std::string& name,
                                    const std::string& current_version,
                                    const std::vector<VersionRow>& versions) {
  return insert_object(vault, t, ObjectRow{name, current_version, std::nullopt, std::nullopt}, versions);
}

Result<void> Catalog::insert_object(const std::string& vault, ObjType t, const ObjectRow& object,
                                    const std::vector<VersionRow>& versions) {
  const std::string& name = object.name;
  const std::string& current_version = object.current_version;
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (*obj) return fail(Errc::Conflict, std::string(obj_type_name(t)) + " '" + name + "' already exists");
  auto st = Stmt::prepare(db,
                          "INSERT INTO objects(vault, type, name_key, name, current_version, next_seq,"
                          " deleted_date, scheduled_purge) VALUES(?,?,?,?,?,?,?,?) RETURNING id");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault)).bind(2, obj_type_name(t)).bind(3, name_key(name)).bind(4, name);
  st->bind(5, current_version).bind(6, static_cast<std::int64_t>(versions.size() + 1));
  st->bind(7, object.deleted_date).bind(8, object.scheduled_purge);
  auto inserted = st->step();
  if (!inserted) return std::unexpected(inserted.error());
  std::int64_t id = st->integer(0);
  CV_TRY(st->run());
  std::int64_t seq = 1;
  for (const auto& v : versions) {
    auto row = impl_->sealed(vault, t, name, v);
    if (!row) return std::unexpected(row.error());
    CV_TRY(insert_version(db, id, seq++, *row));
  }
  return tx->commit();
}

namespace {
// Ends a read transaction on every path (a scan leaves nothing open on the connection).
struct ReadTx {
  Conn* db;
  ~ReadTx() { db->end_read(); }
};

std::optional<ObjType> type_from(const std::string& s) {
  if (s == "secret") return ObjType::Secret;
  if (s == "key") return ObjType::Key;
  if (s == "certificate") return ObjType::Certificate;
  return std::nullopt;
}
}  // namespace

Result<void> Catalog::scan_vault(const std::string& vault,
                                 const std::function<Result<void>(const VaultCounts&)>& counts,
                                 const std::function<Result<void>(ScannedObject&)>& each) {
  Conn* db = impl_->db.get();
  if (db->in_transaction())
    return fail(Errc::BadParameter, "a vault scan cannot run inside a write transaction");
  CV_TRY(db->begin_read());
  ReadTx end{db};
  // The first read fixes the snapshot (WAL): counts and rows below come from the same instant.
  VaultCounts c;
  {
    auto st = Stmt::prepare(db,
                            "SELECT o.type, COUNT(DISTINCT o.id), COUNT(*),"
                            " COUNT(DISTINCT CASE WHEN o.deleted_date IS NOT NULL THEN o.id END)"
                            " FROM objects o JOIN versions v ON v.object_id=o.id WHERE o.vault=? GROUP BY o.type");
    if (!st) return std::unexpected(st.error());
    st->bind(1, name_key(vault));
    for (;;) {
      auto row = st->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      auto t = type_from(st->text(0));
      if (!t) return fail(Errc::Corruption, "catalogue object of unknown type '" + st->text(0) + "'");
      (*t == ObjType::Secret ? c.secrets : *t == ObjType::Key ? c.keys : c.certificates) = st->integer(1);
      c.versions += st->integer(2);
      c.deleted += st->integer(3);
    }
  }
  CV_TRY(counts(c));
  auto st = Stmt::prepare(db, "SELECT o.id, o.type, o.name, o.current_version, o.deleted_date, o.scheduled_purge,"
                              " v.version, v.seq, v.content_type, v.tags, v.enabled, v.nbf, v.exp, v.created,"
                              " v.updated, v.iv, v.ciphertext, v.meta FROM objects o"
                              " JOIN versions v ON v.object_id=o.id WHERE o.vault=?"
                              " ORDER BY o.type, o.name_key, v.seq");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault));
  ScannedObject cur;
  std::int64_t cur_id = -1;
  auto flush = [&]() -> Result<void> {
    if (cur_id < 0) return {};
    auto r = each(cur);
    cur = ScannedObject{};
    return r;
  };
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    std::int64_t id = st->integer(0);
    if (id != cur_id) {
      CV_TRY(flush());
      cur_id = id;
      auto t = type_from(st->text(1));
      if (!t) return fail(Errc::Corruption, "catalogue object of unknown type '" + st->text(1) + "'");
      cur.type = *t;
      cur.object = ObjectRow{st->text(2), st->text(3), st->opt_int(4), st->opt_int(5)};
    }
    cur.versions.push_back(read_version(*st, 6));
    CV_TRY(impl_->checked(vault, cur.type, cur.object.name, cur.versions.back()));
  }
  CV_TRY(flush());
  return {};
}

namespace {
std::string row_key(const std::string& vault, ObjType t, const std::string& name, const std::string& version) {
  std::string k = name_key(vault);
  k += '\0';
  k += obj_type_name(t);
  k += '\0';
  k += name_key(name);
  k += '\0';
  k += name_key(version);
  return k;
}
template <class Map, class Row>
void keep(Map& m, std::string key, const Row& row) {
  if (m.size() >= RowCache::kMaxRows) m.clear();
  m.insert_or_assign(std::move(key), row);
}
}  // namespace

Result<ObjectRow> Catalog::object(const std::string& vault, ObjType t, const std::string& name) {
  bool cache = impl_->rows_usable(impl_->read_data_version());
  std::string key = cache ? row_key(vault, t, name, {}) : std::string();
  if (cache)
    if (auto it = impl_->rows.objects.find(key); it != impl_->rows.objects.end()) return it->second;
  auto obj = find_object(impl_->db.get(), vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (!*obj) return std::unexpected(not_found(t, name));
  if (cache) keep(impl_->rows.objects, std::move(key), (*obj)->row);
  return (*obj)->row;
}

Result<ObjectVersion> Catalog::object_version(const std::string& vault, ObjType t, const std::string& name,
                                              const std::string& version) {
  return object_version(vault, t, name, version, impl_->read_data_version());
}

Result<ObjectVersion> Catalog::object_version(const std::string& vault, ObjType t, const std::string& name,
                                              const std::string& version, std::int64_t data_version) {
  bool cache = impl_->rows_usable(data_version);
  std::string key = cache ? row_key(vault, t, name, version) : std::string();
  if (cache)
    if (auto it = impl_->rows.versions.find(key); it != impl_->rows.versions.end()) return it->second;
  Conn* db = impl_->db.get();
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (!*obj) return std::unexpected(not_found(t, name));
  auto st = Stmt::prepare(db, std::string(kVersionCols) + " WHERE v.object_id=? AND v.version=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, (*obj)->id).bind(2, version.empty() ? (*obj)->row.current_version : name_key(version));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(not_found(t, name + "/" + version));
  ObjectVersion found{(*obj)->row, read_version(*st)};
  CV_TRY(impl_->checked(vault, t, found.object.name, found.version));
  if (cache) keep(impl_->rows.versions, std::move(key), found);
  return found;
}

Result<VersionRow> Catalog::version(const std::string& vault, ObjType t, const std::string& name,
                                    const std::string& version) {
  auto found = object_version(vault, t, name, version);
  if (!found) return std::unexpected(found.error());
  return std::move(found->version);
}

Result<std::vector<ListedObject>> Catalog::list(const std::string& vault, ObjType t, bool deleted,
                                                const std::string& after, std::size_t limit) {
  auto st = Stmt::prepare(
      impl_->db.get(),
      std::string("SELECT o.name, o.current_version, o.deleted_date, o.scheduled_purge,") +
          " v.version, v.seq, v.content_type, v.tags, v.enabled, v.nbf, v.exp, v.created, v.updated,"
          " v.iv, v.ciphertext, v.meta FROM objects o JOIN versions v"
          " ON v.object_id=o.id AND v.version=o.current_version"
          " WHERE o.vault=? AND o.type=? AND (CASE WHEN o.deleted_date IS NULL THEN 0 ELSE 1 END)=? AND o.name_key>?"
          " ORDER BY o.name_key LIMIT ?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault)).bind(2, obj_type_name(t)).bind(3, std::int64_t{deleted});
  st->bind(4, name_key(after)).bind(5, sql_limit(limit));
  std::vector<ListedObject> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    ListedObject o{ObjectRow{st->text(0), st->text(1), st->opt_int(2), st->opt_int(3)}, read_version(*st, 4)};
    CV_TRY(impl_->checked(vault, t, o.object.name, o.current));
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::vector<VersionRow>> Catalog::versions(const std::string& vault, ObjType t,
                                                  const std::string& name, const std::string& after,
                                                  std::size_t limit) {
  Conn* db = impl_->db.get();
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (!*obj || (*obj)->row.deleted_date) return std::unexpected(not_found(t, name));
  // After the seq of version `after`; empty: from the first; an id that is not the object's: none.
  auto st = Stmt::prepare(db, std::string(kVersionCols) +
                                  " WHERE v.object_id=?1 AND v.seq > COALESCE((SELECT seq FROM versions"
                                  " WHERE object_id=?1 AND version=?2), CASE WHEN ?2='' THEN -1"
                                  " ELSE 9223372036854775807 END) ORDER BY v.seq LIMIT ?3");
  if (!st) return std::unexpected(st.error());
  st->bind(1, (*obj)->id).bind(2, name_key(after)).bind(3, sql_limit(limit));
  std::vector<VersionRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_version(*st));
    CV_TRY(impl_->checked(vault, t, (*obj)->row.name, out.back()));
  }
  return out;
}

Result<void> Catalog::update_version(const std::string& vault, ObjType t, const std::string& name,
                                     const VersionRow& v) {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (!*obj || (*obj)->row.deleted_date) return std::unexpected(not_found(t, name));
  // A guarded row is checked as stored before it changes, then sealed again with its stored material: an
  // update never launders a row edited in the file.
  VersionRow next = v;
  if (impl_->guarded(t)) {
    auto sel = Stmt::prepare(db, std::string(kVersionCols) + " WHERE v.object_id=? AND v.version=?");
    if (!sel) return std::unexpected(sel.error());
    sel->bind(1, (*obj)->id).bind(2, name_key(v.version));
    auto row = sel->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::unexpected(not_found(t, name + "/" + v.version));
    VersionRow stored = read_version(*sel);
    CV_TRY(impl_->checked(vault, t, (*obj)->row.name, stored));
    next.ciphertext = std::move(stored.ciphertext);
    auto sealed = impl_->sealed(vault, t, (*obj)->row.name, next);
    if (!sealed) return std::unexpected(sealed.error());
    next = std::move(*sealed);
  }
  auto st = Stmt::prepare(db,
                          "UPDATE versions SET content_type=?, tags=?, enabled=?, nbf=?, exp=?, updated=?,"
                          " meta=?, iv=CASE WHEN ?<>0 THEN ? ELSE iv END WHERE object_id=? AND version=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, next.content_type).bind(2, tags_to_json(next.tags)).bind(3, std::int64_t{next.enabled});
  st->bind(4, next.nbf).bind(5, next.exp).bind(6, next.updated).bind(7, next.meta_json);
  st->bind(8, std::int64_t{impl_->guarded(t)}).bind(9, ByteView(next.iv)).bind(10, (*obj)->id);
  st->bind(11, next.version);
  CV_TRY(st->run());
  if (st->changed() != 1) return std::unexpected(not_found(t, name + "/" + v.version));
  return tx->commit();
}

void Catalog::set_row_guard(RowGuard* g) {
  impl_->guard = g;
  impl_->rows.clear();  // rows kept before were not checked by this guard
}

Result<int> Catalog::seal_unsealed_rows() {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  int sealed = 0;
  for (ObjType t : {ObjType::Secret, ObjType::Key, ObjType::Certificate}) {
    if (!impl_->guarded(t)) continue;
    auto st = Stmt::prepare(db,
                            "SELECT v.version, v.seq, v.content_type, v.tags, v.enabled, v.nbf, v.exp, v.created,"
                            " v.updated, v.iv, v.ciphertext, v.meta, o.vault, o.name, o.id FROM versions v"
                            " JOIN objects o ON o.id=v.object_id WHERE o.type=? AND length(v.iv)=0");
    if (!st) return std::unexpected(st.error());
    st->bind(1, obj_type_name(t));
    struct Pending {
      std::string vault, name;
      std::int64_t object_id;
      VersionRow row;
    };
    std::vector<Pending> todo;
    for (;;) {
      auto row = st->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      todo.push_back(Pending{st->text(12), st->text(13), st->integer(14), read_version(*st)});
    }
    for (auto& p : todo) {
      CV_TRY(impl_->guard->seal(p.vault, t, name_key(p.name), p.row));
      auto up = Stmt::prepare(db, "UPDATE versions SET iv=? WHERE object_id=? AND version=?");
      if (!up) return std::unexpected(up.error());
      up->bind(1, ByteView(p.row.iv)).bind(2, p.object_id).bind(3, p.row.version);
      CV_TRY(up->run());
      ++sealed;
    }
  }
  CV_TRY(tx->commit());
  return sealed;
}

Result<ObjectRow> Catalog::mark_deleted(const std::string& vault, ObjType t, const std::string& name,
                                        std::int64_t deleted_date, std::int64_t scheduled_purge) {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (!*obj || (*obj)->row.deleted_date) return std::unexpected(not_found(t, name));
  auto st = Stmt::prepare(db, "UPDATE objects SET deleted_date=?, scheduled_purge=? WHERE id=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, deleted_date).bind(2, scheduled_purge).bind(3, (*obj)->id);
  CV_TRY(st->run());
  CV_TRY(tx->commit());
  ObjectRow r = (*obj)->row;
  r.deleted_date = deleted_date;
  r.scheduled_purge = scheduled_purge;
  return r;
}

Result<void> Catalog::recover(const std::string& vault, ObjType t, const std::string& name) {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (!*obj || !(*obj)->row.deleted_date) return std::unexpected(not_found(t, name));
  auto st = Stmt::prepare(db, "UPDATE objects SET deleted_date=NULL, scheduled_purge=NULL WHERE id=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, (*obj)->id);
  CV_TRY(st->run());
  return tx->commit();
}

Result<void> Catalog::purge(const std::string& vault, ObjType t, const std::string& name) {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (!*obj || !(*obj)->row.deleted_date) return std::unexpected(not_found(t, name));
  for (const char* sql : {"DELETE FROM versions WHERE object_id=?", "DELETE FROM objects WHERE id=?"}) {
    auto st = Stmt::prepare(db, sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, (*obj)->id);
    CV_TRY(st->run());
  }
  return tx->commit();
}

Result<void> Catalog::remove_version(const std::string& vault, ObjType t, const std::string& name,
                                     const std::string& version) {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto obj = find_object(db, vault, t, name);
  if (!obj) return std::unexpected(obj.error());
  if (!*obj || (*obj)->row.deleted_date) return std::unexpected(not_found(t, name));
  const std::int64_t id = (*obj)->id;
  auto del = Stmt::prepare(db, "DELETE FROM versions WHERE object_id=? AND version=?");
  if (!del) return std::unexpected(del.error());
  del->bind(1, id).bind(2, name_key(version));
  CV_TRY(del->run());
  if (del->changed() != 1) return std::unexpected(not_found(t, name + "/" + version));
  auto next = Stmt::prepare(db, "SELECT version FROM versions WHERE object_id=? ORDER BY seq DESC LIMIT 1");
  if (!next) return std::unexpected(next.error());
  next->bind(1, id);
  auto row = next->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) {
    auto st = Stmt::prepare(db, "DELETE FROM objects WHERE id=?");
    if (!st) return std::unexpected(st.error());
    st->bind(1, id);
    CV_TRY(st->run());
  } else if ((*obj)->row.current_version == name_key(version)) {
    std::string newest = next->text(0);
    auto st = Stmt::prepare(db, "UPDATE objects SET current_version=? WHERE id=?");
    if (!st) return std::unexpected(st.error());
    st->bind(1, newest).bind(2, id);
    CV_TRY(st->run());
  }
  return tx->commit();
}

}  // namespace cv::store
