#include "coldvault/bundle_json.hpp"

namespace cv::vault {

nlohmann::json attributes_json(const store::VersionRow& v, int recoverable_days,
                               const std::string& recovery_level) {
  nlohmann::json a = {{"enabled", v.enabled}, {"created", v.created}, {"updated", v.updated},
                      {"recoverableDays", recoverable_days}, {"recoveryLevel", recovery_level}};
  if (v.nbf) a["nbf"] = *v.nbf;
  if (v.exp) a["exp"] = *v.exp;
  return a;
}

nlohmann::json secret_json(const SecretBundle& b, Shape shape) {
  std::string base = b.base_url + "/secrets/" + b.name;
  nlohmann::json j;
  j["id"] = shape == Shape::Item ? base : base + "/" + b.meta.version;
  if (shape == Shape::Bundle && b.value) j["value"] = std::string(b.value->begin(), b.value->end());
  if (b.meta.content_type) j["contentType"] = *b.meta.content_type;
  j["attributes"] = attributes_json(b.meta, b.recoverable_days, b.recovery_level);
  j["tags"] = b.meta.tags;
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

}  // namespace cv::vault
