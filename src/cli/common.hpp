// Shared pieces of the CLI: global options, opening the home, output formats, and the one place an
// Error becomes a message and an exit code (docs/errors.md).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/audit.hpp"
#include "coldvault/error.hpp"
#include "coldvault/vault.hpp"

namespace cv::cli {

struct Globals {
  vault::HomeOptions home;
  // "json" (default), "jsonc", "yaml", "table", "tsv", "none"; some commands add "pem".
  std::string output;
  std::string query;                // --query: JMESPath applied to the answer before formatting
  std::string output_shape = "az";  // "az" (az keyvault's shapes) or "rest" (Key Vault's REST bundles)
  std::string exit_codes = "az";    // "az" (1, 2, 3 as az) or "detailed" (docs/errors.md)
  bool only_show_errors = false;    // az's: no warnings on stderr
  bool debug = false;               // az's: the command and its route on stderr (never a value)
  bool verbose = false;             // az's: accepted; a line per command on stderr
  std::string subscription;         // az's: accepted and ignored (nothing here has subscriptions)
};

// Thrown by command callbacks to leave with an Error; main turns it into a message and exit code.
// `usage` marks a refusal of the command line itself (die(), --id, --query): az exits 2 for those.
struct CommandFailed {
  Error error;
  bool usage = false;
};

// Unwraps a Result or throws CommandFailed.
template <class T>
T need(Result<T> r) {
  if (!r) throw CommandFailed{r.error()};
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}
[[noreturn]] void die(Errc code, std::string message);

vault::Service open_service(const Globals& g);

// Prints a verb's answer, given in Key Vault's REST shape, to stdout: in az's shape (az_shape.hpp)
// unless --output-shape rest, then --query, then in the -o format (az_output.hpp). With --output-shape
// rest and no --query, -o table/tsv keep the fixed `columns` coldvault always printed.
void print(const Globals& g, const nlohmann::json& j, const std::vector<std::string>& columns = {});
// Warnings on stderr ("WARNING: " + text), silent under --only-show-errors.
void warn(const Globals& g, const std::string& text);

// The exit code of a failure: docs/errors.md's under --exit-codes detailed, else az's (2 usage,
// 3 not found, 1 otherwise).
int failure_exit_code(const Globals& g, const Error& e, bool usage);
// True once open_service ran: a BadParameter before it is a refusal of the arguments (usage).
bool service_opened();

// What an object URL names (https://V.vault.azure.net/secrets/N/VER, this server's
// https://V.vault.localhost:PORT/... and https://V.localhost:PORT/...).
struct ObjectId {
  std::string vault, collection, name, version;
};
// Parses `url`; BadParameter on anything else. A vault URL alone gives an empty collection.
Result<ObjectId> parse_object_id(const std::string& url);
// Registers az's --id on verb `c`, which already has --vault-name (and --name, --version when it
// takes them): --id URL fills `vault`, `name` and `version` (when given) instead. The URL's collection
// must be `collection` ("secrets", "deletedkeys", ...; "" = a vault URL for list/restore verbs).
// --id with --vault-name/--name is a usage error, as is neither. `version` may be null.
void add_id_option(CLI::App* c, const std::string& collection, std::string& vault, std::string* name,
                   std::string* version);

// "2027-01-31", "2027-01-31T10:00:00Z", "2027-01-31T10:00:00+02:00" or Unix seconds -> Unix seconds.
Result<std::int64_t> parse_time(const std::string& text);
// ["k=v", "k2="] -> map; BadParameter on a missing '=' key.
Result<std::map<std::string, std::string>> parse_tags(const std::vector<std::string>& items);
Result<bool> parse_bool(const std::string& text);

// Reads a whole file ("-" = stdin) into wiped memory.
Result<SecureBytes> read_file(const std::string& path);

// A password: from `file` if given (one trailing newline dropped), else from $`env_var`, else empty.
// Never from argv: every user of the machine can read a process's arguments.
SecureString read_password(const std::string& file, const char* env_var);
// For an option kept only to be refused (--pem-password, az's --password): when `opt` was given, wipes
// `value` and throws BadParameter naming `file_flag` and $`env_var` instead. The value is never echoed.
void refuse_secret_on_argv(const CLI::Option* opt, std::string& value, const std::string& file_flag,
                           const std::string& env_var);

// Writes a whole file through write_file_atomic (coldvault/atomic_file.hpp), mode 0600, replacing
// what is there; "-" = stdout.
Result<void> write_file(const std::string& path, ByteView content);
// Creates a public file (0644: a public key, a certificate) through write_file_atomic; refuses to
// overwrite an existing file, as az does (throws CommandFailed with Conflict).
void write_new_file(const std::string& path, ByteView data);

void add_init_commands(CLI::App& app, Globals& g);
// The `vault` group (cmd_vault.cpp).
void add_vault_commands(CLI::App& app, Globals& g);
// `domain trust add|list|remove` under the `domain` group.
void add_domain_trust_commands(CLI::App& domain, Globals& g);
// `domain export|import` under the `domain` group, and the `custodian` group (cmd_domain_transfer.cpp).
void add_domain_transfer_commands(CLI::App& domain, Globals& g);
void add_custodian_commands(CLI::App& app, Globals& g);
// Adds backup/restore to the `secret` and `key` groups (call after they exist) and the `blob` and
// `catalog` groups.
void add_backup_commands(CLI::App& app, Globals& g);
void add_secret_commands(CLI::App& app, Globals& g);
// `backup start`, `restore start` and the offline `bundle verify|inspect` (cmd_bundle.cpp).
void add_bundle_commands(CLI::App& app, Globals& g);
void add_key_commands(CLI::App& app, Globals& g);
void add_disk_key_commands(CLI::App& app, Globals& g);
void add_ade_commands(CLI::App& app, Globals& g);
void add_serve_command(CLI::App& app, Globals& g);
void add_token_commands(CLI::App& app, Globals& g);
// The `audit` group (cmd_audit.cpp).
void add_audit_commands(CLI::App& app, Globals& g);
// The audit record of the verb CLI11 just parsed (nullopt for serve, which records its own requests), and
// the catalogue its final record goes to.
std::optional<audit::Record> cli_audit_record(CLI::App& app, const Globals& g, std::string& db_path);

}  // namespace cv::cli
