// /certificates/{name}/policy, /pending, /pending/merge, /backup and /certificates/restore (contacts and
// issuers: routes_certificate_issuers.cpp).
#include "coldvault/backup.hpp"
#include "coldvault/base64.hpp"
#include "server/paging.hpp"
#include "server/router.hpp"
#include "server/request_bodies.hpp"
#include "server/routes_certificates.hpp"

namespace cv::server {

namespace {

Result<Bytes> decode_b64_any(std::string_view text) {
  auto raw = base64_decode(text);
  if (!raw) raw = base64url_decode_lenient_padding(text);
  return raw;
}

std::string without_space(std::string_view s) {
  std::string out;
  for (char ch : s)
    if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') out.push_back(ch);
  return out;
}

// One x5c entry -> DER certificates. Key Vault takes base64 of DER; the SDK's own merge sample passes
// the bytes of the PEM body (or a whole PEM file), which the SDK base64-encodes once more, so an entry
// whose bytes are base64 or PEM text is unwrapped too (a PEM file may hold several certificates).
Result<void> x5c_entry(const BodyJson& e, std::size_t i, std::vector<Bytes>& out) {
  std::string field = "Property 'x5c[" + std::to_string(i) + "]'";
  if (!e.is_string())
    return std::unexpected(bad_parameter(field + " must be a string (base64 of a DER certificate)."));
  auto raw = decode_b64_any(e.get_ref<const SecureString&>().view());
  if (!raw || raw->empty())
    return std::unexpected(bad_parameter(field + " is not valid base64 (standard or base64url)."));
  if ((*raw)[0] == 0x30) {  // DER: an ASN.1 SEQUENCE
    out.push_back(std::move(*raw));
    return {};
  }
  std::string_view text = as_chars(*raw);
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----", kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> bodies;
  if (text.find(kBegin) != std::string_view::npos) {
    for (auto b = text.find(kBegin); b != std::string_view::npos; b = text.find(kBegin, b)) {
      b += kBegin.size();
      auto end = text.find(kEnd, b);
      if (end == std::string_view::npos)
        return std::unexpected(bad_parameter(field + " holds PEM text with an unterminated CERTIFICATE block."));
      bodies.push_back(without_space(text.substr(b, end - b)));
      b = end + kEnd.size();
    }
  } else {
    bodies.push_back(without_space(text));
  }
  for (const auto& body : bodies) {
    auto der = decode_b64_any(body);
    if (!der || der->empty() || (*der)[0] != 0x30)
      return std::unexpected(bad_parameter(
          field + " is neither the base64 of a DER certificate nor of PEM/base64 certificate text."));
    out.push_back(std::move(*der));
  }
  return {};
}

}  // namespace

Result<MergeBody> parse_merge_certificate(const BodyJson& j) {
  auto x5c = j.find("x5c");
  if (x5c == j.end() || !x5c->is_array() || x5c->empty())
    return std::unexpected(bad_parameter(
        "Property 'x5c' is required: an array of base64 DER certificates, the issued one first."));
  std::vector<Bytes> chain;
  for (std::size_t i = 0; i < x5c->size(); ++i)
    if (auto r = x5c_entry((*x5c)[i], i, chain); !r) return std::unexpected(r.error());
  CV_UNWRAP(tags, opt_tags(j));
  CV_UNWRAP(attrs, attributes_of(j));
  return MergeBody{std::move(chain), std::move(tags), attrs};
}

namespace {

using vault::Shape;
using cert_io::bundle_out;
using cert_io::operation_out;

std::string policy_id(const Ctx& c) { return c.origin + "/certificates/" + c.params.name + "/policy"; }

Result<Response> get_policy(Ctx& c) {
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(p, certs.policy(c.params.name));
  return json_response(200, vault::certificate_policy_json(p, policy_id(c)));
}

Result<Response> update_policy(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(p, certs.update_policy(c.params.name, Json(j)));  // a policy holds no secret
  return json_response(200, vault::certificate_policy_json(p, policy_id(c)));
}

// The certificate's operation. Key Vault keeps the operation of a finished certificate and answers
// with status "completed"; the create poller GETs /pending right after a Self create (which finishes
// at once) and fails on a 404, so a certificate that has its DER and no pending operation answers so.
Result<vault::CertificateOperation> operation_of(const Ctx& c, vault::Certificates& certs) {
  auto op = certs.pending(c.params.name);
  if (op || op.error().code != Errc::NotFound) return op;
  auto b = certs.get(c.params.name, "");
  if (!b || b->cer.empty()) return op;
  vault::CertificateOperation done;
  done.name = c.params.name;
  done.issuer = b->policy.issuer;
  done.status = "completed";
  done.target = c.origin + "/certificates/" + c.params.name;
  return done;
}

Result<Response> get_pending(Ctx& c) {
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(op, operation_of(c, certs));
  return json_response(200, operation_out(std::move(op), c));
}

Result<Response> update_pending(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(cancel, opt_bool(j, "cancellation_requested"));
  if (!cancel)
    return std::unexpected(bad_parameter("Property 'cancellation_requested' is required."));
  vault::Certificates certs(c.svc, c.vault);
  if (!*cancel) {  // nothing to change: a request cannot be un-cancelled
    CV_UNWRAP(op, operation_of(c, certs));
    return json_response(200, operation_out(std::move(op), c));
  }
  CV_UNWRAP(op, certs.cancel_pending(c.params.name));
  return json_response(200, operation_out(std::move(op), c));
}

Result<Response> delete_pending(Ctx& c) {
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(op, certs.delete_pending(c.params.name));
  return json_response(200, operation_out(std::move(op), c));
}

Result<Response> merge_certificate(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(m, parse_merge_certificate(j));
  vault::Certificates certs(c.svc, c.vault);
  CV_UNWRAP(b, certs.merge(c.params.name, m.chain, m.tags ? *m.tags : vault::Tags{}, m.attributes));
  return json_response(201, bundle_out(std::move(b), c, Shape::Bundle));
}

Result<Response> backup_certificate(Ctx& c) {
  CV_UNWRAP(blob, backup::backup_certificate(c.svc, c.vault, c.params.name));
  return json_response(200, Json{{"value", backup::blob_value(blob)}});
}

Result<Response> restore_certificate(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(value, req_string(j, "value"));
  if (value.size() > backup::kMaxBlobBytes)
    return std::unexpected(bad_parameter("The backup blob is too large."));
  auto blob = base64url_decode_lenient_padding(value);
  if (!blob) return std::unexpected(bad_parameter("Content of 'value' is not base64url."));
  CV_UNWRAP(b, backup::restore_certificate(c.svc, c.vault, *blob));
  return json_response(200, bundle_out(std::move(b), c, Shape::Bundle));
}

}  // namespace

void add_certificate_op_routes(Router& r) {
  r.add("GET", "certificates/{name}/policy", {"certificates", "get"}, get_policy);
  r.add("PATCH", "certificates/{name}/policy", {"certificates", "update"}, update_policy);
  r.add("GET", "certificates/{name}/pending", {"certificates", "get"}, get_pending);
  r.add("PATCH", "certificates/{name}/pending", {"certificates", "update"}, update_pending);
  r.add("DELETE", "certificates/{name}/pending", {"certificates", "update"}, delete_pending);
  r.add("POST", "certificates/{name}/pending/merge", {"certificates", "create"}, merge_certificate);
  r.add("POST", "certificates/{name}/backup", {"certificates", "backup"}, backup_certificate);
  r.add("POST", "certificates/restore", {"certificates", "restore"}, restore_certificate);
}

}  // namespace cv::server
