// REST bearer tokens: rows of api_tokens. The token text itself never reaches this file, only its
// hash.
#include "coldvault/api_tokens.hpp"

#include "store/catalog_impl.hpp"

namespace cv::store {
namespace {

constexpr const char* kColumns =
    "SELECT t.id, v.name, t.hash, t.permissions, t.label, t.created, t.expires, t.revoked"
    " FROM api_tokens t JOIN vaults v ON v.name_key = t.vault";

ApiTokenRow read_row(const Stmt& st) {
  ApiTokenRow r;
  r.id = st.text(0);
  r.vault = st.text(1);
  r.hash = st.blob(2);
  r.permissions = st.text(3);
  r.label = st.opt_text(4).value_or("");
  r.created = st.integer(5);
  r.expires = st.opt_int(6);
  r.revoked = st.opt_int(7);
  return r;
}

}  // namespace

Result<void> add_api_token(Catalog& c, const ApiTokenRow& t) {
  Conn* db = CatalogAccess::db(c);
  // The foreign key alone would report a bare constraint failure; say which vault is missing.
  if (auto v = c.vault(t.vault); !v) return std::unexpected(v.error());
  auto st =
      Stmt::prepare(db,
                    "INSERT INTO api_tokens(id, vault, hash, permissions, label, created, expires)"
                    " VALUES(?,?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, t.id).bind(2, name_key(t.vault)).bind(3, ByteView(t.hash)).bind(4, t.permissions);
  st->bind(5, t.label).bind(6, t.created).bind(7, t.expires);
  auto r = st->run();
  if (!r && r.error().code == Errc::Conflict)
    return fail(Errc::Conflict, "token id " + t.id + " exists");
  return r;
}

Result<ApiTokenRow> api_token(Catalog& c, const std::string& id) {
  auto st = Stmt::prepare(CatalogAccess::db(c), std::string(kColumns) + " WHERE t.id = ?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, id);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(Errc::NotFound, "no API token with id " + id);
  return read_row(*st);
}

Result<std::vector<ApiTokenRow>> api_tokens(Catalog& c, const std::string& vault) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          std::string(kColumns) + " WHERE t.vault = ? ORDER BY t.created, t.id");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault));
  std::vector<ApiTokenRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_row(*st));
  }
  return out;
}

// Sets `revoked` on a live row of `table` (api_tokens: of `vault` only); NotFound with `missing` otherwise.
static Result<void> revoke_row(Catalog& c, const std::string& table, const std::string& id,
                               const std::optional<std::string>& vault, std::int64_t when, const std::string& missing) {
  Conn* db = CatalogAccess::db(c);
  auto st = Stmt::prepare(db, "UPDATE " + table + " SET revoked = ? WHERE id = ? AND revoked IS NULL" +
                                  (vault ? " AND vault = ?" : ""));
  if (!st) return std::unexpected(st.error());
  st->bind(1, when).bind(2, id);
  if (vault) st->bind(3, name_key(*vault));
  if (auto r = st->run(); !r) return r;
  if (st->changed() == 0) return fail(Errc::NotFound, missing);
  return {};
}

Result<void> revoke_api_token(Catalog& c, const std::string& vault, const std::string& id,
                              std::int64_t when) {
  return revoke_row(c, "api_tokens", id, vault, when, "vault '" + vault + "' has no live API token with id " + id);
}

namespace {

constexpr const char* kAdminColumns = "SELECT id, '', hash, 'admin', label, created, expires, revoked FROM admin_tokens";

}  // namespace

Result<void> add_admin_token(Catalog& c, const ApiTokenRow& t) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "INSERT INTO admin_tokens(id, hash, label, created, expires) VALUES(?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, t.id).bind(2, ByteView(t.hash)).bind(3, t.label).bind(4, t.created).bind(5, t.expires);
  auto r = st->run();
  if (!r && r.error().code == Errc::Conflict) return fail(Errc::Conflict, "admin token id " + t.id + " exists");
  return r;
}

Result<ApiTokenRow> admin_token(Catalog& c, const std::string& id) {
  auto st = Stmt::prepare(CatalogAccess::db(c), std::string(kAdminColumns) + " WHERE id = ?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, id);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(Errc::NotFound, "no admin token with id " + id);
  return read_row(*st);
}

Result<std::vector<ApiTokenRow>> admin_tokens(Catalog& c) {
  auto st = Stmt::prepare(CatalogAccess::db(c), std::string(kAdminColumns) + " ORDER BY created, id");
  if (!st) return std::unexpected(st.error());
  std::vector<ApiTokenRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_row(*st));
  }
  return out;
}

Result<void> revoke_admin_token(Catalog& c, const std::string& id, std::int64_t when) {
  return revoke_row(c, "admin_tokens", id, std::nullopt, when, "no live admin token with id " + id);
}

}  // namespace cv::store
