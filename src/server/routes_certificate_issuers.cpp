// /certificates/contacts (GET, PUT, DELETE) and /certificates/issuers[/{name}] (GET list; GET, PUT, PATCH,
// DELETE one) over coldvault/certificate_issuers.hpp. Bodies as Key Vault's: {contacts: [{email, name,
// phone}]}; {provider, credentials: {account_id, pwd}, org_details: {id, admin_details: [...]}, attributes:
// {enabled}}. The password goes only into a wiped buffer and is never answered.
#include <algorithm>
#include <cctype>

#include "coldvault/certificate_issuers.hpp"
#include "server/body.hpp"
#include "server/paging.hpp"
#include "server/request_bodies.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

// One object member that must be an object when present (null counts as absent).
Result<const BodyJson*> opt_object(const BodyJson& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  if (!it->is_object()) return std::unexpected(bad_parameter("Property '" + std::string(key) + "' must be an object."));
  return &*it;
}

Result<std::string> opt_text(const BodyJson& j, std::string_view key) {
  CV_UNWRAP(v, opt_string(j, key));
  return v.value_or("");
}

Result<Response> get_contacts(Ctx& c) {
  CV_UNWRAP(list, vault::get_certificate_contacts(c.svc, c.vault));
  return json_response(200, vault::contacts_json(list, c.origin));
}

}  // namespace

Result<std::vector<vault::CertificateContact>> parse_contacts(const BodyJson& j) {
  auto it = j.find("contacts");
  if (it == j.end() || !it->is_array())
    return std::unexpected(bad_parameter("Property 'contacts' is required and must be an array."));
  std::vector<vault::CertificateContact> list;
  for (const auto& x : *it) {
    if (!x.is_object()) return std::unexpected(bad_parameter("Each of 'contacts' must be an object."));
    CV_UNWRAP(email, opt_text(x, "email"));
    CV_UNWRAP(name, opt_text(x, "name"));
    CV_UNWRAP(phone, opt_text(x, "phone"));
    list.push_back({email, name, phone});
  }
  return list;
}

namespace {

Result<Response> set_contacts(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(list, parse_contacts(j));
  CV_UNWRAP(stored, vault::set_certificate_contacts(c.svc, c.vault, list));
  return json_response(200, vault::contacts_json(stored, c.origin));
}

Result<Response> delete_contacts(Ctx& c) {
  CV_UNWRAP(list, vault::delete_certificate_contacts(c.svc, c.vault));
  return json_response(200, vault::contacts_json(list, c.origin));
}

Result<Response> list_issuers(Ctx& c) {
  CV_UNWRAP(p, page_of(c));
  CV_UNWRAP(all, vault::list_certificate_issuers(c.svc, c.vault));
  Json items = Json::array();
  std::vector<std::string> cursors;
  // Sorted by name as names compare (case-insensitively); keyset paging as the other lists (server/paging.hpp).
  auto before = [](std::string_view a, std::string_view b) {
    return std::ranges::lexicographical_compare(
        a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
  };
  for (const auto& issuer : all) {
    if (!p.after.empty() && !before(p.after, issuer.name)) continue;
    if (items.size() == p.size + 1) break;
    cursors.push_back(issuer.name);
    items.push_back(vault::issuer_item_json(issuer, c.origin));
  }
  return list_response(c, std::move(items), cursors, p);
}

Result<Response> get_issuer(Ctx& c) {
  CV_UNWRAP(i, vault::get_certificate_issuer(c.svc, c.vault, c.params.name));
  return json_response(200, vault::issuer_json(i, c.origin));
}

}  // namespace

Result<vault::IssuerChange> parse_issuer_change(const BodyJson& j) {
  vault::IssuerChange ch;
  CV_UNWRAP(provider, opt_string(j, "provider"));
  ch.provider = provider;
  CV_UNWRAP(cred, opt_object(j, "credentials"));
  if (cred) {
    CV_UNWRAP(account, opt_string(*cred, "account_id"));
    ch.account_id = account;
    CV_UNWRAP(pwd, opt_secret(*cred, "pwd"));
    if (pwd) ch.password = std::move(*pwd);
  }
  CV_UNWRAP(org, opt_object(j, "org_details"));
  if (org) {
    CV_UNWRAP(id, opt_string(*org, "id"));
    ch.organization_id = id;
    if (auto a = org->find("admin_details"); a != org->end() && !a->is_null()) {
      if (!a->is_array()) return std::unexpected(bad_parameter("Property 'org_details.admin_details' must be an array."));
      std::vector<vault::IssuerAdmin> admins;
      for (const auto& x : *a) {
        if (!x.is_object()) return std::unexpected(bad_parameter("Each of 'org_details.admin_details' must be an object."));
        CV_UNWRAP(first, opt_text(x, "first_name"));
        CV_UNWRAP(last, opt_text(x, "last_name"));
        CV_UNWRAP(email, opt_text(x, "email"));
        CV_UNWRAP(phone, opt_text(x, "phone"));
        admins.push_back({first, last, email, phone});
      }
      ch.admins = std::move(admins);
    }
  }
  CV_UNWRAP(attrs, opt_object(j, "attributes"));
  if (attrs) {
    CV_UNWRAP(enabled, opt_bool(*attrs, "enabled"));
    ch.enabled = enabled;
  }
  return ch;
}

namespace {

Result<Response> put_issuer(Ctx& c, bool merge) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(ch, parse_issuer_change(j));
  CV_UNWRAP(i, vault::set_certificate_issuer(c.svc, c.vault, c.params.name, ch, merge));
  return json_response(200, vault::issuer_json(i, c.origin));
}

Result<Response> delete_issuer(Ctx& c) {
  CV_UNWRAP(i, vault::delete_certificate_issuer(c.svc, c.vault, c.params.name));
  return json_response(200, vault::issuer_json(i, c.origin));
}

}  // namespace

void add_certificate_issuer_routes(Router& r) {
  r.add("GET", "certificates/contacts", {"certificates", "managecontacts"}, get_contacts);
  r.add("PUT", "certificates/contacts", {"certificates", "managecontacts"}, set_contacts);
  r.add("DELETE", "certificates/contacts", {"certificates", "managecontacts"}, delete_contacts);
  r.add("GET", "certificates/issuers", {"certificates", "listissuers"}, list_issuers);
  r.add("GET", "certificates/issuers/{name}", {"certificates", "getissuers"}, get_issuer);
  r.add("PUT", "certificates/issuers/{name}", {"certificates", "setissuers"}, [](Ctx& c) { return put_issuer(c, false); });
  r.add("PATCH", "certificates/issuers/{name}", {"certificates", "setissuers"}, [](Ctx& c) { return put_issuer(c, true); });
  r.add("DELETE", "certificates/issuers/{name}", {"certificates", "deleteissuers"}, delete_issuer);
}

}  // namespace cv::server
