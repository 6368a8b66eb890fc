// POST /keys/{name}/{version}/{encrypt|decrypt|wrapkey|unwrapkey|sign|verify}; an empty version
// (`/keys/{name}//sign`, what CryptographyClient sends for a versionless key) means the latest.
#include "coldvault/base64.hpp"
#include "coldvault/keys.hpp"
#include "server/body.hpp"
#include "server/request_bodies.hpp"
#include "server/router.hpp"

namespace cv::server {

Result<KeyOpBody> parse_key_op(const BodyJson& j) {
  KeyOpBody in;
  CV_UNWRAP(alg, req_string(j, "alg"));
  CV_UNWRAP(value, req_b64url_secret(j, "value"));
  CV_UNWRAP(iv, opt_b64url(j, "iv"));
  CV_UNWRAP(aad, opt_b64url(j, "aad"));
  CV_UNWRAP(tag, opt_b64url(j, "tag"));
  in.alg = alg;
  in.value = std::move(value);
  if (iv) in.iv = std::move(*iv);
  if (aad) in.aad = std::move(*aad);
  if (tag) in.tag = std::move(*tag);
  return in;
}

Result<VerifyBody> parse_verify(const BodyJson& j) {
  CV_UNWRAP(alg, req_string(j, "alg"));
  CV_UNWRAP(digest, req_b64url(j, "digest"));
  CV_UNWRAP(sig, req_b64url(j, "value"));
  return VerifyBody{alg, std::move(digest), std::move(sig)};
}

namespace {

// Keys reports kids under the catalogue's base URL; the client must see the origin it used.
std::string kid_for(const Ctx& c, const std::string& kid) {
  auto at = kid.find("/keys/");
  return at == std::string::npos ? kid : c.origin + kid.substr(at);
}

Response op_response(const Ctx& c, const vault::KeyOpResult& r) {
  Json j = {{"kid", kid_for(c, r.kid)}, {"value", base64url_encode(r.value)}};
  if (!r.iv.empty()) j["iv"] = base64url_encode(r.iv);
  if (!r.tag.empty()) j["tag"] = base64url_encode(r.tag);
  if (!r.aad.empty()) j["aad"] = base64url_encode(r.aad);
  return json_response(200, j);
}

Result<KeyOpBody> read_input(const Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  return parse_key_op(j);
}

Result<Response> encrypt(Ctx& c) {
  CV_UNWRAP(in, read_input(c));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(r, keys.encrypt(c.params.name, c.params.version, in.alg, in.value, in.iv, in.aad));
  return op_response(c, r);
}

Result<Response> decrypt(Ctx& c) {
  CV_UNWRAP(in, read_input(c));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(r,
            keys.decrypt(c.params.name, c.params.version, in.alg, in.value, in.iv, in.aad, in.tag));
  return op_response(c, r);
}

Result<Response> wrap(Ctx& c) {
  CV_UNWRAP(in, read_input(c));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(r, keys.wrap(c.params.name, c.params.version, in.alg, in.value));
  return op_response(c, r);
}

Result<Response> unwrap(Ctx& c) {
  CV_UNWRAP(in, read_input(c));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(r, keys.unwrap(c.params.name, c.params.version, in.alg, in.value));
  return op_response(c, r);
}

Result<Response> sign(Ctx& c) {
  CV_UNWRAP(in, read_input(c));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(r, keys.sign(c.params.name, c.params.version, in.alg, in.value));
  return op_response(c, r);
}

Result<Response> verify(Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(in, parse_verify(j));
  vault::Keys keys(c.svc, c.vault);
  CV_UNWRAP(ok, keys.verify(c.params.name, c.params.version, in.alg, in.digest, in.signature));
  return json_response(200, Json{{"value", ok}});
}

}  // namespace

void add_key_op_routes(Router& r) {
  r.add("POST", "keys/{name}/{version?}/encrypt", {"keys", "encrypt"}, encrypt);
  r.add("POST", "keys/{name}/{version?}/decrypt", {"keys", "decrypt"}, decrypt);
  r.add("POST", "keys/{name}/{version?}/wrapkey", {"keys", "wrapKey"}, wrap);
  r.add("POST", "keys/{name}/{version?}/unwrapkey", {"keys", "unwrapKey"}, unwrap);
  r.add("POST", "keys/{name}/{version?}/sign", {"keys", "sign"}, sign);
  r.add("POST", "keys/{name}/{version?}/verify", {"keys", "verify"}, verify);
}

}  // namespace cv::server
