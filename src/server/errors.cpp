// Error -> HTTP status and Key Vault's error envelope.
#include "server/errors.hpp"

#include "coldvault/bundle_json.hpp"
#include "coldvault/vault.hpp"

namespace cv::server {

bool is_hsm_outage(const Error& e) {
  // Classified once, by code, in the PKCS#11 adapter (src/pkcs11/rv.cpp): stale handles included.
  // A token that lacks a vault's keys (a shared catalogue's vault made through another node) is 503 too, but
  // the token works: its sessions and the pool stay.
  if (e.inner == vault::kVaultKeysNotInToken) return false;
  return e.code == Errc::HsmUnavailable || e.code == Errc::HsmFailure || e.code == Errc::HsmLoginFailed;
}

int status_for(const Error& e) {
  if (is_hsm_outage(e) || e.inner == vault::kVaultKeysNotInToken) return 503;
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
