// Key rotation policies (table key_rotation_policies, keyed by the key's object id).
#include "coldvault/rotation_rows.hpp"

#include "store/catalog_impl.hpp"

namespace cv::store {
namespace {

// The key's object id and stored name, or NotFound.
Result<std::pair<std::int64_t, std::string>> key_object(Conn* db, const std::string& vault, const std::string& name) {
  auto st = Stmt::prepare(db, "SELECT id, name FROM objects WHERE vault=? AND type='key' AND name_key=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault)).bind(2, name_key(name));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(Errc::NotFound, "A key with (name/id) " + name + " was not found in this key vault.");
  return std::pair{st->integer(0), st->text(1)};
}

}  // namespace

Result<std::optional<RotationPolicyRow>> rotation_policy(Catalog& c, const std::string& vault, const std::string& name) {
  Conn* db = CatalogAccess::db(c);
  auto obj = key_object(db, vault, name);
  if (!obj) return std::unexpected(obj.error());
  auto st = Stmt::prepare(db, "SELECT policy, created, updated FROM key_rotation_policies WHERE object_id=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, obj->first);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<RotationPolicyRow>{};
  return std::optional(RotationPolicyRow{vault, obj->second, st->text(0), st->integer(1), st->integer(2)});
}

Result<RotationPolicyRow> put_rotation_policy(Catalog& c, const std::string& vault, const std::string& name,
                                              const std::string& policy_json, std::int64_t now) {
  Conn* db = CatalogAccess::db(c);
  auto obj = key_object(db, vault, name);
  if (!obj) return std::unexpected(obj.error());
  // One statement: it commits with the operation's audit record (db.cpp).
  auto st = Stmt::prepare(db,
                          "INSERT INTO key_rotation_policies(object_id, policy, created, updated) VALUES(?,?,?,?)"
                          " ON CONFLICT(object_id) DO UPDATE SET policy=excluded.policy, updated=excluded.updated");
  if (!st) return std::unexpected(st.error());
  st->bind(1, obj->first).bind(2, policy_json).bind(3, now).bind(4, now);
  if (auto r = st->run(); !r) return std::unexpected(r.error());
  auto back = rotation_policy(c, vault, name);
  if (!back) return std::unexpected(back.error());
  if (!*back) return fail(Errc::Internal, "the rotation policy just stored was not found");
  return std::move(**back);
}

Result<std::vector<RotationPolicyRow>> rotation_policies(Catalog& c, const std::string& vault) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "SELECT o.name, p.policy, p.created, p.updated FROM key_rotation_policies p"
                          " JOIN objects o ON o.id = p.object_id WHERE o.vault=? ORDER BY o.name_key");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(vault));
  std::vector<RotationPolicyRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(RotationPolicyRow{vault, st->text(0), st->text(1), st->integer(2), st->integer(3)});
  }
  return out;
}

Result<void> restore_rotation_policy(Catalog& c, const std::string& vault, const RotationPolicyRow& row) {
  Conn* db = CatalogAccess::db(c);
  auto obj = key_object(db, vault, row.name);
  if (!obj) return std::unexpected(obj.error());
  auto st = Stmt::prepare(db, "INSERT INTO key_rotation_policies(object_id, policy, created, updated)"
                              " VALUES(?,?,?,?) ON CONFLICT(object_id) DO UPDATE SET policy=excluded.policy,"
                              " created=excluded.created, updated=excluded.updated");
  if (!st) return std::unexpected(st.error());
  st->bind(1, obj->first).bind(2, row.policy_json).bind(3, row.created).bind(4, row.updated);
  return st->run();
}

Result<std::vector<RotationPolicyRow>> live_rotation_policies(Catalog& c) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "SELECT v.name, o.name, p.policy, p.created, p.updated FROM key_rotation_policies p"
                          " JOIN objects o ON o.id = p.object_id JOIN vaults v ON v.name_key = o.vault"
                          " WHERE o.deleted_date IS NULL AND v.deleted_date IS NULL ORDER BY o.id");
  if (!st) return std::unexpected(st.error());
  std::vector<RotationPolicyRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(RotationPolicyRow{st->text(0), st->text(1), st->text(2), st->integer(3), st->integer(4)});
  }
  return out;
}

}  // namespace cv::store
