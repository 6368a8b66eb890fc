// POST /rng {count} -> {value: base64url}: random bytes from the token (coldvault/rng.hpp). Any valid token of
// the vault may ask: Key Vault's access policies have no permission for it (Managed HSM's role is
// "rng/action"), and the bytes reveal nothing about the vault.
#include "coldvault/base64.hpp"
#include "coldvault/rng.hpp"
#include "server/body.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

Result<Response> get_random(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(count, opt_int(j, "count"));
  if (!count) return std::unexpected(bad_parameter("Property 'count' is required (1 to 128)."));
  CV_UNWRAP(bytes, vault::random_bytes(c.svc, *count));
  return json_response(200, Json{{"value", base64url_encode(bytes)}});
}

}  // namespace

void add_rng_routes(Router& r) { r.add_needing("POST", "rng", {}, get_random); }

}  // namespace cv::server
