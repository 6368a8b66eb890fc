// The custodian registry and the domain's token/transfer record (tables custodians, domain_events).
#include "coldvault/domain_rows.hpp"

#include "store/catalog_impl.hpp"

namespace cv::store {

namespace {
std::optional<std::string> opt(const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); }
}  // namespace

Result<void> add_custodian(Catalog& c, const CustodianRow& r) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "INSERT INTO custodians(domain_kid, sha256, name, cert, added, auth) VALUES(?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, r.domain_kid).bind(2, r.sha256).bind(3, r.name).bind(4, ByteView(r.cert_der)).bind(5, r.added);
  st->bind(6, ByteView(r.auth));
  auto done = st->run();
  if (!done && done.error().code == Errc::Conflict)
    return fail(Errc::Conflict, "custodian certificate " + r.sha256 + " is already registered");
  return done;
}

Result<std::vector<CustodianRow>> custodians(Catalog& c, const std::string& domain_kid) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "SELECT domain_kid, sha256, name, cert, added, auth FROM custodians WHERE domain_kid=?"
                          " ORDER BY added, sha256");
  if (!st) return std::unexpected(st.error());
  st->bind(1, domain_kid);
  std::vector<CustodianRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(CustodianRow{st->text(0), st->text(1), st->text(2), st->blob(3), st->integer(4), st->blob(5)});
  }
  return out;
}

Result<void> add_domain_event(Catalog& c, const DomainEvent& e) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "INSERT INTO domain_events(time, domain_kid, event, transfer_id, token_label, token_serial,"
                          " detail) VALUES(?,?,?,?,?,?,?)");
  if (!st) return std::unexpected(st.error());
  st->bind(1, e.time).bind(2, e.domain_kid).bind(3, e.event).bind(4, opt(e.transfer_id)).bind(5, opt(e.token_label));
  st->bind(6, opt(e.token_serial)).bind(7, opt(e.detail));
  return st->run();
}

Result<std::vector<DomainEvent>> domain_events(Catalog& c, const std::string& domain_kid) {
  auto st = Stmt::prepare(CatalogAccess::db(c),
                          "SELECT time, domain_kid, event, transfer_id, token_label, token_serial, detail"
                          " FROM domain_events WHERE domain_kid=? ORDER BY id");
  if (!st) return std::unexpected(st.error());
  st->bind(1, domain_kid);
  std::vector<DomainEvent> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(DomainEvent{st->integer(0), st->text(1), st->text(2), st->opt_text(3).value_or(""),
                              st->opt_text(4).value_or(""), st->opt_text(5).value_or(""),
                              st->opt_text(6).value_or("")});
  }
  return out;
}

}  // namespace cv::store
