// `coldvault key rotation-policy show|set`: a key's rotation policy (coldvault/key_rotation.hpp), as
// `az keyvault key rotation-policy show|update`. The policy is Key Vault's JSON, from a file or stdin.
#include <nlohmann/json.hpp>

#include "cli/cmd_key.hpp"
#include "coldvault/key_rotation.hpp"
#include "coldvault/keys.hpp"

namespace cv::cli {
namespace {

struct PolicyArgs {
  std::string vault, name, file;
};

// The policy as Key Vault's JSON, with the key's id base (the vault's URL).
void print_policy(const Globals& g, vault::Service& svc, const PolicyArgs& a, const vault::RotationPolicy& p) {
  vault::Keys keys(svc, a.vault);
  auto key = need(keys.get(a.name, ""));
  print(g, nlohmann::json::parse(vault::rotation_policy_json(p, key.base_url, key.name)));
}

}  // namespace

void add_key_rotation_commands(CLI::App* key, Globals& g) {
  auto a = std::make_shared<PolicyArgs>();
  auto* rp = key->add_subcommand("rotation-policy", "A key's rotation policy (automatic rotation by `serve`)");
  rp->require_subcommand(1);
  auto* show = rp->add_subcommand("show", "Show the policy (Key Vault's default when none was set)");
  auto* set = rp->add_subcommand("set", "Replace the policy with Key Vault's JSON {lifetimeActions, attributes}");
  for (auto* c : {show, set}) {
    c->add_option("--vault-name", a->vault, "Vault name")->required();
    c->add_option("--name,-n", a->name, "Key name")->required();
    add_id_option(c, "keys", a->vault, &a->name, nullptr);
  }
  set->add_option("--file,-f", a->file, "The policy JSON (\"-\" = stdin)")->required();
  show->callback([&g, a] {
    auto svc = open_service(g);
    print_policy(g, svc, *a, need(vault::get_rotation_policy(svc, a->vault, a->name)));
  });
  set->callback([&g, a] {
    auto text = need(read_file(a->file));
    auto policy = need(vault::parse_rotation_policy(std::string(text.begin(), text.end())));
    auto svc = open_service(g);
    print_policy(g, svc, *a, need(vault::set_rotation_policy(svc, a->vault, a->name, policy)));
  });
}

}  // namespace cv::cli
