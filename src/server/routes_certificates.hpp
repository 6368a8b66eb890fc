// Pieces shared by the certificate route files (private to src/server): the response shapes on the
// client's origin and the request-body readers that create, import, update and merge have in common.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "coldvault/certificates.hpp"
#include "server/body.hpp"

namespace cv::server::cert_io {

// Ids carry the origin the client used (see request_context.hpp), never the catalogue's default.
// The vault layer fills kid/sid with the catalogue's default origin; they are rebased like the id, since
// the SDKs send key and secret calls to the origin inside them.
inline std::string rebase(const std::string& id, std::string_view collection, const Ctx& c) {
  auto at = id.find(collection);
  return at == std::string::npos ? id : c.origin + id.substr(at);
}
inline Json bundle_out(vault::CertificateBundle b, const Ctx& c, vault::Shape s) {
  b.base_url = c.origin;
  b.kid = rebase(b.kid, "/keys/", c);
  b.sid = rebase(b.sid, "/secrets/", c);
  return vault::certificate_json(b, s);
}
inline Json operation_out(vault::CertificateOperation op, const Ctx& c) {
  op.base_url = c.origin;
  op.target = rebase(op.target, "/certificates/", c);
  return vault::certificate_operation_json(op);
}

// "policy" as a JSON object, or nullopt when absent/null. BadParameter when it is not an object.
Result<std::optional<Json>> opt_policy_json(const BodyJson& j);
// "policy" parsed with the vault's rules (which name the bad field), or nullopt when absent.
Result<std::optional<vault::CertificatePolicy>> opt_policy(const BodyJson& j);

}  // namespace cv::server::cert_io
