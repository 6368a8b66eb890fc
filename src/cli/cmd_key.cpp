// `coldvault key ...`: the life-cycle verbs of `az keyvault key`. Operations are in cmd_key_ops.cpp.
#include <iostream>

#include "cli/cmd_key.hpp"
#include "cli/az_args.hpp"
#include "cli/lifecycle_verbs.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/bundle_json.hpp"
#include "coldvault/byok.hpp"
#include "coldvault/keys.hpp"

namespace cv::cli {
namespace {

using vault::Shape;

struct KeyArgs {
  std::string vault, name, version, kty, curve, expires, not_before, disabled, enabled;
  std::string pem_file, pem_string, pem_password_file, argv_password, jwk_file, byok_file, byok_string, kek_file,
      kek_kid, file, encoding = "PEM", protection, exportable, include_managed;
  unsigned size = 0;
  std::vector<std::string> ops, tags;
  std::size_t maxresults = 0;
};

// Per-subcommand options whose presence matters (KeyArgs is shared by every subcommand).
struct SpecOpts {
  CLI::Option* ops = nullptr;
  CLI::Option* disabled = nullptr;
  CLI::Option* exportable = nullptr;
};

const std::vector<std::string> kColumns = {"name", "key.kid", "key.kty", "attributes.enabled", "attributes.updated"};
const std::vector<std::string> kItemColumns = {"name", "kid", "attributes.enabled", "attributes.updated"};
const std::vector<std::string> kDeletedColumns = {"name", "recoveryId", "deletedDate", "scheduledPurgeDate"};

nlohmann::json out(const vault::KeyBundle& b, Shape s) {
  auto j = vault::key_json(b, s);
  j["name"] = b.name;
  return j;
}

void add_vault_and_name(CLI::App* c, KeyArgs& a, bool name = true) {
  c->add_option("--vault-name", a.vault, "Vault name")->required();
  if (name) c->add_option("--name,-n", a.name, "Key name")->required();
  add_id_option(c, name ? "keys" : "", a.vault, name ? &a.name : nullptr, &a.version);
}

vault::Attributes attributes(const KeyArgs& a, const CLI::Option* disabled) {
  vault::Attributes at;
  if (!a.expires.empty()) at.exp = need(az::time("--expires", a.expires));
  if (!a.not_before.empty()) at.nbf = need(az::time("--not-before", a.not_before));
  if (disabled && disabled->count() > 0) at.enabled = !need(az::three_state("--disabled", disabled, a.disabled));
  return at;
}

// Options shared by create and import: ops, tags, disabled, expires, not-before, protection,
// exportable, and az's release-policy flags (refused: no attestation service offline).
SpecOpts add_spec_options(CLI::App* c, KeyArgs& a) {
  SpecOpts o;
  o.ops = c->add_option("--ops", a.ops, "Permitted operations: encrypt decrypt sign verify wrapKey unwrapKey");
  c->add_option("--tags", a.tags, "Tags: key=value ...")->expected(0, -1);
  o.disabled = c->add_option("--disabled", a.disabled, "Create the version disabled [true|false]")->expected(0, 1);
  c->add_option("--expires", a.expires, "Expiry (UTC): 2027-01-31T10:00:00Z or 2027-01-31");
  c->add_option("--not-before", a.not_before, "Not valid before (UTC)");
  c->add_option("--protection,-p", a.protection,
                "hsm: report the type as *-HSM; software: plain type (the key is in the token either way)")
      ->check(CLI::IsMember({"hsm", "software"}));
  o.exportable = c->add_option("--exportable", a.exportable,
                               "[true|false] Let `key export-byok` wrap this key out to a KEK (fixed at creation; "
                               "default: never leaves the token)")
                     ->expected(0, 1);
  for (const char* f : {"--policy", "--immutable", "--default-cvm-policy", "--default-data-disk-policy"})
    az::add_refused(c, f, "key release policies need an attestation service; use --exportable and export-byok");
  return o;
}

vault::KeySpec spec(const KeyArgs& a, const SpecOpts& o) {
  vault::KeySpec s;
  s.kty = a.kty;
  if (a.size) s.size = a.size;
  if (!a.curve.empty()) s.crv = a.curve;
  if (o.ops->count() > 0) s.ops = a.ops;
  s.exportable = o.exportable->count() > 0 && need(az::three_state("--exportable", o.exportable, a.exportable));
  s.hsm = a.protection == "hsm";
  s.tags = need(az::tags(a.tags));
  s.attributes = attributes(a, o.disabled);
  return s;
}

std::size_t page(const KeyArgs& a) { return a.maxresults ? a.maxresults : 1000000; }

SecureString as_secure_string(const SecureBytes& b) { return SecureString(b.begin(), b.end()); }

}  // namespace

Bytes b64url_arg(const std::string& option, const std::string& text) { return need(az::base64_arg(option, text)); }

void add_key_commands(CLI::App& app, Globals& g) {
  auto* key = app.add_subcommand("key", "Keys held by the token: RSA, EC, oct; operations; soft delete");
  key->require_subcommand(1);
  auto a = std::make_shared<KeyArgs>();

  auto* create = key->add_subcommand("create", "Create a key (or a new version) inside the token");
  add_vault_and_name(create, *a);
  create->add_option("--kty", a->kty, "RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM (default: EC with --curve, else RSA)");
  create->add_option("--size", a->size, "RSA: 2048 (default), 3072, 4096; oct: 128, 192, 256 (default)");
  create->add_option("--curve", a->curve, "EC: P-256 (default), P-384, P-521, P-256K");
  auto create_opts = add_spec_options(create, *a);
  create->callback([&g, a, create_opts] {
    auto s = spec(*a, create_opts);
    s.kty = need(az::key_type(a->kty, a->curve, a->protection));
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    print(g, out(need(keys.create(a->name, s)), Shape::Bundle), kColumns);
  });

  auto* import = key->add_subcommand("import", "Import a private key (PEM or JWK) into the token");
  add_vault_and_name(import, *a);
  import->add_option("--pem-file", a->pem_file, "PEM private key: PKCS#1, PKCS#8 (maybe encrypted), SEC1");
  auto* pem_string = import->add_option("--pem-string", a->pem_string,
                                        "The PEM text itself (visible in the process list: prefer --pem-file)");
  import->add_option("--pem-password-file", a->pem_password_file,
                     "File holding the password of an encrypted PEM (else $COLDVAULT_PEM_PASSWORD; "
                     "never on the command line)");
  // Kept only to refuse it with the reason: az's spelling, once accepted here, put the password on argv.
  auto* argv_password = import->add_option("--pem-password", a->argv_password,
                                           "Refused: use --pem-password-file or $COLDVAULT_PEM_PASSWORD")
                            ->expected(0, 1);
  import->add_option("--jwk-file", a->jwk_file, "JSON Web Key with private parts (RSA, EC or oct)");
  import->add_option("--byok-file", a->byok_file,
                     "Key Vault .byok transfer file wrapped for a KEK of this vault (type: --kty, default RSA)");
  import->add_option("--byok-string", a->byok_string, "The .byok file's content itself");
  import->add_option("--kty", a->kty,
                     "BYOK: RSA (default), EC, oct (recorded as *-HSM); PEM/JWK: record the type as given "
                     "(default: as imported)");
  import->add_option("--curve", a->curve, "BYOK of an EC key: its curve");
  auto import_opts = add_spec_options(import, *a);
  import->callback([&g, a, import_opts, argv_password, pem_string] {
    refuse_secret_on_argv(argv_password, a->argv_password, "--pem-password-file", "COLDVAULT_PEM_PASSWORD");
    int sources = !a->pem_file.empty() + (pem_string->count() > 0) + !a->jwk_file.empty() + !a->byok_file.empty() +
                  !a->byok_string.empty();
    if (sources != 1)
      die(Errc::BadParameter, "supply exactly one: --byok-file, --byok-string, --pem-file, --pem-string, --jwk-file");
    if (!a->byok_file.empty() || !a->byok_string.empty()) {
      if (a->protection == "software") die(Errc::BadParameter, "BYOK keys are hardware protected. Omit --protection");
      // az: --kty names the plain type (default RSA) and the key is recorded as its -HSM variant.
      std::string kty = a->kty.empty() ? "RSA" : a->kty;
      if (!kty.ends_with("-HSM")) kty += "-HSM";
      auto s = spec(*a, import_opts);
      s.kty = kty;
      auto svc = open_service(g);
      vault::Keys keys(svc, a->vault);
      // The .byok holds the key only wrapped for the KEK; it is sent as REST's key_hsm would be.
      auto blob = a->byok_file.empty() ? SecureBytes(a->byok_string.begin(), a->byok_string.end())
                                       : need(read_file(a->byok_file));
      print(g, out(need(keys.import_byok(a->name, base64url_encode(blob), s)), Shape::Bundle), kColumns);
      return;
    }
    if (!a->curve.empty()) die(Errc::BadParameter, "--curve applies only to --byok-file/--byok-string: a PEM says its curve");
    SecureString password = read_password(a->pem_password_file, "COLDVAULT_PEM_PASSWORD");
    auto s = spec(*a, import_opts);
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    // The file's bytes live only in wiped buffers, and only until the token holds the key.
    SecureString material;
    if (pem_string->count() > 0) {
      // az has --pem-string, so we keep it, but argv is visible to every user of the machine.
      std::cerr << "WARNING: --pem-string puts the private key in the process list; prefer --pem-file\n";
      material = SecureString(a->pem_string.begin(), a->pem_string.end());
      secure_wipe(a->pem_string.data(), a->pem_string.size());
    } else {
      material = as_secure_string(need(read_file(a->pem_file.empty() ? a->jwk_file : a->pem_file)));
    }
    auto b = a->jwk_file.empty() ? keys.import_pem(a->name, material, password, s)
                                 : keys.import_jwk(a->name, material, s);
    material = SecureString();  // frees (and wipes) the text now, before printing
    print(g, out(need(std::move(b)), Shape::Bundle), kColumns);
  });

  auto* show = key->add_subcommand("show", "Show a key's public part and attributes");
  add_vault_and_name(show, *a);
  show->add_option("--version,-v", a->version, "Version id (default: latest)");
  show->callback([&g, a] {
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    print(g, out(need(keys.get(a->name, a->version)), Shape::Bundle), kColumns);
  });

  auto* download = key->add_subcommand("download", "Write the public key (RSA, EC) to a file");
  add_vault_and_name(download, *a);
  download->add_option("--version,-v", a->version, "Version id (default: latest)");
  download->add_option("--file,-f", a->file, "File to create")->required();
  download->add_option("--encoding,-e", a->encoding, "PEM (default) or DER")->check(CLI::IsMember({"PEM", "DER"}));
  download->callback([&g, a] {
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    if (a->encoding == "DER")
      write_new_file(a->file, need(keys.public_key_der(a->name, a->version)));
    else
      write_new_file(a->file, as_bytes(need(keys.public_key_pem(a->name, a->version))));
  });

  auto* byok = key->add_subcommand("export-byok", "Wrap a key, inside the token, into a .byok file for another HSM's KEK");
  add_vault_and_name(byok, *a);
  byok->add_option("--version,-v", a->version, "Version id (default: latest)");
  byok->add_option("--kek", a->kek_file, "The KEK's RSA public key (PEM, as `key download` writes it)")->required();
  byok->add_option("--kek-kid", a->kek_kid, "The KEK's versioned key identifier (goes into header.kid)")->required();
  byok->add_option("--file,-f", a->file, "The .byok file to create")->required();
  byok->callback([&g, a] {
    auto pem = need(read_file(a->kek_file));
    auto svc = open_service(g);
    auto text = need(vault::export_byok(svc, a->vault, a->name, a->version,
                                        std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size()),
                                        a->kek_kid));
    write_new_file(a->file, as_bytes(text));
  });

  auto* list = key->add_subcommand("list", "List keys");
  add_vault_and_name(list, *a, false);
  list->add_option("--maxresults", a->maxresults, "At most this many");
  auto* managed_opt = list->add_option("--include-managed", a->include_managed,
                                       "Also list certificates' keys (managed: true) [true|false]")
                          ->expected(0, 1);
  list->callback([&g, a, managed_opt] {
    bool managed = managed_opt->count() > 0 && need(az::three_state("--include-managed", managed_opt, a->include_managed));
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    nlohmann::json j = nlohmann::json::array();
    for (const auto& b : need(keys.list("", page(*a)))) {
      auto item = out(b, Shape::Item);
      if (managed || !item.value("managed", false)) j.push_back(std::move(item));
    }
    print(g, j, kItemColumns);
  });

  auto* versions = key->add_subcommand("list-versions", "List a key's versions, oldest first");
  add_vault_and_name(versions, *a);
  versions->add_option("--maxresults", a->maxresults, "At most this many");
  versions->callback([&g, a] {
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    nlohmann::json j = nlohmann::json::array();
    for (const auto& b : need(keys.list_versions(a->name, "", page(*a)))) j.push_back(out(b, Shape::VersionItem));
    print(g, j, kItemColumns);
  });

  auto* attrs = key->add_subcommand("set-attributes", "Change a version's operations, attributes or tags");
  add_vault_and_name(attrs, *a);
  attrs->add_option("--version,-v", a->version, "Version id (default: latest)");
  auto* enabled_opt = attrs->add_option("--enabled", a->enabled, "[true|false]")->expected(0, 1);
  attrs->add_option("--expires", a->expires, "Expiry (UTC)");
  attrs->add_option("--not-before", a->not_before, "Not valid before (UTC)");
  auto* ops_opt = attrs->add_option("--ops", a->ops, "Permitted operations (replace all)");
  auto* tags_opt = attrs->add_option("--tags", a->tags, "Tags (replace all; --tags \"\" clears): key=value ...")
                       ->expected(0, -1);
  for (const char* f : {"--policy", "--immutable"})
    az::add_refused(attrs, f, "key release policies need an attestation service");
  attrs->callback([&g, a, ops_opt, tags_opt, enabled_opt] {
    vault::UpdateKey u;
    if (!a->expires.empty()) u.attributes.exp = need(az::time("--expires", a->expires));
    if (!a->not_before.empty()) u.attributes.nbf = need(az::time("--not-before", a->not_before));
    if (enabled_opt->count() > 0) u.attributes.enabled = need(az::three_state("--enabled", enabled_opt, a->enabled));
    if (ops_opt->count() > 0) u.ops = a->ops;
    if (tags_opt->count() > 0) u.tags = need(az::tags(a->tags));
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    print(g, out(need(keys.update(a->name, a->version, u)), Shape::Bundle), kColumns);
  });

  auto* rotate = key->add_subcommand("rotate", "New version of the same type; older versions keep working");
  add_vault_and_name(rotate, *a);
  rotate->callback([&g, a] {
    auto svc = open_service(g);
    vault::Keys keys(svc, a->vault);
    print(g, out(need(keys.rotate(a->name)), Shape::Bundle), kColumns);
  });

  add_lifecycle_verbs(key, g,
                      LifecycleVerbs<vault::Keys, vault::KeyBundle>{
                          .noun = "key",
                          .out = out,
                          .columns = kColumns,
                          .deleted_columns = kDeletedColumns,
                          .delete_columns = kColumns,
                          .delete_help = "Soft-delete a key (all versions)",
                          .recover_help = "Recover a soft-deleted key with all its versions",
                          .purge_help = "Permanently remove a soft-deleted key"});

  add_key_op_commands(key, g);
  add_key_rotation_commands(key, g);
}

}  // namespace cv::cli
