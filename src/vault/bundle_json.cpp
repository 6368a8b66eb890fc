#include "coldvault/bundle_json.hpp"

#include "coldvault/base64.hpp"
#include "vault/key_meta.hpp"

namespace cv::vault {

nlohmann::json attributes_json(const store::VersionRow& v, int recoverable_days,
                               const std::string& recovery_level) {
  nlohmann::json a = {{"enabled", v.enabled}, {"created", v.created}, {"updated", v.updated},
                      {"recoverableDays", recoverable_days}, {"recoveryLevel", recovery_level}};
  if (v.nbf) a["nbf"] = *v.nbf;
  if (v.exp) a["exp"] = *v.exp;
  return a;
}

namespace {
// Rows written for a certificate carry "managed": true in their meta_json.
bool is_managed(const store::VersionRow& v) {
  if (v.meta_json.find("\"managed\"") == std::string::npos) return false;
  auto m = nlohmann::json::parse(v.meta_json, nullptr, false);
  return m.is_object() && m.value("managed", false) == true;
}
}  // namespace

nlohmann::json secret_json(const SecretBundle& b, Shape shape) {
  std::string base = b.base_url + "/secrets/" + b.name;
  nlohmann::json j;
  j["id"] = shape == Shape::Item ? base : base + "/" + b.meta.version;
  if (shape == Shape::Bundle && b.value) j["value"] = std::string(b.value->begin(), b.value->end());
  if (b.meta.content_type) j["contentType"] = *b.meta.content_type;
  j["attributes"] = attributes_json(b.meta, b.recoverable_days, b.recovery_level);
  j["tags"] = b.meta.tags;
  if (is_managed(b.meta)) {
    j["managed"] = true;  // a certificate's secret: Key Vault names its key beside it
    if (shape != Shape::Item) j["kid"] = b.base_url + "/keys/" + b.name + "/" + b.meta.version;
  }
  if (b.deleted_date) {
    j["recoveryId"] = b.base_url + "/deletedsecrets/" + b.name;
    j["deletedDate"] = *b.deleted_date;
    if (b.scheduled_purge) j["scheduledPurgeDate"] = *b.scheduled_purge;
  }
  return j;
}

nlohmann::json error_json(const Error& e) {
  nlohmann::json err = {{"code", kv_error_code(e)}, {"message", e.message}};
  if (!e.inner.empty()) err["innererror"] = {{"code", e.inner}};
  return {{"error", err}};
}

nlohmann::json key_json(const KeyBundle& b, Shape shape) {
  std::string base = b.base_url + "/keys/" + b.name;
  std::string kid = shape == Shape::Item ? base : base + "/" + b.meta.version;
  nlohmann::json j;
  if (shape == Shape::Bundle) {
    nlohmann::json k = {{"kid", kid}};
    // A malformed meta_json shows as a key with only its kid rather than failing a whole list.
    if (auto m = KeyMeta::parse(b.meta.meta_json)) {
      k["kty"] = m->kty;
      k["key_ops"] = m->ops;
      if (m->kind == KeyKind::Rsa) {
        k["n"] = base64url_encode(m->n);
        k["e"] = base64url_encode(m->e);
      } else if (m->kind == KeyKind::Ec) {
        k["crv"] = curve_name(m->crv);
        k["x"] = base64url_encode(m->x);
        k["y"] = base64url_encode(m->y);
      }
    }
    j["key"] = k;
  } else {
    j["kid"] = kid;
  }
  j["attributes"] = attributes_json(b.meta, b.recoverable_days, b.recovery_level);
  j["attributes"]["exportable"] = false;
  j["tags"] = b.meta.tags;
  if (is_managed(b.meta)) j["managed"] = true;  // a certificate's key
  if (b.deleted_date) {
    j["recoveryId"] = b.base_url + "/deletedkeys/" + b.name;
    j["deletedDate"] = *b.deleted_date;
    if (b.scheduled_purge) j["scheduledPurgeDate"] = *b.scheduled_purge;
  }
  return j;
}

}  // namespace cv::vault
