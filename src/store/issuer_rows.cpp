// Certificate contacts and issuers (tables certificate_contacts, certificate_issuers), keyed by the vault's
// name key and, for issuers, the issuer's lower-cased name.
#include "coldvault/issuer_rows.hpp"

#include "store/catalog_impl.hpp"

namespace cv::store {
namespace {

IssuerRow issuer_of(const Stmt& st) {
  return IssuerRow{st.text(0), st.text(1), st.is_null(2) ? Bytes{} : st.blob(2), st.is_null(3) ? Bytes{} : st.blob(3),
                   st.integer(4), st.integer(5)};
}

constexpr const char* kIssuerColumns = "SELECT name, issuer, pwd_iv, pwd_ct, created, updated FROM certificate_issuers";

}  // namespace

Result<std::optional<std::string>> certificate_contacts(Catalog& c, const std::string& vault) {
  auto st = Stmt::prepare(CatalogAccess::db(c), "SELECT contacts FROM certificate_contacts WHERE vault=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::string>{};
  return std::optional(st->text(0));
}

Result<void> put_certificate_contacts(Catalog& c, const std::string& vault, const std::string& contacts_json,
                                      std::int64_t now) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "INSERT INTO certificate_contacts(vault, contacts, updated) VALUES(?,?,?)"
                          " ON CONFLICT(vault) DO UPDATE SET contacts=excluded.contacts, updated=excluded.updated");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault)).bind(2, contacts_json).bind(3, now);
  return st->run();
}

Result<bool> delete_certificate_contacts(Catalog& c, const std::string& vault) {
  Conn* db = CatalogAccess::db(c);
  auto st = Stmt::prepare(db, "DELETE FROM certificate_contacts WHERE vault=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault));
  if (auto r = st->run(); !r) return std::unexpected(r.error());
  return st->changed() > 0;
}

Result<std::optional<IssuerRow>> certificate_issuer(Catalog& c, const std::string& vault, const std::string& name) {
  auto st = Stmt::prepare(CatalogAccess::db(c), std::string(kIssuerColumns) + " WHERE vault=? AND name_key=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault)).bind(2, name_key(name));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<IssuerRow>{};
  return std::optional(issuer_of(*st));
}

Result<void> put_certificate_issuer(Catalog& c, const std::string& vault, const IssuerRow& r) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "INSERT INTO certificate_issuers(vault, name_key, name, issuer, pwd_iv, pwd_ct, created, updated)"
                          " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(vault, name_key) DO UPDATE SET issuer=excluded.issuer,"
                          " pwd_iv=excluded.pwd_iv, pwd_ct=excluded.pwd_ct, updated=excluded.updated");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault)).bind(2, name_key(r.name)).bind(3, r.name).bind(4, r.issuer_json);
  if (r.pwd_ct.empty()) st->bind_null(5).bind_null(6);
  else st->bind(5, ByteView(r.pwd_iv)).bind(6, ByteView(r.pwd_ct));
  st->bind(7, r.created).bind(8, r.updated);
  return st->run();
}

Result<std::vector<IssuerRow>> certificate_issuers(Catalog& c, const std::string& vault) {
  auto st = Stmt::prepare(CatalogAccess::db(c), std::string(kIssuerColumns) + " WHERE vault=? ORDER BY name_key");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault));
  std::vector<IssuerRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(issuer_of(*st));
  }
  return out;
}

Result<bool> delete_certificate_issuer(Catalog& c, const std::string& vault, const std::string& name) {
  Conn* db = CatalogAccess::db(c);
  auto st = Stmt::prepare(db, "DELETE FROM certificate_issuers WHERE vault=? AND name_key=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault)).bind(2, name_key(name));
  if (auto r = st->run(); !r) return std::unexpected(r.error());
  return st->changed() > 0;
}

}  // namespace cv::store
