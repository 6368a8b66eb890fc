// `coldvault secret ...`: the verbs of `az keyvault secret`.
#include <unistd.h>

#include <iostream>

#include "cli/az_args.hpp"
#include "cli/common.hpp"
#include "cli/lifecycle_verbs.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/bundle_json.hpp"

namespace cv::cli {
namespace {

using vault::Shape;

struct SecretArgs {
  std::string vault, name, version, value, file, encoding = "utf-8", content_type, expires, not_before;
  std::string disabled, enabled, include_managed;
  std::vector<std::string> tags;
  std::size_t maxresults = 0;
  bool overwrite = false;
  CLI::Option* disabled_opt = nullptr;
  CLI::Option* enabled_opt = nullptr;
  CLI::Option* managed_opt = nullptr;
  CLI::Option* tags_opt = nullptr;
  CLI::Option* content_type_opt = nullptr;
  CLI::Option* value_opt = nullptr;
};

const std::vector<std::string> kColumns = {"name", "id", "contentType", "attributes.enabled",
                                           "attributes.updated"};
const std::vector<std::string> kDeletedColumns = {"name", "recoveryId", "deletedDate",
                                                  "scheduledPurgeDate"};

nlohmann::json out(const vault::SecretBundle& b, Shape s) {
  auto j = vault::secret_json(b, s);
  j["name"] = b.name;
  return j;
}

void add_vault_and_name(CLI::App* c, SecretArgs& a, bool name = true) {
  c->add_option("--vault-name", a.vault, "Vault name")->required();
  if (name) c->add_option("--name,-n", a.name, "Secret name")->required();
  add_id_option(c, name ? "secrets" : "", a.vault, name ? &a.name : nullptr, &a.version);
}


SecureString read_value(SecretArgs& a) {
  if (!a.value.empty() && !a.file.empty()) die(Errc::BadParameter, "give --value or --file, not both");
  if (a.value_opt->count() > 0) {
    // az has --value, so we keep it, but argv is visible to every user of the machine.
    std::cerr << "WARNING: --value puts the secret in the process list; prefer --file F or --file -\n";
    SecureString v(a.value.begin(), a.value.end());
    secure_wipe(a.value.data(), a.value.size());
    return v;
  }
  if (a.file.empty()) die(Errc::BadParameter, "give the value with --file F (or --file - for stdin) or --value");
  return need(az::secret_value_from_file(need(read_file(a.file)), a.encoding, a.file));
}

vault::Attributes attributes(const SecretArgs& a) {
  vault::Attributes at;
  if (!a.expires.empty()) at.exp = need(az::time("--expires", a.expires));
  if (!a.not_before.empty()) at.nbf = need(az::time("--not-before", a.not_before));
  return at;
}

std::size_t page(const SecretArgs& a) { return a.maxresults ? a.maxresults : 1000000; }

// az keyvault secret download: the value into a file, undoing the encoding it was set with (the
// file-encoding tag) unless --encoding says otherwise.
void add_download(CLI::App* secret, Globals& g, const std::shared_ptr<SecretArgs>& a) {
  auto* download = secret->add_subcommand("download", "Write a secret's value to a file (0600)");
  add_vault_and_name(download, *a);
  download->add_option("--version,-v", a->version, "Version id (default: latest)");
  download->add_option("--file,-f", a->file, "File to create; - = stdout")->required();
  auto* enc = download->add_option("--encoding,-e", a->encoding,
                                   "utf-8, utf-16le, utf-16be, ascii (the text), base64, hex (decoded to bytes); "
                                   "default: the secret's file-encoding tag, else utf-8")
                  ->check(CLI::IsMember(az::kSecretEncodings));
  download->add_flag("--overwrite", a->overwrite, "Replace an existing file");
  download->callback([&g, a, enc] {
    if (a->file != "-" && !a->overwrite && ::access(a->file.c_str(), F_OK) == 0)
      die(Errc::Conflict, "File '" + a->file + "' already exists. Use --overwrite to overwrite the existing file.");
    auto svc = open_service(g);
    vault::Secrets secrets(svc, a->vault);
    auto b = need(secrets.get(a->name, a->version));
    std::string encoding = a->encoding;
    if (enc->count() == 0) {
      auto it = b.meta.tags.find("file-encoding");
      encoding = it != b.meta.tags.end() ? it->second : "utf-8";
    }
    auto bytes = need(az::secret_file_from_value(b.value.value_or(SecureString()), encoding));
    // A read is recorded before its answer leaves (docs/audit.md §2), as print() does for the others.
    if (auto* scope = audit::Scope::current())
      if (auto r = scope->finish(0); !r) throw CommandFailed{r.error()};
    need(write_file(a->file, ByteView(bytes.data(), bytes.size())));
  });
}

}  // namespace

void add_secret_commands(CLI::App& app, Globals& g) {
  auto* secret = app.add_subcommand("secret", "Secrets: versions, attributes, soft delete");
  secret->require_subcommand(1);
  auto a = std::make_shared<SecretArgs>();

  auto* set = secret->add_subcommand("set", "Create a secret or add a new version");
  add_vault_and_name(set, *a);
  a->value_opt = set->add_option("--value", a->value, "The value (visible in the process list: prefer --file)");
  set->add_option("--file,-f", a->file, "Read the value from a file, - for stdin");
  set->add_option("--encoding,-e", a->encoding,
                  "Encoding of --file: utf-8 (default), utf-16le, utf-16be, ascii (stored as text), base64, hex "
                  "(the bytes, encoded); kept as tag file-encoding for `secret download`")
      ->check(CLI::IsMember(az::kSecretEncodings));
  set->add_option("--content-type,--description", a->content_type, "Content type, e.g. text/plain");
  set->add_option("--tags", a->tags, "Tags: key=value ...")->expected(0, -1);
  a->disabled_opt = set->add_option("--disabled", a->disabled, "Create the version disabled [true|false]")
                        ->expected(0, 1);
  set->add_option("--expires", a->expires, "Expiry (UTC): 2027-01-31T10:00:00Z or 2027-01-31");
  set->add_option("--not-before", a->not_before, "Not valid before (UTC)");
  set->callback([&g, a] {
    vault::SetSecret s;
    s.value = read_value(*a);
    if (!a->content_type.empty()) s.content_type = a->content_type;
    s.tags = need(az::tags(a->tags));
    // As az: the encoding is kept with the secret (even for --value) so download can undo it.
    s.tags["file-encoding"] = a->encoding;
    s.attributes = attributes(*a);
    if (a->disabled_opt->count() > 0)
      s.attributes.enabled = !need(az::three_state("--disabled", a->disabled_opt, a->disabled));
    auto svc = open_service(g);
    vault::Secrets secrets(svc, a->vault);
    print(g, out(need(secrets.set(a->name, s)), Shape::Bundle), kColumns);
  });

  auto* show = secret->add_subcommand("show", "Get a secret's value (latest or --version)");
  add_vault_and_name(show, *a);
  show->add_option("--version,-v", a->version, "Version id (default: latest)");
  show->callback([&g, a] {
    auto svc = open_service(g);
    vault::Secrets secrets(svc, a->vault);
    print(g, out(need(secrets.get(a->name, a->version)), Shape::Bundle), kColumns);
  });

  auto* list = secret->add_subcommand("list", "List secrets (no values)");
  add_vault_and_name(list, *a, false);
  list->add_option("--maxresults", a->maxresults, "At most this many");
  a->managed_opt = list->add_option("--include-managed", a->include_managed,
                                    "Also list certificates' secrets (managed: true) [true|false]")
                       ->expected(0, 1);
  az::add_ignored(list, "--include-pending", "secrets have no pending state (az's flag is for certificates)");
  list->callback([&g, a] {
    bool managed = a->managed_opt->count() > 0 &&
                   need(az::three_state("--include-managed", a->managed_opt, a->include_managed));
    auto svc = open_service(g);
    vault::Secrets secrets(svc, a->vault);
    nlohmann::json j = nlohmann::json::array();
    for (const auto& b : need(secrets.list("", page(*a)))) {
      auto item = out(b, Shape::Item);
      if (managed || !item.value("managed", false)) j.push_back(std::move(item));
    }
    print(g, j, kColumns);
  });

  auto* versions = secret->add_subcommand("list-versions", "List a secret's versions, oldest first");
  add_vault_and_name(versions, *a);
  versions->add_option("--maxresults", a->maxresults, "At most this many");
  versions->callback([&g, a] {
    auto svc = open_service(g);
    vault::Secrets secrets(svc, a->vault);
    nlohmann::json j = nlohmann::json::array();
    for (const auto& b : need(secrets.list_versions(a->name, "", page(*a))))
      j.push_back(out(b, Shape::VersionItem));
    print(g, j, kColumns);
  });

  auto* attrs = secret->add_subcommand("set-attributes", "Change a version's attributes, tags or content type");
  add_vault_and_name(attrs, *a);
  attrs->add_option("--version,-v", a->version, "Version id (default: latest)");
  a->enabled_opt = attrs->add_option("--enabled", a->enabled, "[true|false]")->expected(0, 1);
  attrs->add_option("--expires", a->expires, "Expiry (UTC)");
  attrs->add_option("--not-before", a->not_before, "Not valid before (UTC)");
  a->content_type_opt = attrs->add_option("--content-type", a->content_type, "Content type");
  a->tags_opt = attrs->add_option("--tags", a->tags, "Tags (replace all; --tags \"\" clears): key=value ...")
                    ->expected(0, -1);
  attrs->callback([&g, a] {
    vault::UpdateSecret u;
    u.attributes = attributes(*a);
    if (a->enabled_opt->count() > 0) u.attributes.enabled = need(az::three_state("--enabled", a->enabled_opt, a->enabled));
    if (a->content_type_opt->count() > 0) u.content_type = a->content_type;
    if (a->tags_opt->count() > 0) u.tags = need(az::tags(a->tags));
    auto svc = open_service(g);
    vault::Secrets secrets(svc, a->vault);
    print(g, out(need(secrets.update(a->name, a->version, u)), Shape::Bundle), kColumns);
  });

  add_download(secret, g, a);

  add_lifecycle_verbs(secret, g,
                      LifecycleVerbs<vault::Secrets, vault::SecretBundle>{
                          .noun = "secret",
                          .out = out,
                          .columns = kColumns,
                          .deleted_columns = kDeletedColumns,
                          .delete_columns = kColumns,
                          .delete_help = "Soft-delete a secret (all versions)",
                          .recover_help = "Recover a soft-deleted secret with all its versions",
                          .purge_help = "Permanently remove a soft-deleted secret"});
}

}  // namespace cv::cli
