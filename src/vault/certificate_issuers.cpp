// Certificate contacts and issuers (coldvault/certificate_issuers.hpp): checks, the sealed issuer password,
// Key Vault's JSON. Storage is store/issuer_rows.
#include "coldvault/certificate_issuers.hpp"

#include <cctype>

#include "coldvault/hsm.hpp"
#include "coldvault/issuer_rows.hpp"

namespace cv::vault {
namespace {

using Json = nlohmann::json;

Error bad(const std::string& m) { return Error{Errc::BadParameter, m, {}, "BadParameter", {}}; }

constexpr std::size_t kMaxField = 256;
constexpr std::size_t kMaxContacts = 64;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<void> check_field(const std::string& v, const std::string& field) {
  if (v.size() > kMaxField) return std::unexpected(bad("Property '" + field + "' is longer than 256 characters."));
  return {};
}

Result<void> check_email(const std::string& v, const std::string& field) {
  if (auto r = check_field(v, field); !r) return r;
  if (!v.empty() && (v.find('@') == std::string::npos || v.front() == '@' || v.back() == '@'))
    return std::unexpected(bad("Property '" + field + "' is not an email address."));
  return {};
}

Result<void> check_issuer_name(const std::string& name) {
  if (name.empty() || name.size() > 127)
    return std::unexpected(bad("The issuer name must be 1-127 characters: letters, digits and '-'."));
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '-')
      return std::unexpected(bad("The issuer name must be 1-127 characters: letters, digits and '-'."));
  std::string l = lower(name);
  if (l == "self" || l == "unknown")
    return std::unexpected(bad("Issuer '" + name + "' is built in and cannot be set or deleted."));
  return {};
}

Error issuer_not_found(const std::string& name) {
  return Error{Errc::NotFound, "Issuer not found: " + name, {}, "CertificateIssuerNotFound", {}};
}

Json contacts_array(const std::vector<CertificateContact>& c) {
  Json a = Json::array();
  for (const auto& x : c) {
    Json j = Json::object();
    if (!x.email.empty()) j["email"] = x.email;
    if (!x.name.empty()) j["name"] = x.name;
    if (!x.phone.empty()) j["phone"] = x.phone;
    a.push_back(std::move(j));
  }
  return a;
}

Result<std::vector<CertificateContact>> contacts_of(const std::string& text) {
  auto a = Json::parse(text, nullptr, false);
  if (!a.is_array()) return std::unexpected(Error{Errc::Corruption, "stored certificate contacts are not a JSON array", {}, {}, {}});
  std::vector<CertificateContact> out;
  for (const auto& j : a)
    out.push_back({j.value("email", ""), j.value("name", ""), j.value("phone", "")});
  return out;
}

// The issuer document as stored (no password).
Json stored_issuer(const CertificateIssuer& i) {
  Json admins = Json::array();
  for (const auto& a : i.admins)
    admins.push_back({{"first_name", a.first_name}, {"last_name", a.last_name}, {"email", a.email}, {"phone", a.phone}});
  Json j = {{"provider", i.provider}, {"enabled", i.enabled}, {"admins", admins}};
  if (i.account_id) j["account_id"] = *i.account_id;
  if (i.organization_id) j["organization_id"] = *i.organization_id;
  return j;
}

Result<CertificateIssuer> issuer_of(const store::IssuerRow& r) {
  auto j = Json::parse(r.issuer_json, nullptr, false);
  if (!j.is_object()) return std::unexpected(Error{Errc::Corruption, "stored issuer " + r.name + " is not a JSON object", {}, {}, {}});
  CertificateIssuer i;
  i.name = r.name;
  i.provider = j.value("provider", "");
  if (j.contains("account_id")) i.account_id = j["account_id"].get<std::string>();
  if (j.contains("organization_id")) i.organization_id = j["organization_id"].get<std::string>();
  for (const auto& a : j.value("admins", Json::array()))
    i.admins.push_back({a.value("first_name", ""), a.value("last_name", ""), a.value("email", ""), a.value("phone", "")});
  i.enabled = j.value("enabled", true);
  i.has_password = !r.pwd_ct.empty();
  i.created = r.created, i.updated = r.updated;
  return i;
}

Result<const VaultKeys*> live_vault(Service& svc, const std::string& vault) { return svc.vault(vault); }

}  // namespace

std::string issuer_password_aad(const std::string& vault, const std::string& name) {
  return "coldvault/v1|" + lower(vault) + "|issuer|" + lower(name) + "|pwd";
}

Result<std::vector<CertificateContact>> get_certificate_contacts(Service& svc, const std::string& vault) {
  if (auto vk = live_vault(svc, vault); !vk) return std::unexpected(vk.error());
  auto text = store::certificate_contacts(svc.catalog(), vault);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::unexpected(Error{Errc::NotFound, "Contacts not found", {}, "ContactsNotFound", {}});
  return contacts_of(**text);
}

Result<std::vector<CertificateContact>> set_certificate_contacts(Service& svc, const std::string& vault,
                                                                 const std::vector<CertificateContact>& c) {
  if (c.empty()) return std::unexpected(bad("Property 'contacts' must list at least one contact."));
  if (c.size() > kMaxContacts) return std::unexpected(bad("Property 'contacts' lists more than 64 contacts."));
  for (std::size_t i = 0; i < c.size(); ++i) {
    std::string at = "contacts[" + std::to_string(i) + "]";
    if (c[i].email.empty() && c[i].name.empty() && c[i].phone.empty())
      return std::unexpected(bad("Property '" + at + "' needs an email, a name or a phone."));
    if (auto r = check_email(c[i].email, at + ".email"); !r) return std::unexpected(r.error());
    if (auto r = check_field(c[i].name, at + ".name"); !r) return std::unexpected(r.error());
    if (auto r = check_field(c[i].phone, at + ".phone"); !r) return std::unexpected(r.error());
  }
  if (auto vk = live_vault(svc, vault); !vk) return std::unexpected(vk.error());
  if (auto r = store::put_certificate_contacts(svc.catalog(), vault, contacts_array(c).dump(), Service::now()); !r)
    return std::unexpected(r.error());
  return c;
}

Result<std::vector<CertificateContact>> delete_certificate_contacts(Service& svc, const std::string& vault) {
  auto had = get_certificate_contacts(svc, vault);
  if (!had) return had;
  auto r = store::delete_certificate_contacts(svc.catalog(), vault);
  if (!r) return std::unexpected(r.error());
  return had;
}

Result<CertificateIssuer> get_certificate_issuer(Service& svc, const std::string& vault, const std::string& name) {
  if (auto r = check_issuer_name(name); !r) {
    // The built-in names are never stored: reading one is a plain 404, as for any name not set.
    if (lower(name) == "self" || lower(name) == "unknown") return std::unexpected(issuer_not_found(name));
    return std::unexpected(r.error());
  }
  if (auto vk = live_vault(svc, vault); !vk) return std::unexpected(vk.error());
  auto row = store::certificate_issuer(svc.catalog(), vault, name);
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(issuer_not_found(name));
  return issuer_of(**row);
}

Result<std::vector<CertificateIssuer>> list_certificate_issuers(Service& svc, const std::string& vault) {
  if (auto vk = live_vault(svc, vault); !vk) return std::unexpected(vk.error());
  auto rows = store::certificate_issuers(svc.catalog(), vault);
  if (!rows) return std::unexpected(rows.error());
  std::vector<CertificateIssuer> out;
  for (const auto& r : *rows) {
    auto i = issuer_of(r);
    if (!i) return std::unexpected(i.error());
    out.push_back(std::move(*i));
  }
  return out;
}

Result<CertificateIssuer> set_certificate_issuer(Service& svc, const std::string& vault, const std::string& name,
                                                 const IssuerChange& c, bool merge) {
  if (auto r = check_issuer_name(name); !r) return std::unexpected(r.error());
  if (!merge && (!c.provider || c.provider->empty()))
    return std::unexpected(bad("Property 'provider' is required."));
  if (c.provider && (c.provider->empty() || c.provider->size() > 127))
    return std::unexpected(bad("Property 'provider' must be 1-127 characters."));
  for (const auto& [v, field] : {std::pair{&c.account_id, "credentials.account_id"}, {&c.organization_id, "org_details.id"}})
    if (*v)
      if (auto r = check_field(**v, field); !r) return std::unexpected(r.error());
  if (c.password && c.password->size() > kMaxField)
    return std::unexpected(bad("Property 'credentials.pwd' is longer than 256 characters."));
  if (c.admins)
    for (std::size_t i = 0; i < c.admins->size(); ++i) {
      std::string at = "org_details.admin_details[" + std::to_string(i) + "]";
      const auto& a = (*c.admins)[i];
      if (auto r = check_email(a.email, at + ".email"); !r) return std::unexpected(r.error());
      for (const auto& [v, f] : {std::pair{&a.first_name, ".first_name"}, {&a.last_name, ".last_name"}, {&a.phone, ".phone"}})
        if (auto r = check_field(*v, at + f); !r) return std::unexpected(r.error());
    }
  auto vk = live_vault(svc, vault);
  if (!vk) return std::unexpected(vk.error());
  auto existing = store::certificate_issuer(svc.catalog(), vault, name);
  if (!existing) return std::unexpected(existing.error());
  if (merge && !*existing) return std::unexpected(issuer_not_found(name));

  const auto now = Service::now();
  CertificateIssuer i;
  store::IssuerRow row;
  if (merge) {
    auto old = issuer_of(**existing);
    if (!old) return std::unexpected(old.error());
    i = std::move(*old);
    row.pwd_iv = (*existing)->pwd_iv, row.pwd_ct = (*existing)->pwd_ct;  // kept unless a new one is given
  }
  i.name = *existing ? (*existing)->name : name;
  i.created = *existing ? (*existing)->created : now;
  i.updated = now;
  if (c.provider) i.provider = *c.provider;
  if (c.account_id || !merge) i.account_id = c.account_id;
  if (c.organization_id || !merge) i.organization_id = c.organization_id;
  if (c.admins || !merge) i.admins = c.admins.value_or(std::vector<IssuerAdmin>{});
  if (c.enabled || !merge) i.enabled = c.enabled.value_or(true);
  if (c.password || !merge) row.pwd_iv.clear(), row.pwd_ct.clear();
  if (c.password && !c.password->empty()) {
    auto& token = svc.token();
    auto iv = token.random(12);
    if (!iv) return std::unexpected(iv.error());
    std::string aad = issuer_password_aad(vault, i.name);
    auto ct = token.gcm_encrypt((*vk)->master, *iv, as_bytes(aad),
                                ByteView(reinterpret_cast<const std::uint8_t*>(c.password->data()), c.password->size()));
    if (!ct) return std::unexpected(ct.error());
    row.pwd_iv = std::move(*iv), row.pwd_ct = std::move(*ct);
  }
  i.has_password = !row.pwd_ct.empty();
  row.name = i.name;
  row.issuer_json = stored_issuer(i).dump();
  row.created = i.created, row.updated = i.updated;
  if (auto r = store::put_certificate_issuer(svc.catalog(), vault, row); !r) return std::unexpected(r.error());
  return i;
}

Result<CertificateIssuer> delete_certificate_issuer(Service& svc, const std::string& vault, const std::string& name) {
  auto i = get_certificate_issuer(svc, vault, name);
  if (!i) return i;
  auto r = store::delete_certificate_issuer(svc.catalog(), vault, name);
  if (!r) return std::unexpected(r.error());
  return i;
}

std::string pending_issuer_details(Service& svc, const std::string& vault, const std::string& issuer) {
  auto known = get_certificate_issuer(svc, vault, issuer);
  std::string what = known ? "Issuer '" + known->name + "' (provider " + known->provider + ") is configured in this vault"
                           : "Issuer '" + issuer + "' is not configured in this vault";
  return what + ", but coldvault enrols with no certificate authority: the request waits. Get the CSR from this "
                "operation, have the CA sign it, then merge the certificate (POST .../pending/merge), or cancel it.";
}

Json contacts_json(const std::vector<CertificateContact>& c, const std::string& base_url) {
  return {{"id", base_url + "/certificates/contacts"}, {"contacts", contacts_array(c)}};
}

Json issuer_json(const CertificateIssuer& i, const std::string& base_url) {
  Json j = {{"id", base_url + "/certificates/issuers/" + i.name}, {"provider", i.provider}};
  if (i.account_id) j["credentials"] = {{"account_id", *i.account_id}};  // never the password
  Json admins = Json::array();
  for (const auto& a : i.admins) {
    Json x = Json::object();
    if (!a.first_name.empty()) x["first_name"] = a.first_name;
    if (!a.last_name.empty()) x["last_name"] = a.last_name;
    if (!a.email.empty()) x["email"] = a.email;
    if (!a.phone.empty()) x["phone"] = a.phone;
    admins.push_back(std::move(x));
  }
  if (i.organization_id || !i.admins.empty()) {
    Json org = {{"admin_details", admins}};
    if (i.organization_id) org["id"] = *i.organization_id;
    j["org_details"] = org;
  }
  j["attributes"] = {{"enabled", i.enabled}, {"created", i.created}, {"updated", i.updated}};
  return j;
}

Json issuer_item_json(const CertificateIssuer& i, const std::string& base_url) {
  return {{"id", base_url + "/certificates/issuers/" + i.name}, {"provider", i.provider}};
}

}  // namespace cv::vault
