// `coldvault disk-key create|unwrap|list`: Azure Disk Encryption's BEK secrets, optionally wrapped by a
// KEK (include/coldvault/disk_keys.hpp, docs/keys.md).
#include "cli/common.hpp"
#include "coldvault/bundle_json.hpp"
#include "coldvault/disk_keys.hpp"

namespace cv::cli {
namespace {

struct DiskArgs {
  std::string vault, machine, kek, os = "windows", name, file;
};

const std::vector<std::string> kColumns = {"name", "contentType", "tags.MachineName",
                                           "tags.DiskEncryptionKeyEncryptionKeyURL"};

nlohmann::json out(const vault::SecretBundle& b, vault::Shape s) {
  auto j = vault::secret_json(b, s);
  j["name"] = b.name;
  return j;
}

}  // namespace

void add_disk_key_commands(CLI::App& app, Globals& g) {
  auto* dk = app.add_subcommand("disk-key", "Disk encryption keys (ADE BEK secrets, KEK-wrapped or not)");
  dk->require_subcommand(1);
  auto a = std::make_shared<DiskArgs>();

  auto* create = dk->add_subcommand("create", "Generate a BEK in the token, wrap it with a KEK, store it as a secret");
  create->add_option("--vault-name", a->vault, "Vault name")->required();
  create->add_option("--machine", a->machine, "Machine name (MachineName tag)")->required();
  auto* kek_opt = create->add_option("--kek", a->kek, "RSA key of the vault whose latest version wraps the BEK");
  create->add_option("--os", a->os, "windows (default) or linux")->check(CLI::IsMember({"windows", "linux"}));
  create->callback([&g, a, kek_opt] {
    vault::DiskKeyRequest r{a->machine, std::nullopt, a->os};
    if (kek_opt->count() > 0) r.kek = a->kek;
    auto svc = open_service(g);
    vault::DiskKeys dks(svc, a->vault);
    print(g, out(need(dks.create(r)), vault::Shape::Bundle), kColumns);
  });

  auto* unwrap = dk->add_subcommand("unwrap", "Write a BEK to a file (0600), unwrapping it with its KEK");
  unwrap->add_option("--vault-name", a->vault, "Vault name")->required();
  unwrap->add_option("--name,-n", a->name, "The BEK secret's name (a GUID)")->required();
  unwrap->add_option("--file,-f", a->file, "File to write")->required();
  unwrap->callback([&g, a] {
    auto svc = open_service(g);
    vault::DiskKeys dks(svc, a->vault);
    // write_file: 0600, temp name + fsync + rename, so a BEK file is never half written or world-readable.
    need(write_file(a->file, need(dks.unwrap(a->name))));
  });

  auto* list = dk->add_subcommand("list", "List BEK secrets, optionally of one machine");
  list->add_option("--vault-name", a->vault, "Vault name")->required();
  auto* machine_opt = list->add_option("--machine", a->machine, "Only this machine's BEKs");
  list->callback([&g, a, machine_opt] {
    auto svc = open_service(g);
    vault::DiskKeys dks(svc, a->vault);
    std::optional<std::string> m;
    if (machine_opt->count() > 0) m = a->machine;
    nlohmann::json j = nlohmann::json::array();
    for (const auto& b : need(dks.list(m))) j.push_back(out(b, vault::Shape::Item));
    print(g, j, kColumns);
  });
}

}  // namespace cv::cli
