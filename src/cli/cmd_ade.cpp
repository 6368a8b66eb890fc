// `coldvault ade export|restore|inspect`: Azure Backup's encryption-info file for an ADE-encrypted VM
// (include/coldvault/ade.hpp, docs/ade-runbook.md).
#include "cli/common.hpp"
#include "coldvault/ade.hpp"

namespace cv::cli {
namespace {

struct AdeArgs {
  std::string vault, machine, secret_name, file, os = "windows";
};

}  // namespace

void add_ade_commands(CLI::App& app, Globals& g) {
  auto* ade = app.add_subcommand("ade", "Azure Disk Encryption: the encryption-info file of an encrypted VM");
  ade->require_subcommand(1);
  auto a = std::make_shared<AdeArgs>();

  auto* exp = ade->add_subcommand("export", "Write a machine's KEK and BEK as an encryption-info file");
  exp->add_option("--vault-name", a->vault, "Vault name")->required();
  exp->add_option("--machine", a->machine, "Machine name (the BEK's MachineName tag)")->required();
  auto* secret_opt = exp->add_option("--secret-name", a->secret_name, "The BEK secret (a GUID), when the machine has several");
  exp->add_option("--file,-f", a->file, "File to write (0600); - for stdout")->required();
  exp->callback([&g, a, secret_opt] {
    backup::AdeExport e{a->machine, std::nullopt};
    if (secret_opt->count() > 0) e.secret_name = a->secret_name;
    auto svc = open_service(g);
    auto doc = need(backup::ade_export(svc, a->vault, e));
    std::string text = doc.dump(2) + "\n";
    need(write_file(a->file, as_bytes(text)));
    if (a->file == "-") return;
    const auto& d = doc["OsDiskKeyAndSecretDetails"];
    nlohmann::json summary = {{"file", a->file}, {"secretUrl", d["SecretUrl"]}, {"kind", d.contains("KeyUrl") ? "KEK+BEK" : "BEK only"}};
    if (d.contains("KeyUrl")) summary["keyUrl"] = d["KeyUrl"];
    print(g, summary, {"file", "kind", "secretUrl", "keyUrl"});
  });

  auto* res = ade->add_subcommand("restore", "Restore the KEK and BEK of an encryption-info file, in one step");
  res->add_option("--vault-name", a->vault, "Target vault")->required();
  res->add_option("--file,-f", a->file, "The encryption-info JSON file; - for stdin")->required();
  auto* machine_opt = res->add_option("--machine", a->machine,
                                      "MachineName tag, only for a file without KeyVaultSecretBackupData");
  res->add_option("--os", a->os, "windows (default) or linux: the BEK file-name tag when set from SecretData")
      ->check(CLI::IsMember({"windows", "linux"}));
  res->callback([&g, a, machine_opt] {
    backup::AdeRestoreOptions o;
    if (machine_opt->count() > 0) o.machine = a->machine;
    o.os = a->os;
    auto content = need(read_file(a->file));
    auto svc = open_service(g);
    auto r = need(backup::ade_restore(svc, a->vault, content, o));
    nlohmann::json j = {{"bekId", r.bek_id}, {"bekReused", r.bek_reused}, {"bekSource", r.bek_source}};
    if (!r.kek_id.empty()) j["kekId"] = r.kek_id, j["kekReused"] = r.kek_reused;
    print(g, j, {"kekId", "bekId", "kekReused", "bekReused"});
  });

  auto* ins = ade->add_subcommand("inspect", "Show what an encryption-info file holds (offline, no token)");
  ins->add_option("file", a->file, "The encryption-info JSON file; - for stdin")->required();
  ins->callback([&g, a] {
    auto content = need(read_file(a->file));
    print(g, need(backup::ade_inspect(content)));
  });
}

}  // namespace cv::cli
