// Certificate contacts and issuers in the catalogue (schema step 8), per vault. The domain
// (coldvault/certificate_issuers.hpp) validates, seals the issuer password and shapes the JSON; this file
// only stores the documents. Rows reference their vault: a vault purge removes them.
//
// Thread safety: as Catalog (one connection, one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/catalog.hpp"

namespace cv::store {

struct IssuerRow {
  std::string name;         // as first given
  std::string issuer_json;  // provider, account id, organisation, enabled; never the password
  Bytes pwd_iv, pwd_ct;     // the sealed password (both empty: none)
  std::int64_t created = 0, updated = 0;
};

// The contacts' JSON array text of a vault; nullopt when none are set.
Result<std::optional<std::string>> certificate_contacts(Catalog& c, const std::string& vault);
Result<void> put_certificate_contacts(Catalog& c, const std::string& vault, const std::string& contacts_json,
                                      std::int64_t now);
// Whether there were contacts to delete.
Result<bool> delete_certificate_contacts(Catalog& c, const std::string& vault);

Result<std::optional<IssuerRow>> certificate_issuer(Catalog& c, const std::string& vault, const std::string& name);
// Inserts or replaces (a replacement keeps the row's name spelling and `created`).
Result<void> put_certificate_issuer(Catalog& c, const std::string& vault, const IssuerRow& row);
// Every issuer of a vault, by name.
Result<std::vector<IssuerRow>> certificate_issuers(Catalog& c, const std::string& vault);
// Whether there was one to delete.
Result<bool> delete_certificate_issuer(Catalog& c, const std::string& vault, const std::string& name);

}  // namespace cv::store
