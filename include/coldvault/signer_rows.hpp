// The signer registry's rows in the catalogue (table trusted_signers, schema step 3). The domain layer
// (coldvault/trust.hpp) decides what a row means and authenticates it; this file only stores rows.
//
// Thread safety: as Catalog (one connection, one thread at a time).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coldvault/catalog.hpp"

namespace cv::store {

struct SignerRow {
  std::string domain_kid;
  std::string sha256;   // lower-case hex SHA-256 of cert_der
  Bytes cert_der;
  std::string subject;
  std::string kind;     // "vault" or "operator"
  std::string label;
  bool ca = false;
  std::int64_t added = 0;
  Bytes auth;           // authenticator made by the domain layer
};

// Conflict if the domain already lists this certificate.
Result<void> add_signer(Catalog& c, const SignerRow& r);
// Every row of a domain, oldest first.
Result<std::vector<SignerRow>> signers(Catalog& c, const std::string& domain_kid);
// NotFound if the domain does not list it.
Result<void> remove_signer(Catalog& c, const std::string& domain_kid, const std::string& sha256);

}  // namespace cv::store
