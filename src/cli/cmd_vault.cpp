// The vault group: create, list, show, and the life cycle az keyvault has (delete, list-deleted,
// show-deleted, recover, purge, update). Each verb parses, calls one domain function and prints.
#include <iostream>

#include "cli/common.hpp"
#include "coldvault/vault_info.hpp"
#include "coldvault/vault_lifecycle.hpp"

namespace cv::cli {
namespace {

nlohmann::json vault_json(const vault::VaultInfo& v) {
  nlohmann::json j = {{"name", v.name},
                      {"vaultUri", v.base_url},
                      {"domainKid", v.domain_kid},
                      {"softDeleteRetentionInDays", v.retention_days},
                      {"enablePurgeProtection", v.purge_protection},
                      {"created", v.created}};
  if (v.signer) {
    j["signer"] = {{"subject", v.signer->subject},
                   {"notBefore", v.signer->not_before},
                   {"notAfter", v.signer->not_after},
                   {"sha256", v.signer->sha256}};
  }
  if (v.deleted_date) j["deletedDate"] = *v.deleted_date;
  if (v.scheduled_purge) j["scheduledPurgeDate"] = *v.scheduled_purge;
  return j;
}

const std::vector<std::string> kVaultColumns = {"name", "vaultUri", "domainKid", "softDeleteRetentionInDays",
                                                "enablePurgeProtection"};
const std::vector<std::string> kDeletedColumns = {"name", "vaultUri", "deletedDate", "scheduledPurgeDate",
                                                  "enablePurgeProtection"};

// A verb that names one vault (--vault-name/-n, az's --name too).
std::shared_ptr<std::string> vault_name_option(CLI::App* cmd) {
  auto name = std::make_shared<std::string>();
  cmd->add_option("--vault-name,-n,--name", *name, "Vault name")->required();
  return name;
}

void add_lifecycle_verbs(CLI::App* vault, Globals& g) {
  auto* del = vault->add_subcommand("delete", "Soft-delete a vault: it and its objects become unreachable, "
                                              "its name reserved until purged");
  auto del_name = vault_name_option(del);
  del->callback([&g, del_name] {
    auto svc = open_service(g);
    print(g, vault_json(need(vault::delete_vault(svc, *del_name))), kDeletedColumns);
  });

  auto* list_deleted = vault->add_subcommand("list-deleted", "List soft-deleted vaults");
  list_deleted->callback([&g] {
    auto svc = open_service(g);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : need(vault::list_deleted_vaults(svc))) out.push_back(vault_json(v));
    print(g, out, kDeletedColumns);
  });

  auto* show_deleted = vault->add_subcommand("show-deleted", "Show a soft-deleted vault");
  auto show_deleted_name = vault_name_option(show_deleted);
  show_deleted->callback([&g, show_deleted_name] {
    auto svc = open_service(g);
    print(g, vault_json(need(vault::get_deleted_vault(svc, *show_deleted_name))), kDeletedColumns);
  });

  auto* recover = vault->add_subcommand("recover", "Recover a soft-deleted vault with everything in it");
  auto recover_name = vault_name_option(recover);
  recover->callback([&g, recover_name] {
    auto svc = open_service(g);
    print(g, vault_json(need(vault::recover_vault(svc, *recover_name))), kVaultColumns);
  });

  auto* purge = vault->add_subcommand("purge", "Permanently remove a soft-deleted vault, its objects and keys");
  auto purge_name = vault_name_option(purge);
  purge->callback([&g, purge_name] {
    auto svc = open_service(g);
    need(vault::purge_vault(svc, *purge_name));
  });

  auto* update = vault->add_subcommand("update", "Change retention or turn purge protection on");
  auto update_name = vault_name_option(update);
  auto retention = std::make_shared<std::optional<int>>();
  auto protection = std::make_shared<std::string>();
  update->add_option("--retention-days", *retention, "Soft-delete retention for later deletes, 7-90 days");
  update->add_option("--enable-purge-protection", *protection,
                     "Turn purge protection on (true; the flag alone means true); it cannot be turned off")
      ->expected(0, 1)
      ->default_str("true");
  update->callback([&g, update_name, retention, protection, update] {
    vault::VaultUpdate u;
    u.retention_days = *retention;
    if (update->count("--enable-purge-protection") > 0)
      u.purge_protection = need(parse_bool(protection->empty() ? "true" : *protection));
    if (!u.retention_days && !u.purge_protection)
      die(Errc::BadParameter, "nothing to update: give --retention-days and/or --enable-purge-protection");
    auto svc = open_service(g);
    print(g, vault_json(need(vault::update_vault(svc, *update_name, u))), kVaultColumns);
  });
}

}  // namespace

void add_vault_commands(CLI::App& app, Globals& g) {
  auto* vault = app.add_subcommand("vault", "Vaults of this home's security domain");
  vault->require_subcommand(1);
  auto* create = vault->add_subcommand("create", "Add a vault to the domain");
  auto copts = std::make_shared<vault::VaultOptions>();
  create->add_option("--vault-name,-n,--name", copts->name, "Vault name")->required();
  create->add_option("--retention-days", copts->retention_days, "Soft-delete retention, 7-90 days")
      ->capture_default_str();
  create->add_flag("--enable-purge-protection", copts->purge_protection, "Forbid purge before retention ends");
  create->callback([&g, copts] {
    auto svc = open_service(g);
    print(g, vault_json(need(vault::create_vault(svc, *copts))), kVaultColumns);
  });

  auto* list = vault->add_subcommand("list", "List vaults");
  list->callback([&g] {
    auto svc = open_service(g);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : need(vault::list_vaults(svc))) out.push_back(vault_json(v));
    print(g, out, kVaultColumns);
  });

  auto* show = vault->add_subcommand("show", "Show a vault and its signing certificate (PEM)");
  auto show_name = std::make_shared<std::string>("default");
  show->add_option("--vault-name,-n,--name", *show_name, "Vault name")->capture_default_str();
  show->callback([&g, show_name] {
    auto svc = open_service(g);
    auto row = need(vault::vault_info(svc, *show_name));
    // Without -o or --query, the certificate alone, as `vault show` has always printed (README's
    // `--trust <(coldvault vault show)`); az scripts that read fields pass --query or -o.
    if (g.output == "pem" || (g.output.empty() && g.query.empty())) {
      std::cout << row.signer_cert_pem;
      return;
    }
    auto j = vault_json(row);
    j["signerCertificatePem"] = row.signer_cert_pem;
    print(g, j, kVaultColumns);
  });
  add_lifecycle_verbs(vault, g);
}

}  // namespace cv::cli
