// What `init --catalog` asks of a catalogue before and after it makes a home over it (ADR 0023).
#include "coldvault/catalog.hpp"
#include "store/db.hpp"
#include "store/schema.hpp"

namespace cv::store {

Result<void> check_catalog_location(const std::string& location) {
  if (!is_postgres_url(location))
    return fail(Errc::BadParameter, "--catalog takes a PostgreSQL URL (postgresql://host:port/database?...); "
                                    "without it the catalogue is the SQLite file in the home");
  auto db = Db::open(location);  // refuses a password in the URL, and a server it cannot reach
  if (!db) return std::unexpected(db.error());
  return {};
}

Result<bool> catalog_has_domain(const std::string& location) {
  auto db = Db::open(location);
  if (!db) return std::unexpected(db.error());
  auto v = db->get()->schema_version();
  if (!v) return std::unexpected(v.error());
  if (*v == 0) return false;
  auto st = Stmt::prepare(db->get(), "SELECT count(*) FROM domains");
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return *row && st->integer(0) > 0;
}

Result<bool> drop_catalog(const std::string& location, const std::string& kid) {
  if (!is_postgres_url(location)) return fail(Errc::BadParameter, "only a PostgreSQL catalogue is dropped");
  auto db = Db::open(location);
  if (!db) return std::unexpected(db.error());
  auto tx = Transaction::begin(db->get());
  if (!tx) return std::unexpected(tx.error());
  // An init stopped before it made the schema (one transaction on PostgreSQL) left no table.
  auto made = db->get()->schema_version();
  if (!made) return std::unexpected(made.error());
  if (*made == 0) return false;
  // Under the writers' lock: another home that made its domain here meanwhile (two inits at once on one new
  // database) keeps the catalogue; only one holding nothing but this init's own domain is dropped.
  auto others = Stmt::prepare(db->get(), "SELECT count(*) FROM domains WHERE kid<>?");
  if (!others) return std::unexpected(others.error());
  others->bind(1, kid);
  auto row = others->step();
  if (!row) return std::unexpected(row.error());
  if (*row && others->integer(0) > 0)
    return fail(Errc::Conflict, "the catalogue holds another home's domain: its tables stay");
  for (const char* t : {"certificate_issuers", "certificate_contacts", "key_rotation_policies", "audit_checkpoints",
                        "audit_state", "audit_records", "domain_events", "custodians", "admin_tokens",
                        "lifecycle_events", "trusted_signers", "blob_archive", "blob_events", "api_tokens", "versions",
                        "objects", "vaults", "domains", "coldvault_schema"})
    if (auto r = db->get()->exec(std::string("DROP TABLE IF EXISTS ") + t + " CASCADE", "drop " + std::string(t)); !r)
      return std::unexpected(r.error());
  if (auto r = tx->commit(); !r) return std::unexpected(r.error());  // coldvault_state stays (its commit count)
  return true;
}

}  // namespace cv::store
