// Certificate contacts and issuers, per vault, as Key Vault keeps them (GET/PUT/DELETE
// /certificates/contacts, /certificates/issuers[/{name}]). coldvault sends no expiry mail and enrols with no
// CA: contacts are kept and answered; an issuer is kept so that clients that configure one work, and a
// certificate created with it waits as a CSR for a merge (statusDetails says so, pending_issuer_details).
// An issuer's password is sealed under the vault master key in the token (AES-256-GCM, as secret values)
// and never answered, as Key Vault never answers it.
//
// Thread safety: as Service.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/secure_string.hpp"
#include "coldvault/vault.hpp"

namespace cv::vault {

struct CertificateContact {
  std::string email, name, phone;  // at least one set
};

struct IssuerAdmin {
  std::string first_name, last_name, email, phone;
};

struct CertificateIssuer {
  std::string name;
  std::string provider;
  std::optional<std::string> account_id, organization_id;
  std::vector<IssuerAdmin> admins;
  bool has_password = false;
  bool enabled = true;
  std::int64_t created = 0, updated = 0;
};

// What PUT (every field, provider required) or PATCH (only the given ones) says.
struct IssuerChange {
  std::optional<std::string> provider, account_id, organization_id;
  std::optional<SecureString> password;  // wiped when freed
  std::optional<std::vector<IssuerAdmin>> admins;
  std::optional<bool> enabled;
};

// NotFound when the vault has none (Key Vault answers 404 then).
Result<std::vector<CertificateContact>> get_certificate_contacts(Service& svc, const std::string& vault);
// Replaces them. BadParameter naming the field: no contacts, a contact with no field, an email without '@',
// a field over 256 characters, more than 64 contacts.
Result<std::vector<CertificateContact>> set_certificate_contacts(Service& svc, const std::string& vault,
                                                                 const std::vector<CertificateContact>& c);
// The contacts that were deleted; NotFound when there were none.
Result<std::vector<CertificateContact>> delete_certificate_contacts(Service& svc, const std::string& vault);

// Names: 1-127 of [0-9a-zA-Z-]; "Self" and "Unknown" are built in (BadParameter). NotFound for no such issuer.
Result<CertificateIssuer> get_certificate_issuer(Service& svc, const std::string& vault, const std::string& name);
Result<std::vector<CertificateIssuer>> list_certificate_issuers(Service& svc, const std::string& vault);
// PUT: creates or replaces; `provider` required. PATCH (`merge`): NotFound when absent; given fields replace.
Result<CertificateIssuer> set_certificate_issuer(Service& svc, const std::string& vault, const std::string& name,
                                                 const IssuerChange& c, bool merge);
Result<CertificateIssuer> delete_certificate_issuer(Service& svc, const std::string& vault, const std::string& name);

// The statusDetails of a certificate created with issuer `issuer` (not Self/Unknown): whether the vault
// knows the issuer, and that coldvault cannot enrol with it, so the CSR waits for a merge.
std::string pending_issuer_details(Service& svc, const std::string& vault, const std::string& issuer);

// The AAD an issuer's password is sealed with (AES-256-GCM under the vault master key, in the token), bound to
// the vault and the issuer's name so a row copied to another name or vault does not open. Bundles re-seal
// with it on restore.
std::string issuer_password_aad(const std::string& vault, const std::string& name);

// JSON as Key Vault answers: {id, contacts} / IssuerBundle / CertificateIssuerItem {id, provider}.
nlohmann::json contacts_json(const std::vector<CertificateContact>& c, const std::string& base_url);
nlohmann::json issuer_json(const CertificateIssuer& i, const std::string& base_url);
nlohmann::json issuer_item_json(const CertificateIssuer& i, const std::string& base_url);

}  // namespace cv::vault
