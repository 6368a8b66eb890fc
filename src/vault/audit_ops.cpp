// Key Vault's operation names for what the CLI and the REST server do (docs/audit.md §1, `operation`).
#include "coldvault/audit_ops.hpp"

#include <map>

namespace cv::audit {
namespace {

// Verbs shared by the three object groups, {T} = Secret, Key or Certificate.
const std::map<std::string, std::string, std::less<>> kObjectVerbs = {
    {"set", "Set{T}"},           {"show", "Get{T}"},
    {"list", "Get{T}s"},         {"list-versions", "Get{T}Versions"},
    {"set-attributes", "Update{T}"}, {"update", "Update{T}"},
    {"delete", "Delete{T}"},     {"recover", "RecoverDeleted{T}"},
    {"purge", "PurgeDeleted{T}"}, {"list-deleted", "GetDeleted{T}s"},
    {"show-deleted", "GetDeleted{T}"}, {"backup", "Backup{T}"},
    {"restore", "Restore{T}"},   {"create", "Create{T}"},
    {"import", "Import{T}"},     {"rotate", "Rotate{T}"},
    {"download", "Get{T}"}};

const std::map<std::string, std::string, std::less<>> kKeyOps = {
    {"encrypt", "Encrypt"}, {"decrypt", "Decrypt"}, {"sign", "Sign"}, {"verify", "Verify"},
    {"wrap-key", "WrapKey"}, {"unwrap-key", "UnwrapKey"}, {"wrapkey", "WrapKey"}, {"unwrapkey", "UnwrapKey"}};

std::string object_op(const std::string& pattern, const std::string& t) {
  std::string out = pattern;
  auto at = out.find("{T}");
  if (at != std::string::npos) out.replace(at, 3, t);
  return out;
}

std::string type_word(const std::string& group) {
  if (group == "secret" || group == "secrets") return "Secret";
  if (group == "key" || group == "keys") return "Key";
  if (group == "certificate" || group == "certificates") return "Certificate";
  return {};
}

}  // namespace

std::string cli_operation(const std::vector<std::string>& words) {
  if (words.size() == 3 && words[0] == "key" && words[1] == "rotation-policy")
    return words[2] == "set" ? "UpdateKeyRotationPolicy" : "GetKeyRotationPolicy";
  if (words.size() == 2) {
    if (words[0] == "backup" && words[1] == "start") return "FullBackup";
    if (words[0] == "restore" && words[1] == "start") return "FullRestoreOperation";
    if (std::string t = type_word(words[0]); !t.empty()) {
      if (t == "Key")
        if (auto k = kKeyOps.find(words[1]); k != kKeyOps.end()) return k->second;
      if (auto v = kObjectVerbs.find(words[1]); v != kObjectVerbs.end()) return object_op(v->second, t);
    }
  }
  std::string out = "coldvault";
  for (const auto& w : words) out += "." + w;
  return out;
}

std::string rest_operation(const std::string& method, const std::string& pattern) {
  static const std::map<std::string, std::string, std::less<>> kFixed = {
      {"POST backup", "FullBackup"},
      {"GET backup/{name}/pending", "FullBackupStatus"},
      {"GET backup/{name}/bundle", "FullBackupDownload"},  // coldvault extensions (the web console's)
      {"POST blobs/verify", "VerifyBlob"},
      {"PUT restore", "FullRestoreOperation"},
      {"GET restore/{name}/pending", "RestoreStatus"},
      {"PUT keys/{name}/restore", "SelectiveKeyRestoreOperation"},
      {"PUT secrets/{name}/restore", "SelectiveSecretRestoreOperation"},
      {"PUT certificates/{name}/restore", "SelectiveCertificateRestoreOperation"},
      {"GET certificates/{name}/policy", "GetCertificatePolicy"},
      {"PATCH certificates/{name}/policy", "UpdateCertificatePolicy"},
      {"GET certificates/{name}/pending", "GetCertificateOperation"},
      {"PATCH certificates/{name}/pending", "UpdateCertificateOperation"},
      {"DELETE certificates/{name}/pending", "DeleteCertificateOperation"},
      {"POST certificates/{name}/pending/merge", "MergeCertificate"},
      {"GET certificates/contacts", "GetCertificateContacts"},
      {"PUT certificates/contacts", "SetCertificateContacts"},
      {"DELETE certificates/contacts", "DeleteCertificateContacts"},
      {"GET certificates/issuers", "GetCertificateIssuers"},
      {"GET certificates/issuers/{name}", "GetCertificateIssuer"},
      {"PUT certificates/issuers/{name}", "SetCertificateIssuer"},
      {"PATCH certificates/issuers/{name}", "UpdateCertificateIssuer"},
      {"DELETE certificates/issuers/{name}", "DeleteCertificateIssuer"},
      {"PUT keys/{name}", "ImportKey"},
      {"PUT secrets/{name}", "SetSecret"},
      {"POST keys/{name}/rotate", "RotateKey"},
      {"GET keys/{name}/rotationpolicy", "GetKeyRotationPolicy"},
      {"PUT keys/{name}/rotationpolicy", "UpdateKeyRotationPolicy"},
      {"POST rng", "GetRandomBytes"},
      {"POST secrets/restore", "RestoreSecret"},
      {"POST keys/restore", "RestoreKey"},
      {"POST certificates/restore", "RestoreCertificate"}};
  const std::string key = method + " " + pattern;
  if (auto f = kFixed.find(key); f != kFixed.end()) return f->second;
  // Management (ARM) routes: the last literal names the collection.
  if (pattern.find("vaults") != std::string::npos && pattern.starts_with("subscriptions/")) {
    bool deleted = pattern.find("deletedVaults") != std::string::npos;
    bool one = pattern.ends_with("{name}");
    if (pattern.ends_with("/purge")) return "VaultsPurgeDeleted";
    if (deleted) return one ? "VaultsGetDeleted" : "VaultsListDeleted";
    if (!one) return pattern.find("resourceGroups") != std::string::npos ? "VaultsListByResourceGroup" : "VaultsList";
    if (method == "PUT") return "VaultsCreateOrUpdate";
    if (method == "PATCH") return "VaultsUpdate";
    if (method == "DELETE") return "VaultsDelete";
    return "VaultsGet";
  }
  // Object routes: {coll}[/{name}[/...]].
  auto slash = pattern.find('/');
  std::string coll = pattern.substr(0, slash);
  bool deleted = coll.starts_with("deleted");
  std::string t = type_word(deleted ? coll.substr(7) : coll);
  if (t.empty()) return method + " " + pattern;
  std::string rest = slash == std::string::npos ? "" : pattern.substr(slash + 1);
  if (deleted) {
    if (rest.empty()) return "GetDeleted" + t + "s";
    if (rest.ends_with("/recover")) return "RecoverDeleted" + t;
    return (method == "DELETE" ? "PurgeDeleted" : "GetDeleted") + t;
  }
  if (rest.empty()) return "Get" + t + "s";
  if (rest.ends_with("/versions")) return "Get" + t + "Versions";
  if (rest.ends_with("/backup")) return "Backup" + t;
  if (rest.ends_with("/create")) return "Create" + t;
  if (rest.ends_with("/import")) return "Import" + t;
  for (const auto& [tail, name] : kKeyOps)
    if (rest.ends_with("/" + tail)) return name;
  if (method == "DELETE") return "Delete" + t;
  if (method == "PATCH") return "Update" + t;
  if (method == "GET") return "Get" + t;
  return method + " " + pattern;
}

}  // namespace cv::audit
