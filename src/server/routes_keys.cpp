// /keys and /deletedkeys: key life cycle over vault::Keys (crypto operations: routes_key_ops.cpp).
#include "coldvault/bundle_json.hpp"
#include "coldvault/keys.hpp"
#include "server/body.hpp"
#include "server/request_bodies.hpp"
#include "server/paging.hpp"
#include "server/routes_lifecycle.hpp"

namespace cv::server {
namespace {

// key_ops, tags and attributes, shared by create, import and update.
Result<void> read_common(const BodyJson& j, std::optional<std::vector<std::string>>& ops,
                         std::optional<vault::Tags>& tags, vault::Attributes& attrs) {
  auto o = opt_strings(j, "key_ops");
  if (!o) return std::unexpected(o.error());
  auto t = opt_tags(j);
  if (!t) return std::unexpected(t.error());
  auto a = attributes_of(j);
  if (!a) return std::unexpected(a.error());
  ops = std::move(*o);
  tags = std::move(*t);
  attrs = *a;
  return {};
}

// Key release (api-version 7.3 on) is not implemented: a key asked to be exportable or to carry a release
// policy is refused with the field named, never made without them (docs/keys.md, "Key release").
Result<void> refuse_release(const BodyJson& j) {
  if (auto a = j.find("attributes"); a != j.end() && a->is_object())
    if (auto e = a->find("exportable"); e != a->end() && !e->is_null() && !(e->is_boolean() && !e->get<bool>()))
      return std::unexpected(bad_parameter(
          "Property 'attributes.exportable' is not supported: coldvault has no key release, its keys never leave "
          "the token unwrapped (omit it or send false)."));
  if (auto r = j.find("release_policy"); r != j.end() && !r->is_null())
    return std::unexpected(bad_parameter(
        "Property 'release_policy' is not supported: coldvault has no key release (omit it)."));
  return {};
}

}  // namespace

Result<vault::KeySpec> parse_create_key(const BodyJson& j) {
  if (auto r = refuse_release(j); !r) return std::unexpected(r.error());
  vault::KeySpec spec;
  CV_UNWRAP(kty, req_string(j, "kty"));
  CV_UNWRAP(size, opt_int(j, "key_size"));
  CV_UNWRAP(crv, opt_string(j, "crv"));
  CV_UNWRAP(exponent, opt_int(j, "public_exponent"));
  if (exponent && *exponent != 65537)
    return std::unexpected(bad_parameter("Only the public exponent 65537 is supported."));
  if (size && (*size <= 0 || *size > 16384))
    return std::unexpected(bad_parameter("Property 'key_size' is out of range."));
  std::optional<vault::Tags> tags;
  if (auto r = read_common(j, spec.ops, tags, spec.attributes); !r)
    return std::unexpected(r.error());
  spec.kty = kty;
  if (size) spec.size = static_cast<unsigned>(*size);
  spec.crv = crv;
  if (tags) spec.tags = *tags;
  return spec;
}

Result<KeyImportBody> parse_import_key(const BodyJson& j) {
  if (auto r = refuse_release(j); !r) return std::unexpected(r.error());
  auto key = j.find("key");
  if (key == j.end() || !key->is_object())
    return std::unexpected(
        bad_parameter("Property 'key' is required and must be a JSON Web Key object."));
  vault::KeySpec spec;
  CV_UNWRAP(kty, req_string(*key, "kty"));
  spec.kty = kty;
  CV_UNWRAP(crv, opt_string(*key, "crv"));
  spec.crv = crv;
  CV_UNWRAP(ops, opt_strings(*key, "key_ops"));
  spec.ops = ops;
  CV_UNWRAP(tags, opt_tags(j));
  if (tags) spec.tags = *tags;
  CV_UNWRAP(attrs, attributes_of(j));
  spec.attributes = attrs;
  CV_UNWRAP(hsm, opt_bool(j, "Hsm"));  // accepted and ignored: every coldvault key is in the token
  (void)hsm;
  if (auto h = key->find("key_hsm"); h != key->end() && !h->is_null()) {
    // BYOK: the .byok blob carries the key wrapped for one of this vault's KEKs (docs/keys.md, "BYOK").
    if (!h->is_string()) return std::unexpected(bad_parameter("Property 'key.key_hsm' must be a base64url string."));
    return KeyImportBody{std::move(spec), h->get_ref<const SecureString&>(), {}};
  }
  // The body tree and this text both wipe themselves.
  return KeyImportBody{std::move(spec), std::nullopt, key->dump()};
}

Result<vault::UpdateKey> parse_update_key(const BodyJson& j) {
  vault::UpdateKey u;
  if (auto r = read_common(j, u.ops, u.tags, u.attributes); !r) return std::unexpected(r.error());
  return u;
}

namespace {

using vault::Shape;

Json out(vault::KeyBundle b, const Ctx& c, Shape s) {
  b.base_url =
      c.origin;  // kids carry the origin the client used: CryptographyClient calls go there
  return vault::key_json(b, s);
}

Result<Response> create_key(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(spec, parse_create_key(j));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(b, keys.create(c.params.name, spec));
  return json_response(200, out(std::move(b), c, Shape::Bundle));
}

Result<Response> import_key(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(in, parse_import_key(j));
  vault::Keys keys(c.svc, c.vault);
  if (in.key_hsm) {
    CV_UNWRAP(b, keys.import_byok(c.params.name, in.key_hsm->view(), in.spec));
    return json_response(200, out(std::move(b), c, Shape::Bundle));
  }
  CV_UNWRAP(b, keys.import_jwk(c.params.name, in.jwk, in.spec));
  return json_response(200, out(std::move(b), c, Shape::Bundle));
}

Result<Response> get_key(Ctx& c) {
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(b, keys.get(c.params.name, c.params.version));
  return json_response(200, out(std::move(b), c, Shape::Bundle));
}

Result<Response> update_key(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(u, parse_update_key(j));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(b, keys.update(c.params.name, c.params.version, u));
  return json_response(200, out(std::move(b), c, Shape::Bundle));
}

Result<Response> rotate_key(Ctx& c) {
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(b, keys.rotate(c.params.name));
  return json_response(200, out(std::move(b), c, Shape::Bundle));
}

Result<Response> list_keys(Ctx& c) {
  CV_UNWRAP(p, page_of(c));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(rows, keys.list(p.after, p.size + 1));
  return list_of(c, std::move(rows), p, ListKey::Name,
                 [&c](auto b) { return out(std::move(b), c, Shape::Item); });
}

Result<Response> list_versions(Ctx& c) {
  CV_UNWRAP(p, page_of(c));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(rows, keys.list_versions(c.params.name, p.after, p.size + 1));
  return list_of(c, std::move(rows), p, ListKey::Version,
                 [&c](auto b) { return out(std::move(b), c, Shape::VersionItem); });
}

}  // namespace

void add_key_routes(Router& r) {
  r.add("POST", "keys/{name}/create", {"keys", "create"}, create_key);
  r.add("PUT", "keys/{name}", {"keys", "import"}, import_key);
  r.add("GET", "keys", {"keys", "list"}, list_keys);
  r.add("GET", "keys/{name}/versions", {"keys", "list"}, list_versions);
  r.add("GET", "keys/{name}/{version?}", {"keys", "get"}, get_key);
  r.add("PATCH", "keys/{name}/{version?}", {"keys", "update"}, update_key);
  r.add("POST", "keys/{name}/rotate", {"keys", "rotate"}, rotate_key);
  add_lifecycle_routes(r, LifecycleAdapter<vault::Keys, vault::KeyBundle>{
                              .collection = "keys", .out = out, .single = Shape::Bundle});
}

}  // namespace cv::server
