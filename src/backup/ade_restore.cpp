// ade restore: KEK, then BEK, into one vault in one catalogue transaction. Every blob is opened (signature,
// domain, payload digest) and matched against the file's URLs before anything is written.
#include <set>

#include "backup/ade_detail.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/disk_keys.hpp"

namespace cv::backup {
namespace {

Error in_field(const char* field, const Error& e) {
  Error out = e;
  out.message = std::string("encryption info file: ") + field + ": " + e.message;
  return out;
}

// A restore target is free, or holds exactly the blob's versions (reuse), or is a Conflict.
enum class Target { Free, Reuse };
Result<Target> target_state(vault::Service& svc, const std::string& vault, store::ObjType t, const Manifest& m,
                            const std::string& base_url) {
  const char* word = t == store::ObjType::Key ? "key" : "secret";
  auto o = svc.catalog().object(vault, t, m.name);
  if (!o) return o.error().code == Errc::NotFound ? Result<Target>(Target::Free) : std::unexpected(o.error());
  auto conflict = restore_conflict(word, base_url, m.name, m.current);
  if (o->deleted_date) return std::unexpected(conflict);
  auto rows = svc.catalog().versions(vault, t, m.name, "", kMaxVersions + 1);
  if (!rows) return std::unexpected(rows.error());
  std::set<std::string> have, want(m.versions.begin(), m.versions.end());
  for (const auto& r : *rows) have.insert(r.version);
  if (have != want) return std::unexpected(conflict);
  return Target::Reuse;
}

struct Opening {
  std::optional<Opened> kek, bek;
};

Result<Opening> open_blobs(vault::Service& svc, const EncryptionInfo& info) {
  Opening out;
  if (info.key_backup) {
    auto o = Opened::open(svc, *info.key_backup, "key");
    if (!o) return std::unexpected(in_field("KeyBackupData", o.error()));
    if (auto r = check_blob_matches(info, o->manifest, true); !r) return std::unexpected(r.error());
    out.kek.emplace(std::move(*o));
  }
  if (info.secret_backup) {
    auto o = Opened::open(svc, *info.secret_backup, "secret");
    if (!o) return std::unexpected(in_field("KeyVaultSecretBackupData", o.error()));
    if (auto r = check_blob_matches(info, o->manifest, false); !r) return std::unexpected(r.error());
    out.bek.emplace(std::move(*o));
  }
  return out;
}

// The BEK secret set from SecretData with the four ADE tags, its KEK URL naming the restored KEK.
Result<vault::SecretBundle> set_from_secret_data(vault::Service& svc, const std::string& vault,
                                                 const EncryptionInfo& info, const AdeRestoreOptions& opt,
                                                 const std::string& kek_id) {
  const std::string& data = *info.secret_data;
  if (!base64url_decode_lenient_padding(data) && !base64_decode(data))
    return fail(Errc::BadParameter, "encryption info file: SecretData is not base64");
  vault::SetSecret s;
  s.value = SecureString(data.begin(), data.end());
  s.content_type = vault::kContentTypeWrappedBek;
  s.tags = {{vault::kTagBekAlgorithm, "RSA-OAEP"},
            {vault::kTagBekFileName, opt.os == "linux" ? "LinuxPassPhraseFileName" : info.secret_name + ".BEK"},
            {vault::kTagKekUrl, kek_id},
            {vault::kTagMachine, *opt.machine}};
  return vault::Secrets(svc, vault).set(info.secret_name, s);
}

Result<AdeRestored> write_all(vault::Service& svc, const std::string& vault, const EncryptionInfo& info,
                              const Opening& op, const AdeRestoreOptions& opt) {
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  const std::string base = (*vk)->row.base_url;
  AdeRestored out;
  std::optional<Target> kek_state, bek_state;
  if (op.kek) {
    auto t = target_state(svc, vault, store::ObjType::Key, op.kek->manifest, base);
    if (!t) return std::unexpected(t.error());
    kek_state = *t;
  }
  if (op.bek) {
    auto t = target_state(svc, vault, store::ObjType::Secret, op.bek->manifest, base);
    if (!t) return std::unexpected(t.error());
    bek_state = *t;
  } else if (auto o = svc.catalog().object(vault, store::ObjType::Secret, info.secret_name); o) {
    return std::unexpected(restore_conflict("secret", base, info.secret_name, info.secret_version));
  }

  auto batch = svc.catalog().begin_batch();
  if (!batch) return std::unexpected(batch.error());
  if (op.kek) {
    const Manifest& m = op.kek->manifest;
    if (*kek_state == Target::Free)
      if (auto k = put_key(svc, vault, *op.kek); !k) return std::unexpected(k.error());
    out.kek_reused = *kek_state == Target::Reuse;
    out.kek_id = base + "/keys/" + m.name + "/" + (info.key_version.empty() ? m.current : info.key_version);
  }
  if (op.bek) {
    const Manifest& m = op.bek->manifest;
    if (*bek_state == Target::Free)
      if (auto s = put_secret(svc, vault, *op.bek); !s) return std::unexpected(s.error());
    out.bek_reused = *bek_state == Target::Reuse;
    out.bek_id = base + "/secrets/" + m.name + "/" + (info.secret_version.empty() ? m.current : info.secret_version);
    out.bek_source = "KeyVaultSecretBackupData";
  } else {
    auto s = set_from_secret_data(svc, vault, info, opt, out.kek_id);
    if (!s) return std::unexpected(s.error());
    out.bek_id = base + "/secrets/" + s->name + "/" + s->meta.version;
    out.bek_source = "SecretData";
  }
  // A success and its lineage commit together.
  if (op.kek)
    if (auto r = record(svc, "restore", {}, *info.key_backup, &op.kek->manifest, vault, "key"); !r)
      return std::unexpected(r.error());
  if (op.bek)
    if (auto r = record(svc, "restore", {}, *info.secret_backup, &op.bek->manifest, vault, "secret"); !r)
      return std::unexpected(r.error());
  if (auto r = batch->commit(); !r) return std::unexpected(r.error());
  return out;
}

}  // namespace

Result<AdeRestored> ade_restore(vault::Service& svc, const std::string& vault, ByteView file,
                                const AdeRestoreOptions& opt) {
  auto info = parse_encryption_info(file);
  if (!info) return std::unexpected(info.error());
  if (!info->secret_backup && !opt.machine)
    return fail(Errc::BadParameter,
                "encryption info file has no KeyVaultSecretBackupData: give --machine (the MachineName tag) to set "
                "the BEK from SecretData");
  if (auto vk = svc.vault(vault); !vk) return std::unexpected(vk.error());
  auto op = open_blobs(svc, *info);
  Result<AdeRestored> r = op ? write_all(svc, vault, *info, *op, opt) : std::unexpected(op.error());
  if (r) return r;
  // A refusal is recorded after the transaction was undone, for every blob the file carried.
  Error refusal = r.error();
  Result<void> noted;
  auto note = [&](const std::optional<Bytes>& blob, const std::optional<Opened>* o, const char* type) {
    if (!blob || !noted) return;
    const Manifest* m = o && *o ? &(*o)->manifest : nullptr;
    std::optional<Manifest> parsed;
    if (!m) {
      auto env = parse_blob(*blob);
      if (env)
        if (auto mm = manifest_of(*env); mm) parsed = std::move(*mm), m = &*parsed;
    }
    noted = record(svc, "restore", std::unexpected(refusal), *blob, m, vault, type);
  };
  note(info->key_backup, op ? &op->kek : nullptr, "key");
  note(info->secret_backup, op ? &op->bek : nullptr, "secret");
  if (!noted) return std::unexpected(refusal_unrecorded(refusal, noted.error()));
  return r;
}

}  // namespace cv::backup
