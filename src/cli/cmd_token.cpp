// `coldvault token create|list|revoke`: bearer tokens for the REST server. A token is printed once
// and stored only as its SHA-256.
#include <iostream>

#include "cli/common.hpp"
#include "coldvault/access_tokens.hpp"

namespace cv::cli {
namespace {

nlohmann::json token_json(const vault::AccessToken& t) {
  nlohmann::json j = {{"id", t.id},
                      {"vault", t.vault},
                      {"permissions", t.permissions},
                      {"label", t.label},
                      {"created", t.created}};
  j["expires"] = t.expires ? nlohmann::json(*t.expires) : nlohmann::json(nullptr);
  j["revoked"] = t.revoked ? nlohmann::json(*t.revoked) : nlohmann::json(nullptr);
  return j;
}

struct TokenArgs {
  std::string vault, id, label, expires;
  std::vector<std::string> permissions;
  bool admin = false;
};

// Exactly one of --vault-name (a data-plane token) and --admin (a management-API token).
void require_scope(const TokenArgs& a) {
  if (a.admin == a.vault.empty()) return;
  die(Errc::BadParameter, a.admin ? "--admin tokens open no vault: drop --vault-name"
                                  : "give --vault-name (a vault's token) or --admin (the management API's)");
}

}  // namespace

void add_token_commands(CLI::App& app, Globals& g) {
  auto* token = app.add_subcommand("token", "Bearer tokens for `coldvault serve`");
  token->require_subcommand(1);
  auto a = std::make_shared<TokenArgs>();

  auto* create = token->add_subcommand("create", "Mint a token (printed once; stored hashed)");
  create->add_option("--vault-name", a->vault, "Vault the token opens");
  create->add_flag("--admin", a->admin, "A management-API token (create, delete, recover, purge vaults)");
  create
      ->add_option("--permissions", a->permissions,
                   "Key Vault permissions: secrets/get,secrets/backup,keys/unwrapKey,... or all")
      ->delimiter(',');
  create->add_option("--label", a->label, "A note to recognise the token by in `token list`");
  create->add_option("--expires", a->expires, "Expiry (UTC): 2027-01-31 or 2027-01-31T10:00:00Z");
  create->callback([&g, a] {
    require_scope(*a);
    if (a->admin && !a->permissions.empty()) die(Errc::BadParameter, "--admin tokens take no --permissions");
    if (!a->admin && a->permissions.empty()) die(Errc::BadParameter, "give --permissions (e.g. secrets/get or all)");
    std::optional<std::int64_t> expires;
    if (!a->expires.empty()) expires = need(parse_time(a->expires));
    auto svc = open_service(g);
    auto m = a->admin ? need(vault::mint_admin_token(svc, a->label, expires))
                      : need(vault::mint_access_token(svc, a->vault, a->permissions, a->label, expires));
    auto j = token_json(m.token);
    j["token"] = m.text;
    print(g, j, {"id", "vault", "permissions", "token"});
    std::cerr << "This token is shown once; coldvault keeps only its SHA-256.\n";
  });

  auto* list = token->add_subcommand("list", "List a vault's tokens (never their text)");
  list->add_option("--vault-name", a->vault, "Vault");
  list->add_flag("--admin", a->admin, "The management-API tokens instead");
  list->callback([&g, a] {
    require_scope(*a);
    auto svc = open_service(g);
    nlohmann::json out = nlohmann::json::array();
    auto tokens = a->admin ? need(vault::list_admin_tokens(svc)) : need(vault::list_access_tokens(svc, a->vault));
    for (const auto& t : tokens) out.push_back(token_json(t));
    print(g, out, {"id", "label", "permissions", "created", "revoked"});
  });

  auto* revoke =
      token->add_subcommand("revoke", "Revoke a token by id (effective within 2 seconds)");
  revoke->add_option("--vault-name", a->vault, "Vault");
  revoke->add_flag("--admin", a->admin, "A management-API token");
  revoke->add_option("--id", a->id, "Token id (from `token list`)")->required();
  revoke->callback([&g, a] {
    require_scope(*a);
    auto svc = open_service(g);
    need(a->admin ? vault::revoke_admin_token(svc, a->id) : vault::revoke_access_token(svc, a->vault, a->id));
    print(g, {{"id", a->id}, {"revoked", true}}, {"id", "revoked"});
  });
}

}  // namespace cv::cli
