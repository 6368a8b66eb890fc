// Catalogue: opening, domains and vaults.
#include "coldvault/audit_log.hpp"
#include "store/catalog_impl.hpp"
#include "store/schema.hpp"

namespace cv::store {

const char* obj_type_name(ObjType t) {
  switch (t) {
    case ObjType::Secret: return "secret";
    case ObjType::Key: return "key";
    case ObjType::Certificate: return "certificate";
  }
  return "?";
}

Catalog::Catalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

Result<Catalog> Catalog::open(const std::string& path) {
  auto db = Db::open(path);
  if (!db) return std::unexpected(db.error());
  auto v = migrate(*db);
  if (!v) return std::unexpected(v.error());
  auto committer = GroupCommitter::for_catalog(db->get()->location());
  auto impl = std::make_unique<Impl>(Impl{std::move(*db), *v, nullptr, {}, std::move(committer), {}});
  return Catalog(std::move(impl));
}

int Catalog::schema_version() { return impl_->schema; }

// A row with an empty public key is a domain whose key is still being made (`serve --ephemeral` makes
// it after it is ready, InitOptions::defer_domain_key): its vaults can be created (they reference the
// kid), and the one later add_domain with the key fills it in. A domain row with a key is never changed.
Result<void> Catalog::add_domain(const DomainRow& d) {
  auto st = Stmt::prepare(impl_->db.get(),
                          "INSERT INTO domains(kid, public_key, created) VALUES(?,?,?) "
                          "ON CONFLICT(kid) DO UPDATE SET public_key=excluded.public_key, created=excluded.created "
                          "WHERE length(domains.public_key)=0 AND length(excluded.public_key)>0");
  if (!st) return std::unexpected(st.error());
  st->bind(1, d.kid).bind(2, ByteView(d.public_key_spki)).bind(3, d.created);
  if (auto r = st->run(); !r) return r;
  if (st->changed() == 0)
    return fail(Errc::Conflict, "security domain " + d.kid + " is already in this catalogue");
  return {};
}

static DomainRow read_domain(const Stmt& st) {
  return DomainRow{st.text(0), st.blob(1), st.integer(2)};
}

Result<DomainRow> Catalog::domain(const std::string& kid) {
  auto st = Stmt::prepare(impl_->db.get(), "SELECT kid, public_key, created FROM domains WHERE kid=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, kid);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(Errc::NotFound, "security domain " + kid + " is not in this catalogue");
  return read_domain(*st);
}

Result<std::vector<DomainRow>> Catalog::domains() {
  auto st = Stmt::prepare(impl_->db.get(), "SELECT kid, public_key, created FROM domains ORDER BY created");
  if (!st) return std::unexpected(st.error());
  std::vector<DomainRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_domain(*st));
  }
  return out;
}

static constexpr const char* kVaultCols =
    "SELECT name, domain_kid, base_url, retention_days, purge_protection, signer_cert, created, deleted_date,"
    " scheduled_purge FROM vaults";

static VaultRow read_vault(const Stmt& st) {
  VaultRow v;
  v.name = st.text(0);
  v.domain_kid = st.text(1);
  v.base_url = st.text(2);
  v.retention_days = static_cast<int>(st.integer(3));
  v.purge_protection = st.integer(4) != 0;
  v.signer_cert_pem = st.text(5);
  v.created = st.integer(6);
  v.deleted_date = st.opt_int(7);
  v.scheduled_purge = st.opt_int(8);
  return v;
}

// The row of a vault in either state, nullopt if absent.
static Result<std::optional<VaultRow>> find_vault(Conn* db, const std::string& name) {
  auto st = Stmt::prepare(db, std::string(kVaultCols) + " WHERE name_key=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(name));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<VaultRow>{};
  return std::optional<VaultRow>{read_vault(*st)};
}

static Result<std::vector<VaultRow>> select_vaults(Conn* db, const std::string& where, std::int64_t arg = 0,
                                                   bool bind_arg = false) {
  auto st = Stmt::prepare(db, std::string(kVaultCols) + " " + where);
  if (!st) return std::unexpected(st.error());
  if (bind_arg) st->bind(1, arg);
  std::vector<VaultRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_vault(*st));
  }
  return out;
}

static Error vault_not_found(const std::string& name) {
  return Error{Errc::NotFound, "vault '" + name + "' does not exist in this catalogue", {}, "VaultNotFound", {}};
}

static Error deleted_vault_not_found(const std::string& name) {
  return Error{Errc::NotFound, "no deleted vault '" + name + "' in this catalogue", {}, "VaultNotFound", {}};
}

Error deleted_vault_conflict(const VaultRow& v) {
  return Error{Errc::Conflict,
               "Exist soft deleted vault with the same name: vault '" + v.name +
                   "' is deleted and reserves its name until it is purged (scheduled " +
                   std::to_string(v.scheduled_purge.value_or(0)) + "); recover it or purge it",
               {}, "ConflictError", {}};
}

Result<void> Catalog::add_vault(const VaultRow& v) {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto had = find_vault(db, v.name);
  if (!had) return std::unexpected(had.error());
  if (*had && (*had)->deleted_date) return std::unexpected(deleted_vault_conflict(**had));
  if (*had) return fail(Errc::Conflict, "vault '" + v.name + "' already exists");
  auto st = Stmt::prepare(db,
                          "INSERT INTO vaults(name_key, name, domain_kid, base_url, retention_days,"
                          " purge_protection, signer_cert, created) VALUES(?,?,?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(v.name)).bind(2, v.name).bind(3, v.domain_kid).bind(4, v.base_url);
  st->bind(5, std::int64_t{v.retention_days}).bind(6, std::int64_t{v.purge_protection});
  st->bind(7, v.signer_cert_pem).bind(8, v.created);
  CV_TRY(st->run());
  return tx->commit();
}

Result<VaultRow> Catalog::vault(const std::string& name) {
  auto v = find_vault(impl_->db.get(), name);
  if (!v) return std::unexpected(v.error());
  if (!*v || (*v)->deleted_date) return std::unexpected(vault_not_found(name));
  return **v;
}

Result<std::vector<VaultRow>> Catalog::vaults() {
  return select_vaults(impl_->db.get(), "WHERE deleted_date IS NULL ORDER BY name_key");
}

Result<VaultRow> Catalog::deleted_vault(const std::string& name) {
  auto v = find_vault(impl_->db.get(), name);
  if (!v) return std::unexpected(v.error());
  if (!*v || !(*v)->deleted_date) return std::unexpected(deleted_vault_not_found(name));
  return **v;
}

Result<std::vector<VaultRow>> Catalog::deleted_vaults() {
  return select_vaults(impl_->db.get(), "WHERE deleted_date IS NOT NULL ORDER BY name_key");
}

// One UPDATE of the vault row `name` in the state `deleted` (NotFound in that state's words otherwise), in a
// transaction with the read; `set` is "col=?, col=?" and `values` its values. Returns the row as it was.
static Result<VaultRow> change_vault(Conn* db, const std::string& name, bool deleted, const std::string& set,
                                     const std::vector<std::optional<std::int64_t>>& values) {
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto v = find_vault(db, name);
  if (!v) return std::unexpected(v.error());
  if (!*v || (*v)->deleted_date.has_value() != deleted)
    return std::unexpected(deleted ? deleted_vault_not_found(name) : vault_not_found(name));
  auto st = Stmt::prepare(db, "UPDATE vaults SET " + set + " WHERE name_key=?");
  if (!st) return std::unexpected(st.error());
  int i = 1;
  for (const auto& value : values) st->bind(i++, value);
  st->bind(i, name_key(name));
  CV_TRY(st->run());
  CV_TRY(tx->commit());
  return **v;
}

Result<VaultRow> Catalog::mark_vault_deleted(const std::string& name, std::int64_t deleted_date,
                                             std::int64_t scheduled_purge) {
  auto out = change_vault(impl_->db.get(), name, false, "deleted_date=?, scheduled_purge=?",
                          {deleted_date, scheduled_purge});
  if (out) out->deleted_date = deleted_date, out->scheduled_purge = scheduled_purge;
  return out;
}

Result<VaultRow> Catalog::recover_vault(const std::string& name) {
  auto out = change_vault(impl_->db.get(), name, true, "deleted_date=NULL, scheduled_purge=NULL", {});
  if (out) out->deleted_date.reset(), out->scheduled_purge.reset();
  return out;
}

Result<VaultRow> Catalog::update_vault(const std::string& name, int retention_days, bool purge_protection) {
  // Only ever set here: a concurrent update that turned protection on is never undone by one that read the row before it.
  auto out = change_vault(impl_->db.get(), name, false, "retention_days=?, purge_protection=CASE WHEN ?<>0 THEN 1 ELSE purge_protection END",
                          {std::int64_t{retention_days}, std::int64_t{purge_protection}});
  if (out) out->retention_days = retention_days, out->purge_protection = out->purge_protection || purge_protection;
  return out;
}

Result<void> Catalog::purge_vault(const std::string& name) {
  Conn* db = impl_->db.get();
  auto tx = Transaction::begin(db);
  if (!tx) return std::unexpected(tx.error());
  auto v = find_vault(db, name);
  if (!v) return std::unexpected(v.error());
  if (!*v || !(*v)->deleted_date) return std::unexpected(deleted_vault_not_found(name));
  for (const char* sql : {"DELETE FROM versions WHERE object_id IN (SELECT id FROM objects WHERE vault=?)",
                          "DELETE FROM objects WHERE vault=?", "DELETE FROM api_tokens WHERE vault=?",
                          "DELETE FROM vaults WHERE name_key=?"}) {
    auto st = Stmt::prepare(db, sql);
    if (!st) return std::unexpected(st.error());
    st->bind(1, name_key(name));
    CV_TRY(st->run());
  }
  return tx->commit();
}

Result<std::vector<DueObject>> Catalog::due_objects(std::int64_t now, std::size_t limit) {
  auto st = Stmt::prepare(impl_->db.get(),
                          "SELECT vault, type, name FROM objects WHERE scheduled_purge IS NOT NULL"
                          " AND scheduled_purge<=? ORDER BY scheduled_purge, id LIMIT ?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, now).bind(2, sql_limit(limit));
  std::vector<DueObject> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    std::string type = st->text(1);
    ObjType t = type == "key" ? ObjType::Key : type == "certificate" ? ObjType::Certificate : ObjType::Secret;
    out.push_back(DueObject{st->text(0), t, st->text(2)});
  }
  return out;
}

Result<std::vector<VaultRow>> Catalog::due_vaults(std::int64_t now) {
  return select_vaults(impl_->db.get(),
                       "WHERE deleted_date IS NOT NULL AND scheduled_purge<=? ORDER BY scheduled_purge", now, true);
}

Result<void> Catalog::add_lifecycle_event(const LifecycleEvent& e) {
  auto st = Stmt::prepare(impl_->db.get(),
                          "INSERT INTO lifecycle_events(time, event, vault, type, name, detail) VALUES(?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, e.time).bind(2, e.event).bind(3, e.vault).bind(4, e.type).bind(5, e.name).bind(6, e.detail);
  return st->run();
}

Result<std::vector<LifecycleEvent>> Catalog::lifecycle_events(const std::optional<std::string>& vault,
                                                              std::size_t limit) {
  std::string sql = "SELECT id, time, event, vault, type, name, COALESCE(detail,'') FROM lifecycle_events";
  if (vault) sql += " WHERE lower(vault)=?";
  sql += " ORDER BY id DESC LIMIT ?";
  auto st = Stmt::prepare(impl_->db.get(), sql);
  if (!st) return std::unexpected(st.error());
  int i = 1;
  if (vault) st->bind(i++, name_key(*vault));
  st->bind(i, sql_limit(limit));
  std::vector<LifecycleEvent> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(LifecycleEvent{st->integer(0), st->integer(1), st->text(2), st->text(3), st->text(4),
                                 st->text(5), st->text(6)});
  }
  return out;
}

std::int64_t Catalog::data_version() { return impl_->read_data_version(); }

Result<Catalog::Batch> Catalog::begin_batch() {
  Conn* db = impl_->db.get();
  bool nested = db->in_transaction();
  if (!nested) impl_->batch_turn = WriterTurn::take(db);
  if (auto r = nested ? Stmt::execute(db, "SAVEPOINT cv_batch", "begin transaction") : db->begin_write(); !r) {
    if (!nested) impl_->batch_turn.release();
    return std::unexpected(r.error());
  }
  return Batch(this, nested);
}

Catalog::Batch::~Batch() {
  if (!cat_) return;
  Conn* db = cat_->impl_->db.get();
  if (nested_) (void)db->exec("ROLLBACK TO cv_batch; RELEASE cv_batch", "rollback to savepoint");
  else db->rollback();
  if (!nested_) cat_->impl_->batch_turn.release();
}

Result<void> Catalog::Batch::commit() {
  Conn* db = cat_->impl_->db.get();
  if (!nested_)
    if (auto* scope = AuditScope::current())
      if (auto r = scope->on_commit(db); !r) return r;  // the rollback is the destructor's
  if (auto r = nested_ ? Stmt::execute(db, "RELEASE cv_batch", "commit") : db->commit(); !r)
    return std::unexpected(r.error());
  if (!nested_) cat_->impl_->batch_turn.release();
  cat_ = nullptr;
  return {};
}

}  // namespace cv::store
