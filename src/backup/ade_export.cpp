// ade export: the encryption-info file of one machine, made from this vault's BEK secret and its KEK.
#include "backup/ade_detail.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/disk_keys.hpp"

namespace cv::backup {
namespace {

bool is_bek(const store::VersionRow& v) {
  return v.content_type && (*v.content_type == vault::kContentTypeWrappedBek || *v.content_type == vault::kContentTypeBek);
}

std::string tag(const store::Tags& tags, const char* name) {
  auto it = tags.find(name);
  return it == tags.end() ? std::string() : it->second;
}

// The machine's BEK secret: the named one (checked to be a BEK of that machine) or its only one.
Result<vault::SecretBundle> find_bek(vault::Service& svc, const std::string& vault, const AdeExport& e) {
  if (e.secret_name) {
    auto b = vault::Secrets(svc, vault).get(*e.secret_name, "");
    if (!b) return std::unexpected(b.error());
    if (!is_bek(b->meta))
      return fail(Errc::BadParameter, "secret " + b->name + " is not a disk-encryption secret (content type " +
                                          b->meta.content_type.value_or("none") + ")");
    if (!same_name(tag(b->meta.tags, vault::kTagMachine), e.machine))
      return fail(Errc::BadParameter, "secret " + b->name + " belongs to machine '" +
                                          tag(b->meta.tags, vault::kTagMachine) + "', not '" + e.machine + "'");
    return b;
  }
  auto list = vault::DiskKeys(svc, vault).list(e.machine);
  if (!list) return std::unexpected(list.error());
  if (list->empty())
    return fail_kv(Errc::NotFound, "no disk-encryption secret with MachineName '" + e.machine + "' in vault " + vault,
                   "SecretNotFound");
  if (list->size() > 1) {
    std::string names;
    for (const auto& b : *list) names += (names.empty() ? "" : ", ") + b.name;
    return fail(Errc::BadParameter, "machine '" + e.machine + "' has " + std::to_string(list->size()) +
                                        " BEK secrets (" + names + "); choose one with --secret-name");
  }
  return vault::Secrets(svc, vault).get(list->front().name, "");
}

}  // namespace

Result<nlohmann::json> ade_export(vault::Service& svc, const std::string& vault, const AdeExport& e) {
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  auto bek = find_bek(svc, vault, e);
  if (!bek) return std::unexpected(bek.error());
  const std::string base = (*vk)->row.base_url;
  nlohmann::json d = {{"SecretUrl", base + "/secrets/" + bek->name + "/" + bek->meta.version},
                      {"SecretVaultId", vault_resource_id((*vk)->row)}};

  if (*bek->meta.content_type == vault::kContentTypeWrappedBek) {
    std::string url = tag(bek->meta.tags, vault::kTagKekUrl);
    auto kek = vault::kek_from_url(url);
    if (!kek) return std::unexpected(kek.error());
    auto key = vault::Keys(svc, vault).get(kek->first, kek->second);
    if (!key) {
      if (key.error().code != Errc::NotFound) return std::unexpected(key.error());
      return fail_kv(Errc::NotFound, "the KEK " + url + " of BEK " + bek->name + " is not in vault " + vault,
                     "KeyNotFound");
    }
    auto key_blob = backup_key(svc, vault, kek->first);
    if (!key_blob) return std::unexpected(key_blob.error());
    d["KeyUrl"] = kek->second.empty() ? base + "/keys/" + key->name + "/" + key->meta.version : url;
    d["KeyBackupData"] = base64_encode(*key_blob);
    d["KeyVaultId"] = vault_resource_id((*vk)->row);
    // The wrapped BEK: safe outside the token (only the KEK opens it), and what the seed's manual path sets.
    d["SecretData"] = std::string(bek->value->begin(), bek->value->end());
  }
  auto secret_blob = backup_secret(svc, vault, bek->name);
  if (!secret_blob) return std::unexpected(secret_blob.error());
  d["KeyVaultSecretBackupData"] = base64_encode(*secret_blob);
  return nlohmann::json{{"OsDiskKeyAndSecretDetails", std::move(d)}};
}

}  // namespace cv::backup
