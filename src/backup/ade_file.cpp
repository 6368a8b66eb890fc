// The encryption-info file: strict parsing (every field checked before anything is opened) and the offline
// inspect. Field names are Azure Backup's, case-sensitive as PowerShell's ConvertFrom-Json output shows them.
#include "backup/ade_detail.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/disk_keys.hpp"

namespace cv::backup {
namespace {

Error bad_field(const std::string& field, const std::string& why) {
  return Error{Errc::BadParameter, "encryption info file: " + field + " " + why, {}, "BadParameter", {}};
}

Result<std::optional<std::string>> opt_string(const nlohmann::json& d, const char* f) {
  if (!d.contains(f) || d[f].is_null()) return std::optional<std::string>{};
  if (!d[f].is_string()) return std::unexpected(bad_field(f, "is not a string"));
  if (d[f].get_ref<const std::string&>().empty()) return std::unexpected(bad_field(f, "is empty"));
  return std::optional<std::string>{d[f].get<std::string>()};
}

Result<std::optional<Bytes>> opt_blob(const nlohmann::json& d, const char* f) {
  auto s = opt_string(d, f);
  if (!s) return std::unexpected(s.error());
  if (!*s) return std::optional<Bytes>{};
  // Azure Backup writes standard base64; a base64url blob pasted by hand is accepted too.
  auto b = base64_decode(**s);
  if (!b) b = base64url_decode_lenient_padding(**s);
  if (!b) return std::unexpected(bad_field(f, "is not base64"));
  return std::optional<Bytes>{std::move(*b)};
}

}  // namespace

Result<std::pair<std::string, std::string>> secret_from_url(const std::string& url) {
  auto at = url.find("/secrets/");
  if (at == std::string::npos) return std::unexpected(bad_field("SecretUrl", "has no /secrets/ path"));
  std::string rest = url.substr(at + 9);
  auto slash = rest.find('/');
  std::string name = rest.substr(0, slash);
  std::string version = slash == std::string::npos ? "" : rest.substr(slash + 1);
  while (!version.empty() && version.back() == '/') version.pop_back();
  if (!vault::check_object_name(name))
    return std::unexpected(bad_field("SecretUrl", "names '" + name.substr(0, 127) + "', which is not a valid secret name"));
  if (!version.empty() && !vault::check_version_id(version))
    return std::unexpected(bad_field("SecretUrl", "has a malformed version"));
  return std::pair{name, version};
}

Result<EncryptionInfo> parse_encryption_info(ByteView file) {
  auto doc = nlohmann::json::parse(file.begin(), file.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return fail(Errc::BadParameter, "encryption info file is not a JSON object");
  if (!doc.contains("OsDiskKeyAndSecretDetails") || !doc["OsDiskKeyAndSecretDetails"].is_object())
    return std::unexpected(bad_field("OsDiskKeyAndSecretDetails", "is missing or not an object"));
  const auto& d = doc["OsDiskKeyAndSecretDetails"];
  EncryptionInfo info;
  auto key_url = opt_string(d, "KeyUrl");
  auto secret_url = opt_string(d, "SecretUrl");
  auto secret_data = opt_string(d, "SecretData");
  auto key_vault = opt_string(d, "KeyVaultId");
  auto secret_vault = opt_string(d, "SecretVaultId");
  for (auto* r : {&key_url, &secret_url, &secret_data, &key_vault, &secret_vault})
    if (!*r) return std::unexpected(r->error());
  auto key_backup = opt_blob(d, "KeyBackupData");
  if (!key_backup) return std::unexpected(key_backup.error());
  auto secret_backup = opt_blob(d, "KeyVaultSecretBackupData");
  if (!secret_backup) return std::unexpected(secret_backup.error());

  if (!*secret_url) return std::unexpected(bad_field("SecretUrl", "is missing"));
  auto s = secret_from_url(**secret_url);
  if (!s) return std::unexpected(s.error());
  info.secret_url = **secret_url;
  std::tie(info.secret_name, info.secret_version) = *s;
  if (key_url->has_value() != key_backup->has_value())
    return std::unexpected(bad_field(*key_url ? "KeyBackupData" : "KeyUrl", "is missing (KeyUrl and KeyBackupData go together)"));
  if (*key_url) {
    auto k = vault::kek_from_url(**key_url);
    if (!k) return std::unexpected(bad_field("KeyUrl", "is not a key URL (.../keys/NAME/VERSION)"));
    info.key_url = **key_url;
    std::tie(info.key_name, info.key_version) = *k;
  }
  if (!*secret_backup && !*secret_data)
    return std::unexpected(bad_field("KeyVaultSecretBackupData", "is missing, and there is no SecretData either"));
  if (!*secret_backup && !*key_url)
    return std::unexpected(bad_field("KeyVaultSecretBackupData", "is missing: a BEK without a KEK travels only in it"));
  info.key_backup = std::move(*key_backup);
  info.secret_backup = std::move(*secret_backup);
  info.secret_data = std::move(*secret_data);
  info.key_vault_id = std::move(*key_vault);
  info.secret_vault_id = std::move(*secret_vault);
  return info;
}

Result<void> check_blob_matches(const EncryptionInfo& info, const Manifest& m, bool key) {
  const std::string& field = key ? "KeyBackupData" : "KeyVaultSecretBackupData";
  const std::string& url_field = key ? "KeyUrl" : "SecretUrl";
  const std::string& name = key ? info.key_name : info.secret_name;
  const std::string& version = key ? info.key_version : info.secret_version;
  if (m.type != (key ? "key" : "secret"))
    return std::unexpected(bad_field(field, "holds a " + m.type + " backup blob, not a " + (key ? "key" : "secret") + " one"));
  if (!same_name(m.name, name))
    return std::unexpected(bad_field(field, "holds '" + m.name + "' but " + url_field + " names '" + name + "'"));
  if (!version.empty() && std::find(m.versions.begin(), m.versions.end(), version) == m.versions.end())
    return std::unexpected(bad_field(field, "does not hold version " + version + " that " + url_field + " names"));
  return {};
}

Result<nlohmann::json> ade_inspect(ByteView file) {
  auto info = parse_encryption_info(file);
  if (!info) return std::unexpected(info.error());
  nlohmann::json j = {{"secretUrl", info->secret_url}, {"secretName", info->secret_name},
                      {"kind", info->key_url ? "KEK+BEK" : "BEK only"}};
  if (info->secret_data) j["secretData"] = {{"present", true}, {"length", info->secret_data->size()}};
  if (info->key_vault_id) j["keyVaultId"] = *info->key_vault_id;
  if (info->secret_vault_id) j["secretVaultId"] = *info->secret_vault_id;
  std::vector<std::string> problems;
  auto one = [&](const std::optional<Bytes>& blob, bool key) -> Result<nlohmann::json> {
    auto r = inspect(*blob);
    if (!r) return std::unexpected(r.error());
    auto env = parse_blob(*blob);
    auto m = env ? manifest_of(*env) : std::unexpected(env.error());
    if (m) {
      if (auto c = check_blob_matches(*info, *m, key); !c) problems.push_back(c.error().message);
    } else {
      problems.push_back(std::string(key ? "KeyBackupData" : "KeyVaultSecretBackupData") + ": " + m.error().message);
    }
    return r;
  };
  if (info->key_url) {
    j["keyUrl"] = *info->key_url;
    j["keyName"] = info->key_name;
    auto r = one(info->key_backup, true);
    if (!r) return fail(Errc::BadParameter, "encryption info file: KeyBackupData: " + r.error().message);
    j["keyBackup"] = std::move(*r);
  }
  if (info->secret_backup) {
    auto r = one(info->secret_backup, false);
    if (!r) return fail(Errc::BadParameter, "encryption info file: KeyVaultSecretBackupData: " + r.error().message);
    j["secretBackup"] = std::move(*r);
  }
  if (info->key_backup && info->secret_backup) {
    auto ek = parse_blob(*info->key_backup);
    auto es = parse_blob(*info->secret_backup);
    if (ek && es && ek->kid != es->kid) problems.push_back("the two blobs are bound to different security domains");
  }
  j["consistent"] = problems.empty();
  j["problems"] = problems;
  return j;
}

}  // namespace cv::backup
