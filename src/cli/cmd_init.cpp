// init, domain show (the vault group is cmd_vault.cpp).
#include <iostream>

#include "cli/common.hpp"
#include "coldvault/domain_transfer.hpp"
#include "coldvault/vault_info.hpp"

namespace cv::cli {

void add_init_commands(CLI::App& app, Globals& g) {
  auto* init = app.add_subcommand("init", "Create the home: token (embedded SoftHSM by default), domain, first vault");
  auto vopts = std::make_shared<vault::VaultOptions>();
  init->add_option("--vault-name", vopts->name, "Name of the first vault")->capture_default_str();
  init->add_option("--retention-days", vopts->retention_days, "Soft-delete retention, 7-90 days")
      ->capture_default_str();
  init->add_flag("--enable-purge-protection", vopts->purge_protection, "Forbid purge before retention ends");
  init->add_option("--module", g.home.module, "PKCS#11 module of an existing token (default: embedded SoftHSM)");
  init->add_option("--token", g.home.token, "Existing token: its label or a pkcs11: URI");
  auto iopts = std::make_shared<vault::InitOptions>();
  init->add_option("--so-pin-file", iopts->so_pin_file,
                   "Embedded token: take its SO PIN from this file (default: generate one, shown once)");
  init->add_flag("--dev", iopts->dev, "Embedded token, demos only: store the SO PIN in the home (0600)");
  init->add_flag("--join", iopts->join,
                 "Make the home and token only: the domain comes from another token (`domain import`)");
  init->add_option("--catalog", iopts->catalog,
                   "Keep the catalogue in PostgreSQL at this URL (postgresql://...; no password in it) instead of "
                   "the SQLite file in the home");
  init->callback([&g, vopts, iopts] {
    auto r = need(vault::init(g.home, *vopts, *iopts));
    nlohmann::json j = {{"home", r.home},
                        {"embedded", r.embedded},
                        {"catalog", iopts->catalog.empty() ? "sqlite" : "postgresql"},
                        {"token", r.token_label},
                        {"domainKid", r.domain_kid},
                        {"vault", r.vault},
                        {"unwrapTemplate", r.unwrap_template}};
    if (r.embedded) j["soPinStored"] = r.so_pin_stored;
    if (!r.undone.empty()) {
      // An earlier init of this home was killed part way; what it had made was removed before this one began.
      j["undoneFromInterruptedInit"] = r.undone;
      std::cerr << "coldvault init: an earlier init of " << r.home << " was interrupted; removed what it had made ("
                << r.undone.size() << " items) and started afresh\n";
    }
    if (r.so_pin) {
      j["soPin"] = std::string(r.so_pin->begin(), r.so_pin->end());
      j["soPinNote"] = "shown once and not stored: keep it somewhere safe";
    }
    std::vector<std::string> columns = {"home", "token", "domainKid", "vault", "unwrapTemplate"};
    if (r.so_pin) columns.push_back("soPin");
    print(g, j, columns);
    if (r.so_pin)
      std::cerr << "The token's SO PIN (soPin) is shown once; coldvault does not store it.\n";
  });

  add_vault_commands(app, g);

  auto* domain = app.add_subcommand("domain", "The security domain of this home");
  domain->require_subcommand(1);
  auto* dshow = domain->add_subcommand("show", "Print the domain kid and public key");
  dshow->callback([&g] {
    auto svc = open_service(g);
    auto d = need(vault::domain_info(svc));
    if (g.output == "pem") {
      std::cout << d.public_key_pem;
      return;
    }
    auto m = need(vault::domain_members(svc));
    nlohmann::json tokens = nlohmann::json::array(), transfers = nlohmann::json::array();
    for (const auto& t : m.tokens)
      tokens.push_back({{"label", t.label}, {"serial", t.serial}, {"joined", t.joined},
                        {"transferId", t.transfer_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.transfer_id)},
                        {"thisToken", t.this_token}});
    for (const auto& e : m.transfers) {
      auto detail = nlohmann::json::parse(e.detail, nullptr, false);
      transfers.push_back({{"event", e.event}, {"transferId", e.transfer_id}, {"time", e.time},
                           {"detail", detail.is_discarded() ? nlohmann::json(nullptr) : detail}});
    }
    print(g, {{"kid", d.kid}, {"kty", "RSA"}, {"keySize", 3072}, {"created", d.created},
              {"publicKeyPem", d.public_key_pem}, {"tokenLabel", d.token_label}, {"tokens", tokens},
              {"transfers", transfers}},
          {"kid", "kty", "keySize", "tokenLabel"});
  });
  add_domain_trust_commands(*domain, g);
  add_domain_transfer_commands(*domain, g);
  add_custodian_commands(app, g);
}

}  // namespace cv::cli
