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
  std::string output;  // "json" (default), "table", "tsv", "none"; some commands add "pem"
};

// Thrown by command callbacks to leave with an Error; main turns it into a message and exit code.
struct CommandFailed {
  Error error;
};

// Unwraps a Result or throws CommandFailed.
template <class T>
T need(Result<T> r) {
  if (!r) throw CommandFailed{r.error()};
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}
[[noreturn]] void die(Errc code, std::string message);

vault::Service open_service(const Globals& g);

// Prints JSON (or a table of `columns` for -o table/tsv) to stdout.
void print(const Globals& g, const nlohmann::json& j, const std::vector<std::string>& columns = {});

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
