// Validation of names and ids, and Key Vault's recovery levels.
#include <cctype>

#include "coldvault/vault.hpp"

namespace cv::vault {

Result<void> check_object_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 127;
  for (unsigned char c : name) ok = ok && (std::isalnum(c) || c == '-');
  if (!ok)
    return fail_kv(Errc::BadParameter,
                   "The request URI contains an invalid name: '" + name.substr(0, 130) +
                       "'. Names are 1-127 characters of 0-9, a-z, A-Z and '-'.",
                   "BadParameter");
  return {};
}

Result<void> check_vault_name(const std::string& name) {
  bool ok = name.size() >= 3 && name.size() <= 24 && std::isalpha(static_cast<unsigned char>(name[0])) &&
            name.back() != '-';
  for (unsigned char c : name) ok = ok && (std::isalnum(c) || c == '-');
  if (!ok)
    return fail(Errc::BadParameter, "invalid vault name '" + name.substr(0, 40) +
                                        "': 3-24 characters of 0-9, a-z, A-Z and '-', starting with a "
                                        "letter and not ending with '-'");
  return {};
}

Result<void> check_version_id(const std::string& version) {
  bool ok = version.size() == 32;
  for (unsigned char c : version) ok = ok && std::isxdigit(c);
  if (!ok)
    return fail_kv(Errc::BadParameter,
                   "invalid version '" + version.substr(0, 40) + "': a version is 32 hexadecimal characters",
                   "BadParameter");
  return {};
}

std::string recovery_level(const store::VaultRow& v) {
  std::string base = v.retention_days >= 90 ? "Recoverable" : "CustomizedRecoverable";
  return v.purge_protection ? base : base + "+Purgeable";
}

}  // namespace cv::vault
