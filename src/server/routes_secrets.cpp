// /secrets and /deletedsecrets: Key Vault's secret operations over vault::Secrets.
#include "coldvault/bundle_json.hpp"
#include "coldvault/secret_formats.hpp"
#include "server/body.hpp"
#include "server/request_bodies.hpp"
#include "server/paging.hpp"
#include "server/routes_lifecycle.hpp"

namespace cv::server {

Result<vault::SetSecret> parse_set_secret(const BodyJson& j) {
  vault::SetSecret s;
  {
    CV_UNWRAP(value, req_secret(j, "value"));
    s.value = std::move(value);
  }
  CV_UNWRAP(ct, opt_string(j, "contentType"));
  CV_UNWRAP(tags, opt_tags(j));
  CV_UNWRAP(attrs, attributes_of(j));
  s.content_type = ct;
  if (tags) s.tags = *tags;
  s.attributes = attrs;
  return s;
}

Result<vault::UpdateSecret> parse_update_secret(const BodyJson& j) {
  vault::UpdateSecret u;
  CV_UNWRAP(ct, opt_string(j, "contentType"));
  CV_UNWRAP(tags, opt_tags(j));
  CV_UNWRAP(attrs, attributes_of(j));
  u.content_type = ct;
  u.tags = tags;
  u.attributes = attrs;
  return u;
}

namespace {

using vault::Shape;

Json out(vault::SecretBundle b, const Ctx& c, Shape s) {
  b.base_url = c.origin;  // ids carry the origin the client used, not the catalogue's default
  return vault::secret_json(b, s);
}

Result<Response> set_secret(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(s, parse_set_secret(j));
  vault::Secrets secrets(c.svc, c.vault);
  CV_UNWRAP(b, secrets.set(c.params.name, s));
  return json_response(200, out(std::move(b), c, Shape::Bundle));
}

// api-versions that answer previousVersion (docs/rest.md): 2025-07-01 and the date-named ones after it.
bool has_previous_version(const std::string& api_version) {
  return api_version.size() == 10 && api_version[4] == '-' && api_version >= "2025-07-01";
}

Result<Response> get_secret(Ctx& c) {
  vault::Secrets secrets(c.svc, c.vault);
  CV_UNWRAP(b, secrets.get(c.params.name, c.params.version));
  if (auto o = c.query.find("outContentType"); o != c.query.end())
    if (auto r = vault::convert_secret_value(b, o->second); !r) return std::unexpected(r.error());
  std::optional<std::string> previous;
  if (has_previous_version(c.api_version)) {
    CV_UNWRAP(p, vault::previous_certificate_version(c.svc, c.vault, b));
    previous = p;
  }
  Json j = out(std::move(b), c, Shape::Bundle);
  if (previous) j["previousVersion"] = *previous;
  return json_response(200, std::move(j));
}

Result<Response> update_secret(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(u, parse_update_secret(j));
  vault::Secrets secrets(c.svc, c.vault);
  CV_UNWRAP(b, secrets.update(c.params.name, c.params.version, u));
  return json_response(200, out(std::move(b), c, Shape::Bundle));
}

Result<Response> list_secrets(Ctx& c) {
  CV_UNWRAP(p, page_of(c));
  vault::Secrets secrets(c.svc, c.vault);
  CV_UNWRAP(rows, secrets.list(p.after, p.size + 1));
  return list_of(c, std::move(rows), p, ListKey::Name,
                 [&c](auto b) { return out(std::move(b), c, Shape::Item); });
}

Result<Response> list_versions(Ctx& c) {
  CV_UNWRAP(p, page_of(c));
  vault::Secrets secrets(c.svc, c.vault);
  CV_UNWRAP(rows, secrets.list_versions(c.params.name, p.after, p.size + 1));
  return list_of(c, std::move(rows), p, ListKey::Version,
                 [&c](auto b) { return out(std::move(b), c, Shape::VersionItem); });
}

}  // namespace

void add_secret_routes(Router& r) {
  r.add("PUT", "secrets/{name}", {"secrets", "set"}, set_secret);
  r.add("GET", "secrets", {"secrets", "list"}, list_secrets);
  r.add("GET", "secrets/{name}/versions", {"secrets", "list"}, list_versions);
  r.add("GET", "secrets/{name}/{version?}", {"secrets", "get"}, get_secret);
  r.add("PATCH", "secrets/{name}/{version?}", {"secrets", "set"}, update_secret);
  // Key Vault answers a secret's delete, show-deleted and recover without the value.
  add_lifecycle_routes(r, LifecycleAdapter<vault::Secrets, vault::SecretBundle>{
                              .collection = "secrets", .out = out, .single = Shape::VersionItem});
}

}  // namespace cv::server
