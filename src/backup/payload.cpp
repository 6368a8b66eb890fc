#include "backup/payload.hpp"

#include "coldvault/audit_log.hpp"

namespace cv::backup {

SecureJson version_json(const store::VersionRow& v) {
  SecureJson attrs = {{"enabled", v.enabled}, {"created", v.created}, {"updated", v.updated}};
  if (v.nbf) attrs["nbf"] = *v.nbf;
  if (v.exp) attrs["exp"] = *v.exp;
  SecureJson tags = SecureJson::object();
  for (const auto& [k, val] : v.tags) tags[SecureString(k.begin(), k.end())] = SecureString(val.begin(), val.end());
  SecureJson j = {{"version", SecureString(v.version.begin(), v.version.end())}, {"tags", tags}, {"attributes", attrs}};
  if (v.content_type) j["contentType"] = SecureString(v.content_type->begin(), v.content_type->end());
  return j;
}

static std::string str(const SecureJson& j) {
  const auto& s = j.get_ref<const SecureString&>();
  return std::string(s.begin(), s.end());
}

Result<store::VersionRow> version_from_json(const SecureJson& j) {
  auto bad = [] { return fail(Errc::BadParameter, "malformed backup blob: a version entry is incomplete"); };
  if (!j.is_object() || !j.contains("version") || !j["version"].is_string() || !j.contains("attributes") ||
      !j["attributes"].is_object())
    return bad();
  const auto& a = j["attributes"];
  store::VersionRow v;
  v.version = str(j["version"]);
  if (!a.contains("enabled") || !a["enabled"].is_boolean() || !a.contains("created") ||
      !a["created"].is_number_integer() || !a.contains("updated") || !a["updated"].is_number_integer())
    return bad();
  v.enabled = a["enabled"].get<bool>();
  v.created = a["created"].get<std::int64_t>();
  v.updated = a["updated"].get<std::int64_t>();
  for (const char* f : {"nbf", "exp"}) {
    if (!a.contains(f)) continue;
    if (!a[f].is_number_integer()) return bad();
    (f[0] == 'n' ? v.nbf : v.exp) = a[f].get<std::int64_t>();
  }
  if (j.contains("contentType")) {
    if (!j["contentType"].is_string()) return bad();
    v.content_type = str(j["contentType"]);
  }
  if (j.contains("tags")) {
    if (!j["tags"].is_object()) return bad();
    for (auto it = j["tags"].begin(); it != j["tags"].end(); ++it) {
      if (!it.value().is_string()) return bad();
      v.tags[std::string(it.key().begin(), it.key().end())] = str(it.value());
    }
  }
  return v;
}

Result<std::vector<const SecureJson*>> payload_versions(const SecureJson& payload, const Manifest& m) {
  auto bad = [](const char* why) { return fail(Errc::BadParameter, std::string("malformed backup blob: ") + why); };
  if (!payload.is_object() || !payload.contains("versions") || !payload["versions"].is_array())
    return bad("payload has no versions");
  if (!payload.contains("name") || !payload["name"].is_string() || str(payload["name"]) != m.name ||
      !payload.contains("current") || !payload["current"].is_string() || str(payload["current"]) != m.current ||
      !payload.contains("type") || !payload["type"].is_string() || str(payload["type"]) != m.type)
    return bad("payload and manifest disagree");
  const auto& vs = payload["versions"];
  if (vs.size() != m.versions.size()) return bad("payload and manifest list different versions");
  std::vector<const SecureJson*> out;
  bool has_current = false;
  for (std::size_t i = 0; i < vs.size(); ++i) {
    if (!vs[i].is_object() || !vs[i].contains("version") || !vs[i]["version"].is_string() ||
        str(vs[i]["version"]) != m.versions[i])
      return bad("payload and manifest list different versions");
    has_current = has_current || m.versions[i] == m.current;
    out.push_back(&vs[i]);
  }
  if (!has_current) return bad("current version is not among the versions");
  return out;
}

Error restore_conflict(const std::string& type_word, const std::string& base_url, const std::string& name,
                       const std::string& version) {
  std::string plural = type_word == "secret" ? "secrets" : type_word == "key" ? "keys" : "certificates";
  return Error{Errc::Conflict,
               "There was a conflict restoring the " + type_word + " '" + base_url + "/" + plural + "/" + name + "/" +
                   version + "'. This can happen if either: a second " + type_word +
                   " with the same name was created after the first " + type_word +
                   " was deleted; thus trying to restore a " + type_word +
                   " whose name is already in use. To fix this, rename the second " + type_word +
                   " to something else so that the restore works. The second probable cause of this exception "
                   "is when multiple operations are performed in parallel against the " + type_word +
                   ". To avoid this error, perform operations against a " + type_word + " in a sequential manner.",
               {}, "Conflict", {}};
}

Result<void> record(vault::Service& svc, const std::string& event, const Result<void>& outcome, ByteView blob,
                    const Manifest* m, const std::string& target_vault, const std::string& type) {
  store::BlobEvent e;
  e.event = event;
  e.outcome = outcome ? "ok" : std::string(errc_name(outcome.error().code));
  e.detail = outcome ? "" : outcome.error().message;
  e.sha256 = blob.empty() ? "" : blob_sha256(blob);
  e.type = m ? m->type : type;
  if (m) {
    e.name = m->name;
    e.versions = m->versions;
    e.source_vault = m->vault;
    e.domain_kid = m->domain;
    e.signer = m->signer;
  }
  e.target_vault = target_vault;
  e.time = vault::Service::now();
  // The operation's audit record names the blob by the same digest as its lineage (docs/audit.md §1).
  if (auto* scope = store::AuditScope::current()) {
    auto& a = scope->record();
    a.sha256 = e.sha256;
    if (a.name.empty()) a.name = e.name;
    if (a.type.empty()) a.type = e.type;
  }
  return store::record_blob_event(svc.catalog(), e);
}

Error refusal_unrecorded(const Error& refusal, const Error& record_error) {
  return Error{Errc::StorageFailure,
               refusal.message + " (and the lineage record of this refusal could not be written: " +
                   record_error.message + ")",
               record_error.native, {}, {}};
}

Result<std::vector<store::VersionRow>> all_versions(vault::Service& svc, const std::string& vault,
                                                    store::ObjType t, const std::string& name) {
  auto rows = svc.catalog().versions(vault, t, name, "", kMaxVersions + 1);
  if (!rows) return std::unexpected(rows.error());
  if (rows->size() > kMaxVersions)
    return fail(Errc::BadParameter, "'" + name + "' has more than " + std::to_string(kMaxVersions) +
                                        " versions, the most one backup blob holds");
  return rows;
}

}  // namespace cv::backup
