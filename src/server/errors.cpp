// Error -> HTTP status and Key Vault's error envelope.
#include "server/errors.hpp"

#include "coldvault/bundle_json.hpp"

namespace cv::server {

bool is_hsm_outage(const Error& e) {
  if (e.code == Errc::HsmUnavailable || e.code == Errc::HsmFailure ||
      e.code == Errc::HsmLoginFailed)
    return true;
  // Handles are never chosen by clients: a stale one means the token went away and came back
  // (SoftHSM re-reads its objects under new handles), which the adapter reports as BadParameter.
  // Some layers keep only the message, so both fields are searched for the CKR_ name.
  for (const char* rv :
       {"CKR_OBJECT_HANDLE_INVALID", "CKR_KEY_HANDLE_INVALID", "CKR_SESSION_HANDLE_INVALID",
        "CKR_WRAPPING_KEY_HANDLE_INVALID", "CKR_UNWRAPPING_KEY_HANDLE_INVALID",
        "CKR_TOKEN_NOT_PRESENT", "CKR_DEVICE_REMOVED", "CKR_SESSION_CLOSED"})
    if (e.native.find(rv) != std::string::npos || e.message.find(rv) != std::string::npos)
      return true;
  return false;
}

int status_for(const Error& e) {
  if (is_hsm_outage(e)) return 503;
  return http_status(e.code);
}

Response error_response(const Error& e) {
  Error shown = e;
  if (is_hsm_outage(e)) {
    // The client sees that the HSM is at fault and that a retry is the remedy; the CKR_ name stays
    // in Error::native (server log), never in the body.
    shown.kv_code = "ServiceUnavailable";
    shown.code = Errc::HsmUnavailable;
    shown.message = "The HSM behind this vault is unavailable (" + e.message + "). Retry later.";
  }
  Response r = json_response(status_for(e), vault::error_json(shown));
  if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response error_response(int status, const std::string& code, const std::string& message,
                        const std::string& inner) {
  nlohmann::json err = {{"code", code}, {"message", message}};
  if (!inner.empty()) err["innererror"] = {{"code", inner}};
  return json_response(status, {{"error", err}});
}

}  // namespace cv::server
