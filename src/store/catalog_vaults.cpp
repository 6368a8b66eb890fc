// Catalogue: opening, domains and vaults.
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
  auto impl = std::make_unique<Impl>(Impl{std::move(*db), *v});
  return Catalog(std::move(impl));
}

int Catalog::schema_version() { return impl_->schema; }

Result<void> Catalog::add_domain(const DomainRow& d) {
  auto st = Stmt::prepare(impl_->db.get(),
                          "INSERT INTO domains(kid, public_key, created) VALUES(?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, d.kid).bind(2, ByteView(d.public_key_spki)).bind(3, d.created);
  return st->run();
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

Result<void> Catalog::add_vault(const VaultRow& v) {
  auto st = Stmt::prepare(impl_->db.get(),
                          "INSERT INTO vaults(name_key, name, domain_kid, base_url, retention_days,"
                          " purge_protection, signer_cert, created) VALUES(?,?,?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(v.name)).bind(2, v.name).bind(3, v.domain_kid).bind(4, v.base_url);
  st->bind(5, std::int64_t{v.retention_days}).bind(6, std::int64_t{v.purge_protection});
  st->bind(7, v.signer_cert_pem).bind(8, v.created);
  auto r = st->run();
  if (!r && r.error().code == Errc::Conflict)
    return fail(Errc::Conflict, "vault '" + v.name + "' already exists");
  return r;
}

static constexpr const char* kVaultCols =
    "SELECT name, domain_kid, base_url, retention_days, purge_protection, signer_cert, created FROM vaults";

static VaultRow read_vault(const Stmt& st) {
  VaultRow v;
  v.name = st.text(0);
  v.domain_kid = st.text(1);
  v.base_url = st.text(2);
  v.retention_days = static_cast<int>(st.integer(3));
  v.purge_protection = st.integer(4) != 0;
  v.signer_cert_pem = st.text(5);
  v.created = st.integer(6);
  return v;
}

Result<VaultRow> Catalog::vault(const std::string& name) {
  auto st = Stmt::prepare(impl_->db.get(), std::string(kVaultCols) + " WHERE name_key=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(name));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail_kv(Errc::NotFound, "vault '" + name + "' does not exist in this catalogue",
                            "VaultNotFound");
  return read_vault(*st);
}

Result<std::vector<VaultRow>> Catalog::vaults() {
  auto st = Stmt::prepare(impl_->db.get(), std::string(kVaultCols) + " ORDER BY name_key");
  if (!st) return std::unexpected(st.error());
  std::vector<VaultRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_vault(*st));
  }
  return out;
}

Result<Catalog::Batch> Catalog::begin_batch() {
  sqlite3* db = impl_->db.get();
  bool nested = sqlite3_get_autocommit(db) == 0;
  int rc = sqlite3_exec(db, nested ? "SAVEPOINT cv_batch" : "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, "begin transaction"));
  return Batch(this, nested);
}

Catalog::Batch::~Batch() {
  if (cat_)
    sqlite3_exec(cat_->impl_->db.get(), nested_ ? "ROLLBACK TO cv_batch; RELEASE cv_batch" : "ROLLBACK", nullptr,
                 nullptr, nullptr);
}

Result<void> Catalog::Batch::commit() {
  sqlite3* db = cat_->impl_->db.get();
  int rc = sqlite3_exec(db, nested_ ? "RELEASE cv_batch" : "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, "commit"));
  cat_ = nullptr;
  return {};
}

}  // namespace cv::store
