// CertificateBundle / CertificateItem / CertificateOperation in Key Vault's REST shape (the CLI prints the
// same). See certificates.hpp.
#include "coldvault/base64.hpp"
#include "coldvault/certificates.hpp"

namespace cv::vault {

nlohmann::json certificate_json(const CertificateBundle& b, Shape shape) {
  std::string base = b.base_url + "/certificates/" + b.name;
  nlohmann::json j;
  j["id"] = shape == Shape::Item ? base : base + "/" + b.meta.version;
  // A pending version has no certificate yet: no x5t, no cer.
  if (!b.x5t.empty()) j["x5t"] = b.x5t;
  if (shape == Shape::Bundle) {
    j["kid"] = b.kid;
    j["sid"] = b.sid;
    if (!b.cer.empty()) j["cer"] = base64_encode(b.cer);
    if (b.meta.content_type) j["contentType"] = *b.meta.content_type;
    j["policy"] = certificate_policy_json(b.policy, base + "/policy");
  }
  j["attributes"] = attributes_json(b.meta, b.recoverable_days, b.recovery_level);
  j["tags"] = b.meta.tags;
  if (b.deleted_date) {
    j["recoveryId"] = b.base_url + "/deletedcertificates/" + b.name;
    j["deletedDate"] = *b.deleted_date;
    if (b.scheduled_purge) j["scheduledPurgeDate"] = *b.scheduled_purge;
  }
  return j;
}

nlohmann::json certificate_operation_json(const CertificateOperation& op) {
  nlohmann::json j;
  j["id"] = op.base_url + "/certificates/" + op.name + "/pending";
  j["issuer"] = {{"name", op.issuer}};
  if (!op.csr.empty()) j["csr"] = base64_encode(op.csr);
  j["cancellation_requested"] = op.cancellation_requested;
  j["status"] = op.status;
  if (!op.status_details.empty()) j["status_details"] = op.status_details;
  if (!op.request_id.empty()) j["request_id"] = op.request_id;
  if (!op.target.empty()) j["target"] = op.target;
  return j;
}

}  // namespace cv::vault
