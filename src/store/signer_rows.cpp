// The signer registry's rows (table trusted_signers).
#include "coldvault/signer_rows.hpp"

#include "store/catalog_impl.hpp"

namespace cv::store {

Result<void> add_signer(Catalog& c, const SignerRow& r) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "INSERT INTO trusted_signers(domain_kid, sha256, cert, subject, kind, label, ca, added,"
                          " auth) VALUES(?,?,?,?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, r.domain_kid).bind(2, r.sha256).bind(3, ByteView(r.cert_der)).bind(4, r.subject);
  st->bind(5, r.kind).bind(6, r.label).bind(7, std::int64_t{r.ca}).bind(8, r.added).bind(9, ByteView(r.auth));
  auto done = st->run();
  if (!done && done.error().code == Errc::Conflict)
    return fail(Errc::Conflict, "certificate " + r.sha256 + " is already trusted by this domain");
  return done;
}

Result<std::vector<SignerRow>> signers(Catalog& c, const std::string& domain_kid) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "SELECT domain_kid, sha256, cert, subject, kind, label, ca, added, auth"
                          " FROM trusted_signers WHERE domain_kid=? ORDER BY added, sha256");
  if (!st) return std::unexpected(st.error());
  st->bind(1, domain_kid);
  std::vector<SignerRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(SignerRow{st->text(0), st->text(1), st->blob(2), st->text(3), st->text(4), st->text(5),
                            st->integer(6) != 0, st->integer(7), st->blob(8)});
  }
  return out;
}

Result<void> remove_signer(Catalog& c, const std::string& domain_kid, const std::string& sha256) {
  Conn* db = CatalogAccess::db(c);
  auto st = Stmt::prepare(db, "DELETE FROM trusted_signers WHERE domain_kid=? AND sha256=?");
  if (!st) return std::unexpected(st.error());
  st->bind(1, domain_kid).bind(2, sha256);
  CV_TRY(st->run());
  if (st->changed() != 1) return fail(Errc::NotFound, "certificate " + sha256 + " is not trusted by this domain");
  return {};
}

}  // namespace cv::store
