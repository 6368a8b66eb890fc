// /certificates and /deletedcertificates: Key Vault's certificate life cycle over vault::Certificates
// (policy, pending operation, merge, backup: routes_certificates_ops.cpp).
#include "server/routes_certificates.hpp"

#include "coldvault/base64.hpp"
#include "server/paging.hpp"
#include "server/request_bodies.hpp"
#include "server/routes_lifecycle.hpp"

namespace cv::server {
namespace cert_io {

Result<std::optional<Json>> opt_policy_json(const BodyJson& j) {
  auto it = j.find("policy");
  if (it == j.end() || it->is_null()) return std::optional<Json>{};
  if (!it->is_object())
    return std::unexpected(bad_parameter("Property 'policy' must be a certificate policy object."));
  return std::optional<Json>(Json(*it));  // a policy holds no secret: a plain tree from here on
}

Result<std::optional<vault::CertificatePolicy>> opt_policy(const BodyJson& j) {
  auto pj = opt_policy_json(j);
  if (!pj) return std::unexpected(pj.error());
  if (!*pj) return std::optional<vault::CertificatePolicy>{};
  auto p = vault::certificate_policy_from_json(**pj);
  if (!p) return std::unexpected(p.error());
  return std::optional<vault::CertificatePolicy>(std::move(*p));
}

}  // namespace cert_io

namespace {

constexpr std::string_view kPemStart = "-----BEGIN";

bool looks_like_pem(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text.substr(first).starts_with(kPemStart);
}

// The import `value`: PEM text as sent (the SDK sends PEM unencoded), else the base64 of a PFX (the SDK
// sends standard base64 with padding; base64url is accepted too). A base64 that decodes to PEM text is
// PEM. Sets the input's content type accordingly.
Result<void> read_import_value(const SecureString& value, vault::ImportCertificate& imp) {
  std::string_view text(value.data(), value.size());
  if (looks_like_pem(text)) {
    imp.content.assign(value.begin(), value.end());
    imp.content_type = vault::kContentTypePem;
    return {};
  }
  auto raw = base64_decode(text);
  if (!raw) raw = base64url_decode_lenient_padding(text);
  if (!raw || raw->empty())
    return std::unexpected(bad_parameter(
        "Property 'value' must be PEM text or the base64 of a PFX (PKCS#12) file; it is neither "
        "(not valid standard base64 or base64url)."));
  imp.content.assign(raw->begin(), raw->end());
  secure_wipe(raw->data(), raw->size());
  imp.content_type = looks_like_pem(as_chars(imp.content)) ? vault::kContentTypePem
                                                           : vault::kContentTypePkcs12;
  return {};
}

}  // namespace

Result<CertificateCreateBody> parse_create_certificate(const BodyJson& j) {
  CV_UNWRAP(policy, cert_io::opt_policy(j));
  CV_UNWRAP(tags, opt_tags(j));
  CV_UNWRAP(attrs, attributes_of(j));
  CV_UNWRAP(order, opt_bool(j, "preserveCertOrder"));  // checked; chains are always kept in order
  (void)order;
  return CertificateCreateBody{std::move(policy), std::move(tags), attrs};
}

Result<vault::ImportCertificate> parse_import_certificate(const BodyJson& j) {
  vault::ImportCertificate imp;
  {
    CV_UNWRAP(value, opt_secret(j, "value"));
    if (!value) return std::unexpected(bad_parameter("Property 'value' is required."));
    if (auto r = read_import_value(*value, imp); !r) return std::unexpected(r.error());
  }
  CV_UNWRAP(pwd, opt_secret(j, "pwd"));
  if (pwd) imp.password = std::move(*pwd);
  CV_UNWRAP(policy, cert_io::opt_policy(j));
  CV_UNWRAP(tags, opt_tags(j));
  CV_UNWRAP(attrs, attributes_of(j));
  CV_UNWRAP(order, opt_bool(j, "preserveCertOrder"));
  (void)order;
  imp.policy = std::move(policy);
  if (tags) imp.tags = *tags;
  imp.attributes = attrs;
  return imp;
}

Result<vault::UpdateCertificate> parse_update_certificate(const BodyJson& j) {
  CV_UNWRAP(policy, cert_io::opt_policy_json(j));
  CV_UNWRAP(tags, opt_tags(j));
  CV_UNWRAP(attrs, attributes_of(j));
  vault::UpdateCertificate u;
  u.tags = tags;
  u.attributes = attrs;
  // A PATCH that also carries a policy (az keyvault certificate set-attributes --policy): one transaction
  // in the vault layer, so a refused policy or tag leaves the certificate as it was.
  u.policy = std::move(policy);
  return u;
}

namespace {

using vault::Shape;
using cert_io::bundle_out;
using cert_io::operation_out;

Result<Response> create_certificate(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(body, parse_create_certificate(j));
  vault::Certificates certs(c.svc, c.vault);
  vault::CreateCertificate cc;
  if (body.policy) {
    cc.policy = std::move(*body.policy);
  } else {
    // Key Vault makes a new version of an existing certificate with its current policy.
    auto current = certs.policy(c.params.name);
    if (!current) {
      if (current.error().code != Errc::NotFound) return std::unexpected(current.error());
      return std::unexpected(
          bad_parameter("Property 'policy' is required to create a new certificate."));
    }
    cc.policy = std::move(*current);
  }
  if (body.tags) cc.tags = *body.tags;
  cc.attributes = body.attributes;
  CV_UNWRAP(op, certs.create(c.params.name, cc));
  if (op.status == "completed") {
    // A self-signed certificate is made during this request, but Key Vault answers a create with
    // "inProgress" and completes on a later poll; Python's sync poller fetches the certificate only after
    // a poll says "completed" (with "completed" here it returns None). So: inProgress now, and the first
    // GET .../pending answers completed (get_pending: the certificate has its DER).
    op.status = "inProgress";
    op.status_details =
        "Pending certificate created. Certificate request is in progress. This may take some time based on "
        "the issuer provider. Please check again later.";
    op.target.clear();
  }
  Response r = json_response(202, operation_out(std::move(op), c));
  // Where the operation can be polled, as Key Vault answers (the SDK poller builds the URL itself).
  r.headers.emplace_back("Location", c.origin + "/certificates/" + percent_encode(c.params.name) +
                                         "/pending?api-version=" + percent_encode(c.api_version));
  return r;
}

Result<Response> import_certificate(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(imp, parse_import_certificate(j));
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(b, certs.import(c.params.name, imp));
  return json_response(200, bundle_out(std::move(b), c, Shape::Bundle));
}

Result<Response> get_certificate(Ctx& c) {
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(b, certs.get(c.params.name, c.params.version));
  return json_response(200, bundle_out(std::move(b), c, Shape::Bundle));
}

Result<Response> update_certificate(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(u, parse_update_certificate(j));
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(b, certs.update(c.params.name, c.params.version, u));
  return json_response(200, bundle_out(std::move(b), c, Shape::Bundle));
}

// `includePending` is accepted (the SDK may send it); pending certificates are always listed, without
// x5t, as Key Vault lists them when it is true.
Result<void> check_include_pending(const Ctx& c) {
  auto it = c.query.find("includePending");
  if (it == c.query.end() || it->second == "true" || it->second == "false") return {};
  return std::unexpected(bad_parameter("Invalid value for includePending: '" +
                                       it->second.substr(0, 20) + "'. Use true or false."));
}

Result<Response> list_certificates(Ctx& c) {
  if (auto r = check_include_pending(c); !r) return std::unexpected(r.error());
  CV_UNWRAP(p, page_of(c));
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(rows, certs.list(p.after, p.size + 1));
  return list_of(c, std::move(rows), p, ListKey::Name,
                 [&c](auto b) { return bundle_out(std::move(b), c, Shape::Item); });
}

Result<Response> list_versions(Ctx& c) {
  CV_UNWRAP(p, page_of(c));
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(rows, certs.list_versions(c.params.name, p.after, p.size + 1));
  return list_of(c, std::move(rows), p, ListKey::Version,
                 [&c](auto b) { return bundle_out(std::move(b), c, Shape::VersionItem); });
}

}  // namespace

void add_certificate_routes(Router& r) {
  r.add("POST", "certificates/{name}/create", {"certificates", "create"}, create_certificate);
  r.add("POST", "certificates/{name}/import", {"certificates", "import"}, import_certificate);
  r.add("GET", "certificates", {"certificates", "list"}, list_certificates);
  r.add("GET", "certificates/{name}/versions", {"certificates", "list"}, list_versions);
  r.add("GET", "certificates/{name}/{version?}", {"certificates", "get"}, get_certificate);
  r.add("PATCH", "certificates/{name}/{version?}", {"certificates", "update"}, update_certificate);
  add_lifecycle_routes(r, LifecycleAdapter<vault::Certificates, vault::CertificateBundle>{
                              .collection = "certificates",
                              .out = bundle_out,
                              .single = Shape::Bundle,
                              .check_list_query = check_include_pending});
}

}  // namespace cv::server
