// Pieces shared by the encryption-info files (ade_file.cpp, ade_export.cpp, ade_restore.cpp). Private to
// src/backup.
#pragma once

#include <algorithm>
#include <cctype>
#include <utility>

#include "backup/payload.hpp"
#include "coldvault/ade.hpp"

namespace cv::backup {

// NAME and VERSION of ".../secrets/NAME/VERSION"; BadParameter naming SecretUrl otherwise.
Result<std::pair<std::string, std::string>> secret_from_url(const std::string& url);
// The blob's manifest is the object the file's URL names (type, name, and the URL's version among its
// versions); BadParameter naming the field otherwise.
Result<void> check_blob_matches(const EncryptionInfo& info, const Manifest& m, bool key);

inline bool same_name(std::string a, std::string b) {
  auto lower = [](std::string& s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  };
  lower(a);
  lower(b);
  return a == b;
}

// "/coldvault/domains/<kid>/vaults/<name>": the KeyVaultId/SecretVaultId coldvault writes (Azure writes
// an ARM resource id there; ours names the security domain a restore will need).
inline std::string vault_resource_id(const store::VaultRow& v) {
  return "/coldvault/domains/" + v.domain_kid + "/vaults/" + v.name;
}

}  // namespace cv::backup
