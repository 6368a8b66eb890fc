// az's shapes of secrets, keys and certificates (see az_shape.hpp). Field lists follow azure-cli's
// keyvault output of the track-2 SDK models (SecretBundle / KeyVaultSecret, KeyVaultKey with its
// JsonWebKey, KeyVaultCertificate, their Deleted* and *Properties list items).
#include "cli/az_shape.hpp"

#include "coldvault/base64.hpp"
#include "coldvault/time_text.hpp"

namespace cv::cli {
namespace {

using json = nlohmann::json;

json get(const json& j, const char* key) { return j.is_object() && j.contains(key) ? j[key] : json(); }

// base64url (REST) -> standard base64 (az prints bytes through Python's b64encode).
json std_b64(const json& v) {
  if (!v.is_string()) return v;
  auto bytes = base64url_decode_lenient_padding(v.get<std::string>());
  return bytes ? json(base64_encode(*bytes)) : v;
}

// base64url x5t -> upper-case hex, az's x509ThumbprintHex.
json hex_of(const json& v) {
  if (!v.is_string()) return json();
  auto bytes = base64url_decode_lenient_padding(v.get<std::string>());
  if (!bytes) return json();
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (auto b : *bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// REST tags are always an object; the SDK gives None when there are none.
json tags(const json& j) {
  json t = get(j, "tags");
  return t.is_object() && !t.empty() ? t : json();
}

json attributes(const json& rest, bool key) {
  json a = get(rest, "attributes");
  json out = {{"created", az_time(get(a, "created"))},
              {"enabled", get(a, "enabled")},
              {"expires", az_time(get(a, "exp"))},
              {"notBefore", az_time(get(a, "nbf"))},
              {"recoverableDays", get(a, "recoverableDays")},
              {"recoveryLevel", get(a, "recoveryLevel")},
              {"updated", az_time(get(a, "updated"))}};
  if (key) out["exportable"] = get(a, "exportable");
  return out;
}

// The collection of an object id: ".../secrets/NAME[/VERSION]" -> "secrets".
std::string collection(const json& id) {
  if (!id.is_string()) return "";
  const std::string& s = id.get_ref<const std::string&>();
  auto scheme = s.find("://");
  auto slash = s.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return "";
  auto end = s.find('/', slash + 1);
  return s.substr(slash + 1, end == std::string::npos ? std::string::npos : end - slash - 1);
}

void add_deleted(const json& rest, json& out) {
  if (!rest.contains("recoveryId")) return;
  out["recoveryId"] = get(rest, "recoveryId");
  out["deletedDate"] = az_time(get(rest, "deletedDate"));
  out["scheduledPurgeDate"] = az_time(get(rest, "scheduledPurgeDate"));
}

json secret(const json& rest) {
  json out = {{"attributes", attributes(rest, false)},
              {"contentType", get(rest, "contentType")},
              {"id", get(rest, "id")},
              {"managed", rest.contains("managed") ? get(rest, "managed") : json()},
              {"name", get(rest, "name")},
              {"tags", tags(rest)}};
  // A bundle (show, set, ...) has value and kid; a list item has neither.
  bool item = !rest.contains("value") && !rest.contains("kid") && !rest.contains("recoveryId");
  bool bundle = rest.contains("value");
  if (!item) out["kid"] = get(rest, "kid");
  if (bundle) out["value"] = get(rest, "value");
  add_deleted(rest, out);
  return out;
}

json key(const json& rest) {
  json out = {{"attributes", attributes(rest, true)},
              {"managed", rest.contains("managed") ? get(rest, "managed") : json()},
              {"name", get(rest, "name")},
              {"tags", tags(rest)}};
  if (rest.contains("key")) {
    const json& k = rest["key"];
    json jwk = {{"crv", get(k, "crv")}, {"d", nullptr},  {"dp", nullptr},  {"dq", nullptr},
                {"e", std_b64(get(k, "e"))}, {"k", nullptr}, {"keyOps", get(k, "key_ops")},
                {"kid", get(k, "kid")},  {"kty", get(k, "kty")}, {"n", std_b64(get(k, "n"))},
                {"p", nullptr},          {"q", nullptr},  {"qi", nullptr}, {"t", nullptr},
                {"x", std_b64(get(k, "x"))}, {"y", std_b64(get(k, "y"))}};
    out["key"] = jwk;
    out["releasePolicy"] = nullptr;
  } else {
    out["kid"] = get(rest, "kid");
  }
  add_deleted(rest, out);
  return out;
}

json certificate(const json& rest) {
  json out = {{"attributes", attributes(rest, false)},
              {"id", get(rest, "id")},
              {"name", get(rest, "name")},
              {"tags", tags(rest)},
              {"x509Thumbprint", std_b64(get(rest, "x5t"))},
              {"x509ThumbprintHex", hex_of(get(rest, "x5t"))}};
  if (rest.contains("sid")) {  // a bundle, not a list item
    out["cer"] = get(rest, "cer");
    out["contentType"] = get(rest, "contentType");
    out["kid"] = get(rest, "kid");
    out["sid"] = get(rest, "sid");
    out["policy"] = get(rest, "policy");
  }
  add_deleted(rest, out);
  return out;
}

// CertificateOperation: az prints the SDK's camelCase model.
json certificate_operation(const json& rest) {
  json issuer = get(rest, "issuer");
  std::string id = get(rest, "id").get<std::string>();
  auto cut = id.rfind("/pending");
  auto name_start = id.rfind('/', cut == std::string::npos ? id.size() : cut - 1);
  return {{"cancellationRequested", get(rest, "cancellation_requested")},
          {"csr", get(rest, "csr")},
          {"error", get(rest, "error")},
          {"id", id},
          {"issuerParameters",
           {{"certificateTransparency", get(issuer, "cert_transparency")},
            {"certificateType", get(issuer, "cty")},
            {"name", get(issuer, "name")}}},
          {"name", cut == std::string::npos ? json() : json(id.substr(name_start + 1, cut - name_start - 1))},
          {"requestId", get(rest, "request_id")},
          {"status", get(rest, "status")},
          {"statusDetails", get(rest, "status_details")},
          {"target", get(rest, "target")}};
}

// The object name of an id: ".../secrets/NAME[/VERSION]" -> "NAME" (restore answers carry no name).
json name_of(const json& id) {
  if (!id.is_string()) return json();
  const std::string& s = id.get_ref<const std::string&>();
  auto scheme = s.find("://");
  auto first = s.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  auto second = first == std::string::npos ? first : s.find('/', first + 1);
  if (second == std::string::npos) return json();
  auto end = s.find('/', second + 1);
  return s.substr(second + 1, end == std::string::npos ? std::string::npos : end - second - 1);
}

json one(const json& given) {
  if (!given.is_object()) return given;
  json id = given.contains("id") ? given["id"] : given.contains("kid") ? given["kid"] : get(get(given, "key"), "kid");
  std::string c = collection(id);
  bool object = given.contains("attributes");
  json rest = given;
  if (object && !rest.contains("name")) rest["name"] = name_of(id);
  if (c == "secrets" && object) return secret(rest);
  if (c == "keys" && object) return key(rest);
  if (c == "certificates") {
    const std::string& s = id.get_ref<const std::string&>();
    if (s.size() > 8 && s.ends_with("/pending")) return certificate_operation(rest);
    if (object) return certificate(rest);
  }
  return given;
}

}  // namespace

json az_time(const json& unix_seconds) {
  if (!unix_seconds.is_number_integer()) return unix_seconds;
  std::string t = utc_iso8601(unix_seconds.get<std::int64_t>());
  if (!t.empty() && t.back() == 'Z') t.replace(t.size() - 1, 1, "+00:00");
  return t;
}

json az_shape(const json& rest) {
  if (!rest.is_array()) return one(rest);
  json out = json::array();
  for (const auto& item : rest) out.push_back(one(item));
  return out;
}

json az_key_op_shape(const json& rest, const std::string& op, const std::string& alg) {
  json out = {{"algorithm", alg}, {"kid", get(rest, "kid")}};
  if (op == "sign") {
    out["signature"] = std_b64(get(rest, "value"));
    return out;
  }
  out["result"] = std_b64(get(rest, "value"));
  if (op == "encrypt" || op == "decrypt") {
    out["iv"] = std_b64(get(rest, "iv"));
    out["authenticationTag"] = std_b64(get(rest, "tag"));
    out["additionalAuthenticatedData"] = std_b64(get(rest, "aad"));
  }
  return out;
}

}  // namespace cv::cli
