// Blob lineage and archive tables (schema step 2).
#include "coldvault/lineage.hpp"

#include <nlohmann/json.hpp>

#include "store/catalog_impl.hpp"

namespace cv::store {
namespace {

std::string join_versions(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }
std::vector<std::string> split_versions(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  std::vector<std::string> out;
  if (j.is_array())
    for (auto& x : j)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

}  // namespace

static Result<void> insert_blob_event(Conn* db, const BlobEvent& e) {
  auto st = Stmt::prepare(db,
                          "INSERT INTO blob_events(event, outcome, sha256, type, name, versions, source_vault,"
                          " target_vault, domain_kid, signer, time, detail) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, e.event).bind(2, e.outcome).bind(3, e.sha256).bind(4, e.type).bind(5, e.name);
  st->bind(6, join_versions(e.versions)).bind(7, e.source_vault).bind(8, e.target_vault);
  st->bind(9, e.domain_kid).bind(10, e.signer).bind(11, e.time).bind(12, e.detail);
  return st->run();
}

Result<void> record_blob_event(Catalog& c, const BlobEvent& e) {
  Conn* db = CatalogAccess::db(c);
  // Inside a Batch (a restore and its record) the row commits with the batch. Alone (a backup), it joins
  // the file's group commit: concurrent workers' rows share one durable COMMIT (docs/adr/0009).
  if (db->in_transaction()) return insert_blob_event(db, e);
  return CatalogAccess::committer(c).run(db, [e](Conn* leader) { return insert_blob_event(leader, e); });
}

Result<std::vector<BlobEvent>> blob_events(Catalog& c, const std::optional<std::string>& sha256,
                                           std::size_t limit) {
  std::string sql =
      "SELECT event, outcome, sha256, type, name, versions, source_vault, target_vault, domain_kid, signer,"
      " time, detail FROM blob_events";
  if (sha256) sql += " WHERE sha256 LIKE ? || '%'";
  sql += " ORDER BY id DESC LIMIT ?";
  auto st = Stmt::prepare(CatalogAccess::db(c), sql);
  if (!st) return std::unexpected(st.error());
  int i = 1;
  if (sha256) st->bind(i++, name_key(*sha256));
  st->bind(i, sql_limit(limit));
  std::vector<BlobEvent> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(BlobEvent{st->text(0), st->text(1), st->text(2), st->text(3), st->text(4),
                            split_versions(st->text(5)), st->text(6), st->text(7), st->text(8), st->text(9),
                            st->integer(10), st->text(11)});
  }
  return out;
}

Result<void> archive_blob(Catalog& c, const ArchivedBlob& b) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "INSERT INTO blob_archive(sha256, label, format, prefix, kid, type, metadata, blob,"
                          " imported) VALUES(?,?,?,?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, b.sha256).bind(2, b.label).bind(3, b.format).bind(4, b.prefix).bind(5, b.kid);
  st->bind(6, b.type).bind(7, b.metadata_json).bind(8, ByteView(b.blob)).bind(9, b.imported);
  auto r = st->run();
  if (!r && r.error().code == Errc::Conflict)
    return fail(Errc::Conflict, "blob " + b.sha256 + " is already in the archive");
  return r;
}

static constexpr const char* kArchiveCols =
    "SELECT sha256, label, format, prefix, kid, type, metadata, imported FROM blob_archive";

static ArchivedBlob read_archived(const Stmt& st) {
  return ArchivedBlob{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6),
                      {},         st.integer(7)};
}

Result<std::vector<ArchivedBlob>> archived_blobs(Catalog& c) {
  auto st = Stmt::prepare(CatalogAccess::db(c), std::string(kArchiveCols) + " ORDER BY imported, sha256");
  if (!st) return std::unexpected(st.error());
  std::vector<ArchivedBlob> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_archived(*st));
  }
  return out;
}

Result<ArchivedBlob> archived_blob(Catalog& c, const std::string& sha256) {
  if (sha256.size() < 8 || sha256.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
    return fail(Errc::BadParameter, "give the blob's SHA-256 (at least 8 hex characters)");
  auto st = Stmt::prepare(CatalogAccess::db(c),
                     "SELECT sha256, label, format, prefix, kid, type, metadata, imported, blob FROM blob_archive"
                     " WHERE sha256 LIKE ? || '%' LIMIT 2");
  if (!st) return std::unexpected(st.error());
  st->bind(1, name_key(sha256));
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail(Errc::NotFound, "no archived blob " + sha256);
  ArchivedBlob b = read_archived(*st);
  b.blob = st->blob(8);
  auto more = st->step();
  if (!more) return std::unexpected(more.error());
  if (*more) return fail(Errc::BadParameter, "blob prefix " + sha256 + " is ambiguous: give more characters");
  return b;
}

Result<void> delete_archived_blob(Catalog& c, const std::string& sha256) {
  auto b = archived_blob(c, sha256);
  if (!b) return std::unexpected(b.error());
  auto st = Stmt::prepare(CatalogAccess::db(c), "DELETE FROM blob_archive WHERE sha256=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, b->sha256);
  return st->run();
}

}  // namespace cv::store
