// The domain-transfer rows of the catalogue (schema step 5): the custodian registry and the record of the
// domain's member tokens and transfers. The domain layer (coldvault/domain_transfer.hpp) decides what a row
// means and authenticates custodian rows; this file only stores them.
//
// Thread safety: as Catalog (one connection, one thread at a time).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coldvault/catalog.hpp"

namespace cv::store {

struct CustodianRow {
  std::string domain_kid;
  std::string sha256;  // lower-case hex SHA-256 of cert_der
  std::string name;
  Bytes cert_der;
  std::int64_t added = 0;
  Bytes auth;          // authenticator made by the domain layer
};

// Conflict if the domain already lists this certificate.
Result<void> add_custodian(Catalog& c, const CustodianRow& r);
// Every custodian of a domain, oldest first.
Result<std::vector<CustodianRow>> custodians(Catalog& c, const std::string& domain_kid);

struct DomainEvent {
  std::int64_t time = 0;
  std::string domain_kid;
  std::string event;        // "member" (a token known to hold the domain), "export", "import"
  std::string transfer_id;  // empty for the origin token's member row
  std::string token_label, token_serial;
  std::string detail;       // JSON text or empty
};

Result<void> add_domain_event(Catalog& c, const DomainEvent& e);
// Oldest first.
Result<std::vector<DomainEvent>> domain_events(Catalog& c, const std::string& domain_kid);

}  // namespace cv::store
