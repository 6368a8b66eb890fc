// The vault-management routes, shaped like Azure Resource Manager's Microsoft.KeyVault calls (the
// subscription, resource group and location in the path are accepted as given and echoed into ids;
// coldvault keeps none of them). docs/rest.md "Management API" lists them. Every handler parses, calls
// one domain function (coldvault/vault_lifecycle.hpp, vault_info.hpp) and shapes the ARM JSON.
#include <algorithm>
#include <cctype>
#include <ctime>

#include "coldvault/vault_info.hpp"
#include "coldvault/vault_lifecycle.hpp"
#include "coldvault/time_text.hpp"
#include "server/body.hpp"
#include "server/request_context.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

constexpr const char* kLocation = "local";
constexpr const char* kTenant = "00000000-0000-0000-0000-000000000000";
constexpr const char* kProvider = "/providers/Microsoft.KeyVault";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}


// The path's subscription and resource group ("coldvault" where the path has none).
struct ArmScope {
  std::string subscription;
  std::string resource_group = "coldvault";
};

ArmScope scope_of(const Ctx& c) {
  ArmScope s;
  auto seg = split_path(c.path);
  if (seg && seg->size() > 1) s.subscription = (*seg)[1];
  if (seg && seg->size() > 3 && iequals((*seg)[2], "resourceGroups")) s.resource_group = (*seg)[3];
  return s;
}

std::string vault_id(const ArmScope& s, const std::string& name) {
  return "/subscriptions/" + s.subscription + "/resourceGroups/" + s.resource_group + kProvider + "/vaults/" + name;
}

// The data-plane URI of a vault as this server serves it: <name>.vault.localhost on the request's port.
std::string vault_uri(const Ctx& c, const vault::VaultInfo& v) {
  std::string scheme = c.origin.substr(0, c.origin.find("://"));
  std::string port;
  if (auto colon = c.req.host.rfind(':'); colon != std::string::npos && c.req.host.find(']', colon) == std::string::npos)
    port = c.req.host.substr(colon);
  return scheme + "://" + v.name + ".vault.localhost" + port + "/";
}

Json vault_resource(const Ctx& c, const ArmScope& s, const vault::VaultInfo& v) {
  Json props = {{"tenantId", kTenant},
                {"sku", {{"family", "A"}, {"name", "standard"}}},
                {"accessPolicies", Json::array()},
                {"vaultUri", vault_uri(c, v)},
                {"enableSoftDelete", true},
                {"softDeleteRetentionInDays", v.retention_days},
                {"enablePurgeProtection", v.purge_protection ? Json(true) : Json(nullptr)},
                {"provisioningState", "Succeeded"}};
  return {{"id", vault_id(s, v.name)}, {"name", v.name},   {"type", "Microsoft.KeyVault/vaults"},
          {"location", kLocation},     {"tags", Json::object()}, {"properties", props}};
}

Json deleted_resource(const ArmScope& s, const vault::VaultInfo& v) {
  Json props = {{"vaultId", vault_id(s, v.name)},
                {"location", kLocation},
                {"deletionDate", utc_iso8601(v.deleted_date.value_or(0))},
                {"scheduledPurgeDate", utc_iso8601(v.scheduled_purge.value_or(0))},
                {"tags", Json::object()},
                {"purgeProtectionEnabled", v.purge_protection}};
  return {{"id", "/subscriptions/" + s.subscription + kProvider + "/locations/" + kLocation + "/deletedVaults/" + v.name},
          {"name", v.name},
          {"type", "Microsoft.KeyVault/deletedVaults"},
          {"properties", props}};
}

// The properties object of a PUT/PATCH body ({} when absent).
Result<BodyJson> properties_of(const BodyJson& body) {
  auto it = body.find("properties");
  if (it == body.end() || it->is_null()) return BodyJson::object();
  if (!it->is_object()) return std::unexpected(bad_parameter("properties: expected a JSON object"));
  return *it;
}

// softDeleteRetentionInDays and enablePurgeProtection of a body's properties.
Result<vault::VaultUpdate> update_of(const BodyJson& props) {
  vault::VaultUpdate u;
  CV_UNWRAP(days, opt_int(props, "softDeleteRetentionInDays"));
  if (days) {
    if (*days < 7 || *days > 90)
      return std::unexpected(bad_parameter("properties.softDeleteRetentionInDays: 7 to 90 days, not " +
                                           std::to_string(*days)));
    u.retention_days = static_cast<int>(*days);
  }
  CV_UNWRAP(protect, opt_bool(props, "enablePurgeProtection"));
  u.purge_protection = protect;
  CV_UNWRAP(soft, opt_bool(props, "enableSoftDelete"));
  if (soft && !*soft)
    return std::unexpected(bad_parameter("properties.enableSoftDelete: coldvault vaults always keep soft delete"));
  return u;
}

Result<Response> put_vault(Ctx& c) {
  CV_UNWRAP(body, json_body(c.req, false));
  CV_UNWRAP(props, properties_of(body));
  CV_UNWRAP(mode, opt_string(props, "createMode"));
  CV_UNWRAP(u, update_of(props));
  const ArmScope s = scope_of(c);
  if (mode && *mode != "default" && *mode != "recover")
    return std::unexpected(bad_parameter("properties.createMode: \"default\" or \"recover\", not \"" +
                                         mode->substr(0, 32) + "\""));
  if (mode && *mode == "recover") {
    CV_UNWRAP(v, vault::recover_vault(c.svc, c.params.name));
    return json_response(200, vault_resource(c, s, v));
  }
  if (auto live = vault::vault_info(c.svc, c.params.name); live) {
    if (!u.retention_days && !u.purge_protection) return json_response(200, vault_resource(c, s, *live));
    CV_UNWRAP(v, vault::update_vault(c.svc, c.params.name, u));
    return json_response(200, vault_resource(c, s, v));
  }
  vault::VaultOptions o{c.params.name, u.retention_days.value_or(90), u.purge_protection.value_or(false)};
  CV_UNWRAP(v, vault::create_vault(c.svc, o));
  return json_response(200, vault_resource(c, s, v));
}

Result<Response> patch_vault(Ctx& c) {
  CV_UNWRAP(body, json_body(c.req, false));
  CV_UNWRAP(props, properties_of(body));
  CV_UNWRAP(u, update_of(props));
  const ArmScope s = scope_of(c);
  if (!u.retention_days && !u.purge_protection) {
    CV_UNWRAP(v, vault::vault_info(c.svc, c.params.name));
    return json_response(200, vault_resource(c, s, v));
  }
  CV_UNWRAP(v, vault::update_vault(c.svc, c.params.name, u));
  return json_response(200, vault_resource(c, s, v));
}

Result<Response> get_vault(Ctx& c) {
  CV_UNWRAP(v, vault::vault_info(c.svc, c.params.name));
  return json_response(200, vault_resource(c, scope_of(c), v));
}

Result<Response> delete_vault(Ctx& c) {
  CV_UNWRAP(v, vault::delete_vault(c.svc, c.params.name));
  (void)v;
  return Response{200, "", {}};
}

Result<Response> list_vaults(Ctx& c) {
  CV_UNWRAP(all, vault::list_vaults(c.svc));
  const ArmScope s = scope_of(c);
  Json out = Json::array();
  for (const auto& v : all) out.push_back(vault_resource(c, s, v));
  return json_response(200, {{"value", out}});
}

Result<Response> list_deleted(Ctx& c) {
  CV_UNWRAP(all, vault::list_deleted_vaults(c.svc));
  const ArmScope s = scope_of(c);
  Json out = Json::array();
  for (const auto& v : all) out.push_back(deleted_resource(s, v));
  return json_response(200, {{"value", out}});
}

Result<Response> get_deleted(Ctx& c) {
  CV_UNWRAP(v, vault::get_deleted_vault(c.svc, c.params.name));
  return json_response(200, deleted_resource(scope_of(c), v));
}

Result<Response> purge_deleted(Ctx& c) {
  if (auto r = vault::purge_vault(c.svc, c.params.name); !r) return std::unexpected(r.error());
  return Response{200, "", {}};
}

}  // namespace

void add_management_routes(Router& r) {
  const Permission admin{"vaults", "admin"};
  const std::string rg = "subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/";
  const std::string sub = "subscriptions/{sub}/providers/Microsoft.KeyVault/";
  r.add("PUT", rg + "vaults/{name}", admin, put_vault);
  r.add("PATCH", rg + "vaults/{name}", admin, patch_vault);
  r.add("GET", rg + "vaults/{name}", admin, get_vault);
  r.add("DELETE", rg + "vaults/{name}", admin, delete_vault);
  r.add("GET", rg + "vaults", admin, list_vaults);
  r.add("GET", sub + "vaults", admin, list_vaults);
  r.add("GET", sub + "deletedVaults", admin, list_deleted);
  r.add("GET", sub + "locations/{loc}/deletedVaults/{name}", admin, get_deleted);
  r.add("POST", sub + "locations/{loc}/deletedVaults/{name}/purge", admin, purge_deleted);
}

}  // namespace cv::server
