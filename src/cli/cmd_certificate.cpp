// `coldvault certificate ...`: the verbs of `az keyvault certificate` (create, import, life cycle).
// download, pending, policy, backup and restore are in cmd_certificate_ops.cpp.
//
// A PFX/PEM password never travels on argv (every user of the machine can read argv): it comes from
// --password-file or $COLDVAULT_CERT_PASSWORD; az's --password is accepted only to be refused with
// that advice (rather than CLI11's "not expected", which would echo the password).
#include "cli/cmd_certificate.hpp"
#include "cli/az_args.hpp"
#include "cli/lifecycle_verbs.hpp"

#include <unistd.h>

#include <cstdlib>
#include <tuple>

namespace cv::cli {
namespace cert {

using vault::Shape;

nlohmann::json out(const vault::CertificateBundle& b, Shape s) {
  auto j = vault::certificate_json(b, s);
  j["name"] = b.name;
  return j;
}

void add_vault_and_name(CLI::App* c, Args& a, bool name) {
  c->add_option("--vault-name", a.vault, "Vault name")->required();
  if (name) c->add_option("--name,-n", a.name, "Certificate name")->required();
  add_id_option(c, name ? "certificates" : "", a.vault, name ? &a.name : nullptr, &a.version);
}

nlohmann::json read_policy_json(const std::string& arg) {
  std::string text;
  auto first = arg.find_first_not_of(" \t\r\n");
  bool inline_json = first != std::string::npos && arg[first] == '{';
  if (!arg.empty() && arg[0] == '@') {
    auto bytes = need(read_file(arg.substr(1)));
    text.assign(bytes.begin(), bytes.end());
  } else if (!inline_json && ::access(arg.c_str(), R_OK) == 0) {
    auto bytes = need(read_file(arg));  // a plain path, as key --policy and most az JSON flags take
    text.assign(bytes.begin(), bytes.end());
  } else {
    text = arg;
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    die(Errc::BadParameter, "--policy is not a JSON object (give inline JSON, @file or a file path)");
  // The vault keeps lifetime actions verbatim: give it the REST spelling of an az file's camelCase
  // ones.
  for (const char* key : {"lifetimeActions", "lifetime_actions"}) {
    if (!j.contains(key) || !j[key].is_array()) continue;
    for (auto& a : j[key]) {
      if (!a.is_object()) continue;
      for (auto [part, from, to] :
           {std::tuple{"action", "actionType", "action_type"},
            std::tuple{"trigger", "daysBeforeExpiry", "days_before_expiry"},
            std::tuple{"trigger", "lifetimePercentage", "lifetime_percentage"}}) {
        if (!a.contains(part) || !a[part].is_object() || !a[part].contains(from)) continue;
        auto v = a[part][from];
        a[part].erase(from);
        if (!v.is_null()) a[part][to] = std::move(v);
      }
    }
  }
  return j;
}

vault::Attributes attributes(const Args& a, const CLI::Option* disabled) {
  vault::Attributes at;
  if (disabled && disabled->count() > 0) at.enabled = !need(az::three_state("--disabled", disabled, a.disabled));
  return at;
}

}  // namespace cert

namespace {

using namespace cert;
using vault::Shape;

std::size_t page(const Args& a) { return a.maxresults ? a.maxresults : 1000000; }

nlohmann::json member(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) ? j[key] : nlohmann::json();
}

// az prints the SDK's CertificatePolicy model: camelCase, null for what is unset.
// certificate_policy_from_json reads it back (null = absent), so `get-default-policy > p.json;
// create --policy @p.json` works as with az.
nlohmann::json az_policy_shape(const nlohmann::json& r) {
  using json = nlohmann::json;
  const json k = member(r, "key_props"), x = member(r, "x509_props"), i = member(r, "issuer");
  const json s = member(x, "sans");
  json sans = s.is_object() && !s.empty() ? json{{"dnsNames", member(s, "dns_names")},
                                                 {"emails", member(s, "emails")},
                                                 {"upns", member(s, "upns")},
                                                 {"ipAddresses", member(s, "ipAddresses")}}
                                          : json();
  json actions = json::array();
  for (const auto& a : member(r, "lifetime_actions"))
    actions.push_back(
        {{"action", {{"actionType", member(member(a, "action"), "action_type")}}},
         {"trigger",
          {{"daysBeforeExpiry", member(member(a, "trigger"), "days_before_expiry")},
           {"lifetimePercentage", member(member(a, "trigger"), "lifetime_percentage")}}}});
  const json ekus = member(x, "ekus");
  return {{"attributes",
           {{"created", nullptr},
            {"enabled", member(member(r, "attributes"), "enabled")},
            {"expires", nullptr},
            {"notBefore", nullptr},
            {"recoveryLevel", nullptr},
            {"updated", nullptr}}},
          {"id", nullptr},
          {"issuerParameters",
           {{"certificateTransparency", member(i, "cert_transparency")},
            {"certificateType", member(i, "cty")},
            {"name", member(i, "name")}}},
          {"keyProperties",
           {{"curve", member(k, "crv")},
            {"exportable", member(k, "exportable")},
            {"keySize", member(k, "key_size")},
            {"keyType", member(k, "kty")},
            {"reuseKey", member(k, "reuse_key")}}},
          {"lifetimeActions", actions},
          {"secretProperties", {{"contentType", member(member(r, "secret_props"), "contentType")}}},
          {"x509CertificateProperties",
           {{"ekus", ekus.empty() ? json() : ekus},
            {"keyUsage", member(x, "key_usage")},
            {"subject", member(x, "subject")},
            {"subjectAlternativeNames", sans},
            {"validityInMonths", member(x, "validity_months")}}}};
}

void add_create(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  auto* create = group->add_subcommand(
      "create", "Create a certificate (self-signed, or a CSR for issuer Unknown)");
  add_vault_and_name(create, *a);
  create->add_option("--policy,-p", a->policy, "Policy: inline JSON, @file or a file path (see get-default-policy)")
      ->required();
  create->add_option("--tags", a->tags, "Tags: key=value ...")->expected(0, -1);
  create->add_option("--validity", a->validity, "Validity in months (overrides the policy)");
  auto* disabled =
      create->add_option("--disabled", a->disabled, "Create the version disabled")->expected(0, 1);
  create->callback([&g, a, disabled] {
    vault::CreateCertificate c;
    c.policy = need(vault::certificate_policy_from_json(read_policy_json(a->policy)));
    if (a->validity) c.policy.validity_months = a->validity;
    c.tags = need(az::tags(a->tags));
    c.attributes = attributes(*a, disabled);
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    print(g, vault::certificate_operation_json(need(certs.create(a->name, c))), kOperationColumns);
  });

  auto* dp = group->add_subcommand("get-default-policy",
                                   "Print the default policy (a start for --policy)");
  dp->callback([&g] {
    print(g,
          az_policy_shape(vault::certificate_policy_json(vault::default_certificate_policy(), "")));
  });
}

void add_import(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  auto* import =
      group->add_subcommand("import", "Import a certificate with its private key (PFX or PEM)");
  add_vault_and_name(import, *a);
  import->add_option("--file,-f", a->file, "PFX (PKCS#12) or PEM file; - = stdin")->required();
  import->add_option("--password-file", a->password_file,
                     "File holding the PFX/PEM password (else $COLDVAULT_CERT_PASSWORD; never on "
                     "the command line)");
  auto* argv_password = import->add_option("--password", a->argv_password,
                                           "Refused: use --password-file or $COLDVAULT_CERT_PASSWORD")
                            ->expected(0, 1);
  import->add_option("--policy,-p", a->policy,
                     "Policy: inline JSON, @file or a file path (exportable, secret content type)");
  import->add_option("--tags", a->tags, "Tags: key=value ...")->expected(0, -1);
  auto* disabled =
      import->add_option("--disabled", a->disabled, "Import the version disabled")->expected(0, 1);
  import->callback([&g, a, disabled, argv_password] {
    refuse_secret_on_argv(argv_password, a->argv_password, "--password-file", "COLDVAULT_CERT_PASSWORD");
    vault::ImportCertificate i;
  if (!a->policy.empty())
    i.policy = need(vault::certificate_policy_from_json(read_policy_json(a->policy)));
  i.tags = need(az::tags(a->tags));
  i.attributes = attributes(*a, disabled);
  i.password = read_password(a->password_file, "COLDVAULT_CERT_PASSWORD");
  i.content = need(read_file(a->file));  // wiped memory until the token holds the key
  auto svc = open_service(g);
  vault::Certificates certs(svc, a->vault);
  print(g, out(need(certs.import(a->name, i)), Shape::Bundle), kColumns);
});
}  // namespace

void add_reads(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  auto* show = group->add_subcommand("show", "Show a certificate (latest or --version)");
  add_vault_and_name(show, *a);
  show->add_option("--version,-v", a->version, "Version id (default: latest)");
  show->callback([&g, a] {
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    print(g, out(need(certs.get(a->name, a->version)), Shape::Bundle), kColumns);
  });

  auto* list = group->add_subcommand("list", "List certificates");
  add_vault_and_name(list, *a, false);
  list->add_option("--maxresults", a->maxresults, "At most this many");
  auto* pending = list->add_option("--include-pending", a->include_pending,
                                   "Also list certificates not issued yet (pending a CSR merge) [true|false]")
                      ->expected(0, 1);
  list->callback([&g, a, pending] {
    // Key Vault's includePending: without it, versions still waiting for their certificate are left out.
    bool with_pending = pending->count() > 0 && need(az::three_state("--include-pending", pending, a->include_pending));
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    nlohmann::json j = nlohmann::json::array();
    for (const auto& b : need(certs.list("", page(*a))))
      if (with_pending || !b.cer.empty()) j.push_back(out(b, Shape::Item));
    print(g, j, kColumns);
  });

  auto* versions =
      group->add_subcommand("list-versions", "List a certificate's versions, oldest first");
  add_vault_and_name(versions, *a);
  versions->add_option("--maxresults", a->maxresults, "At most this many");
  versions->callback([&g, a] {
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    nlohmann::json j = nlohmann::json::array();
    for (const auto& b : need(certs.list_versions(a->name, "", page(*a))))
      j.push_back(out(b, Shape::VersionItem));
    print(g, j, kColumns);
  });
}

void add_lifecycle(CLI::App* group, Globals& g, const std::shared_ptr<Args>& a) {
  auto* attrs =
      group->add_subcommand("set-attributes", "Enable/disable a version or replace its tags");
  add_vault_and_name(attrs, *a);
  attrs->add_option("--version,-v", a->version, "Version id (default: latest)");
  auto* enabled = attrs->add_option("--enabled", a->enabled, "[true|false]")->expected(0, 1);
  auto* tags_opt = attrs->add_option("--tags", a->tags, "Tags (replace all; --tags \"\" clears): key=value ...")
                       ->expected(0, -1);
  attrs->add_option("--policy,-p", a->policy, "Policy changes for the next version: inline JSON, @file or a path");
  attrs->callback([&g, a, tags_opt, enabled] {
    vault::UpdateCertificate u;
    if (enabled->count() > 0) u.attributes.enabled = need(az::three_state("--enabled", enabled, a->enabled));
    if (tags_opt->count() > 0) u.tags = need(az::tags(a->tags));
    if (!a->policy.empty()) u.policy = read_policy_json(a->policy);
    auto svc = open_service(g);
    vault::Certificates certs(svc, a->vault);
    print(g, out(need(certs.update(a->name, a->version, u)), Shape::Bundle), kColumns);
  });

  // Unlike secret and key, certificate delete has always shown the deleted columns in -o table.
  add_lifecycle_verbs(
      group, g,
      LifecycleVerbs<vault::Certificates, vault::CertificateBundle>{
          .noun = "certificate",
          .out = out,
          .columns = kColumns,
          .deleted_columns = kDeletedColumns,
          .delete_columns = kDeletedColumns,
          .delete_help = "Soft-delete a certificate with its key and secret",
          .recover_help = "Recover a soft-deleted certificate with its key and secret",
          .purge_help = "Permanently remove a soft-deleted certificate, key and secret"});
}

}  // namespace cv::cli

void add_certificate_commands(CLI::App& app, Globals& g) {
  auto* group = app.add_subcommand(
      "certificate", "Certificates: self-signed, CSR + merge, import, soft delete, backup");
  group->require_subcommand(1);
  auto a = std::make_shared<Args>();
  add_create(group, g, a);
  add_import(group, g, a);
  add_reads(group, g, a);
  add_lifecycle(group, g, a);
  add_ops(group, g, a);
}

}  // namespace cv::cli
