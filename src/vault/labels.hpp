// Token object labels of coldvault's root keys. Labels are how the keys are found at start-up, so they
// are part of the on-token format (docs/architecture.md).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>

namespace cv::vault {

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
inline std::string domain_label(const std::string& kid) { return "coldvault-domain-" + kid; }
inline std::string master_label(const std::string& vault) { return "coldvault-master-" + lower(vault); }
inline std::string tls_label(const std::string& kid) { return "coldvault-tls-" + kid; }
inline std::string signing_label(const std::string& vault) { return "coldvault-sign-" + lower(vault); }
// The home's integrity key: authenticates the signer registry and key rows (src/vault/integrity.hpp).
inline std::string integrity_label(const std::string& kid) { return "coldvault-integrity-" + kid; }
// The home's audit key (src/vault/audit.cpp); its CKA_ID is the label's bytes.
inline constexpr const char* kAuditLabel = "coldvault-audit";

}  // namespace cv::vault
