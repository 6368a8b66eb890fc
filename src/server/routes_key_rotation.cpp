// GET/PUT /keys/{name}/rotationpolicy over coldvault/key_rotation.hpp (api-version 7.3 on). Rotation on
// demand is POST /keys/{name}/rotate (routes_keys.cpp); automatic rotation runs from the server's timer.
#include "coldvault/key_rotation.hpp"
#include "server/body.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

Response policy_response(const vault::RotationPolicy& p, const Ctx& c) {
  return Response{200, vault::rotation_policy_json(p, c.origin, c.params.name), {}};
}

Result<Response> get_policy(Ctx& c) {
  CV_UNWRAP(p, vault::get_rotation_policy(c.svc, c.vault, c.params.name));
  return policy_response(p, c);
}

Result<Response> put_policy(Ctx& c) {
  // Parsed as a whole by the domain, which names the field of any refusal (a policy holds no secret).
  CV_UNWRAP(j, json_body(c.req, false));
  (void)j;  // json_body refused non-objects with Key Vault's wording already
  CV_UNWRAP(p, vault::parse_rotation_policy(std::string(c.req.body.begin(), c.req.body.end())));
  CV_UNWRAP(stored, vault::set_rotation_policy(c.svc, c.vault, c.params.name, p));
  return policy_response(stored, c);
}

}  // namespace

void add_key_rotation_routes(Router& r) {
  r.add("GET", "keys/{name}/rotationpolicy", {"keys", "getrotationpolicy"}, get_policy);
  r.add("PUT", "keys/{name}/rotationpolicy", {"keys", "setrotationpolicy"}, put_policy);
}

}  // namespace cv::server
