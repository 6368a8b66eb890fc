// Backup blobs: `secret|key backup|restore`, the offline `blob inspect|verify`, the blob archive
// (`blob import|list|export|delete`), lineage queries (`catalog blobs|show`) and the life-cycle record
// (`catalog events`).
#include <iostream>

#include "cli/common.hpp"
#include "coldvault/vault_lifecycle.hpp"
#include "coldvault/backup.hpp"
#include "coldvault/bundle_json.hpp"
#include "coldvault/blob_archive.hpp"
#include "coldvault/html_report.hpp"

namespace cv::cli {
namespace {

struct BackupArgs {
  std::string vault, name, file, trust, label, sha, html;
  std::vector<std::string> files;
  bool value_only = false;
  std::size_t limit = 100;
};

Bytes read_blob(const std::string& path) {
  auto content = need(read_file(path));
  return need(backup::read_blob_input(content));
}

void emit_blob(const Globals& g, const BackupArgs& a, const Bytes& blob) {
  if (a.value_only) {
    std::string v = backup::blob_value(blob) + "\n";
    need(write_file(a.file.empty() ? "-" : a.file, as_bytes(v)));
    return;
  }
  if (!a.file.empty()) {
    need(write_file(a.file, blob));
    if (g.output_shape != "rest") return;  // az writes the file and prints nothing
    print(g, {{"file", a.file}, {"bytes", blob.size()}, {"sha256", backup::blob_sha256(blob)}},
          {"file", "bytes", "sha256"});
    return;
  }
  print(g, {{"value", backup::blob_value(blob)}});  // BackupSecretResult / BackupKeyResult shape
}

void add_object_backup(CLI::App* group, Globals& g, bool is_key) {
  auto a = std::make_shared<BackupArgs>();
  auto* backup = group->add_subcommand("backup", "Back up every version into an HSM-bound blob");
  backup->add_option("--vault-name", a->vault, "Vault name")->required();
  backup->add_option("--name,-n", a->name, "Object name")->required();
  backup->add_option("--file,-f", a->file, "Write the blob here (raw bytes, as az does)");
  backup->add_flag("--value-only", a->value_only, "Write the base64url REST `value` instead of raw bytes");
  add_id_option(backup, is_key ? "keys" : "secrets", a->vault, &a->name, nullptr);
  backup->callback([&g, a, is_key] {
    auto svc = open_service(g);
    emit_blob(g, *a, need(is_key ? backup::backup_key(svc, a->vault, a->name)
                                 : backup::backup_secret(svc, a->vault, a->name)));
  });
  auto* restore = group->add_subcommand("restore", "Restore a blob (all versions, original ids)");
  restore->add_option("--vault-name", a->vault, "Target vault")->required();
  restore->add_option("--file,-f", a->file, "Blob file: raw bytes, base64url text or {\"value\":...}; - = stdin")
      ->required();
  add_id_option(restore, "", a->vault, nullptr, nullptr);
  restore->callback([&g, a, is_key] {
    Bytes blob = read_blob(a->file);
    auto svc = open_service(g);
    if (is_key)
      print(g, vault::key_json(need(backup::restore_key(svc, a->vault, blob)), vault::Shape::Bundle),
            {"key.kid", "key.kty", "attributes.enabled"});
    else
      print(g, vault::secret_json(need(backup::restore_secret(svc, a->vault, blob)), vault::Shape::Bundle),
            {"id", "contentType", "attributes.enabled"});
  });
}

nlohmann::json event_json(const backup::BlobEventInfo& e) {
  nlohmann::json j = {{"event", e.event},           {"outcome", e.outcome},      {"sha256", e.sha256},
                      {"type", e.type},             {"name", e.name},            {"versions", e.versions},
                      {"sourceVault", e.source_vault}, {"targetVault", e.target_vault}, {"domainKid", e.domain_kid},
                      {"signer", e.signer},         {"time", e.time}};
  if (!e.detail.empty()) j["detail"] = e.detail;
  return j;
}

nlohmann::json archived_json(const backup::ArchivedBlobInfo& b) {
  auto meta = nlohmann::json::parse(b.metadata_json, nullptr, false);
  return {{"sha256", b.sha256}, {"label", b.label}, {"format", b.format}, {"prefix", b.prefix},
          {"kid", b.kid},       {"type", b.type},   {"imported", b.imported}, {"metadata", meta}};
}

// `blob verify`: one file keeps its report and exit codes (a file that does not decode is an error);
// several are judged together by backup::verify_many, each file for itself.
void verify_blobs(const Globals& g, const BackupArgs& a) {
  if (!a.html.empty()) need(report::check_new_file(a.html));
  nlohmann::json out;
  bool ok = false;
  if (a.files.size() == 1) {
    Bytes blob = read_blob(a.files[0]);
    std::optional<backup::Verdict> found;
    if (a.trust.empty()) {
      auto svc = open_service(g);
      found = need(backup::verify_with_registry(svc, blob));
    } else {
      auto trust = need(read_file(a.trust));
      found = need(backup::verify(blob, as_chars(trust)));
    }
    ok = found->ok;
    out = std::move(found->report);
  } else {
    if (a.trust.empty()) die(Errc::BadParameter, "verifying several blobs needs --trust CERT");
    auto trust = need(read_file(a.trust));
    std::vector<backup::BlobInput> inputs;
    inputs.reserve(a.files.size());
    for (const auto& f : a.files) {
      auto content = need(read_file(f));
      inputs.push_back({f, Bytes(content.begin(), content.end())});
    }
    auto v = need(backup::verify_many(inputs, as_chars(trust)));
    ok = v.ok;
    out = std::move(v.report);
  }
  if (!a.html.empty()) {
    nlohmann::json bulk = out;
    if (a.files.size() == 1)  // the page has one layout: one file is a bulk of one
      bulk = {{"verdict", ok ? "valid" : "invalid"}, {"blobs", 1}, {"valid", ok ? 1 : 0}, {"invalid", ok ? 0 : 1},
              {"results", nlohmann::json::array({{{"file", a.files[0]}, {"ok", ok}, {"report", out}}})}};
    need(report::write_html(a.html, report::blobs_html(bulk)));
  }
  print(g, out);
  if (!ok) throw CommandFailed{Error{Errc::Corruption, "blob verification failed", {}, "BlobInvalid", {}}};
}

void add_blob_group(CLI::App& app, Globals& g) {
  auto a = std::make_shared<BackupArgs>();
  auto* blob = app.add_subcommand("blob", "Offline blob tools and the blob archive (no token needed)");
  blob->require_subcommand(1);

  auto* inspect = blob->add_subcommand("inspect", "Show a blob's envelope, manifest and signer");
  inspect->add_option("file", a->file, "Blob file (raw, base64url or {\"value\":...}); - = stdin")->required();
  inspect->callback([&g, a] { print(g, need(backup::inspect(read_blob(a->file)))); });

  auto* verify = blob->add_subcommand("verify", "Check signature, chain to a trust anchor and digest of one or many blobs");
  verify->add_option("file", a->files, "Blob file(s); several need --trust and give one JSON report for all")
      ->required();
  verify->add_option("--trust", a->trust,
                     "Trusted certificate(s), PEM: a vault's (vault show) or its CA. Without it, the signer "
                     "registry of the home ($COLDVAULT_HOME) is the anchor (one file only)");
  verify->add_option("--html", a->html, "Also write a readable report to this new file (never overwritten)");
  verify->callback([&g, a] { verify_blobs(g, *a); });

  auto* import = blob->add_subcommand("import", "Keep a blob (ours or Key Vault's) in the archive");
  import->add_option("file", a->file, "Blob file")->required();
  import->add_option("--label", a->label, "A note for people");
  import->callback([&g, a] {
    auto b = need(backup::archive_import(g.home, read_blob(a->file), a->label));
    print(g, archived_json(b), {"sha256", "format", "type", "kid", "label"});
  });

  auto* list = blob->add_subcommand("list", "List archived blobs");
  list->callback([&g] {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : need(backup::archive_list(g.home))) out.push_back(archived_json(b));
    print(g, out, {"sha256", "format", "type", "kid", "label"});
  });

  auto* exp = blob->add_subcommand("export", "Write an archived blob back out, byte-identical");
  exp->add_option("sha256", a->sha, "The blob's SHA-256 (or a unique prefix of 8+ hex)")->required();
  exp->add_option("--file,-f", a->file, "Output file")->required();
  exp->callback([&g, a] {
    auto b = need(backup::archive_get(g.home, a->sha));
    need(write_file(a->file, b.blob));
    print(g, {{"file", a->file}, {"sha256", b.sha256}, {"bytes", b.blob.size()}}, {"file", "sha256", "bytes"});
  });

  auto* del = blob->add_subcommand("delete", "Remove a blob from the archive");
  del->add_option("sha256", a->sha, "The blob's SHA-256 (or a unique prefix)")->required();
  del->callback([&g, a] {
    need(backup::archive_delete(g.home, a->sha));
  });
}

void add_catalog_group(CLI::App& app, Globals& g) {
  auto a = std::make_shared<BackupArgs>();
  auto* catalog = app.add_subcommand("catalog", "Catalogue queries (no token needed)");
  catalog->require_subcommand(1);
  auto* blobs = catalog->add_subcommand("blobs", "Blobs produced and restore attempts, newest first");
  blobs->add_option("--limit", a->limit, "At most this many")->capture_default_str();
  blobs->callback([&g, a] {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : need(backup::blob_events(g.home, a->limit))) out.push_back(event_json(e));
    print(g, out, {"time", "event", "outcome", "type", "name", "sha256"});
  });
  auto* show = catalog->add_subcommand("show", "Everything the catalogue knows of one blob");
  show->add_option("sha256", a->sha, "The blob's SHA-256 (or a prefix)")->required();
  show->callback([&g, a] {
    auto h = need(backup::blob_history(g.home, a->sha));
    nlohmann::json j = {{"sha256", h.sha256}};
    j["events"] = nlohmann::json::array();
    for (const auto& e : h.events) j["events"].push_back(event_json(e));
    if (h.archived) j["archived"] = archived_json(*h.archived);
    print(g, j);
  });
  auto* events = catalog->add_subcommand("events", "Life-cycle steps (delete, recover, purge, expire, update), "
                                                   "newest first");
  auto vault_filter = std::make_shared<std::string>();
  events->add_option("--vault-name,-n", *vault_filter, "Only this vault's");
  events->add_option("--limit", a->limit, "At most this many")->capture_default_str();
  events->callback([&g, a, vault_filter] {
    std::optional<std::string> only;
    if (!vault_filter->empty()) only = *vault_filter;
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : need(vault::lifecycle_events(g.home, only, a->limit)))
      out.push_back({{"id", e.id}, {"time", e.time}, {"event", e.event}, {"vault", e.vault}, {"type", e.type},
                     {"name", e.name}, {"detail", e.detail}});
    print(g, out, {"time", "event", "vault", "type", "name"});
  });
}

}  // namespace

void add_backup_commands(CLI::App& app, Globals& g) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == "secret") add_object_backup(sub, g, false);
    if (sub->get_name() == "key") add_object_backup(sub, g, true);
  }
  add_blob_group(app, g);
  add_catalog_group(app, g);
}

}  // namespace cv::cli
