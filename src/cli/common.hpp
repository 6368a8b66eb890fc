// Shared pieces of the CLI: global options, opening the home, output formats, and the one place an
// Error becomes a message and an exit code (docs/errors.md).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

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

// Writes a whole file atomically (temp name, fsync, rename), mode 0600; "-" = stdout.
Result<void> write_file(const std::string& path, ByteView content);

void add_init_commands(CLI::App& app, Globals& g);
// `domain trust add|list|remove` under the `domain` group.
void add_domain_trust_commands(CLI::App& domain, Globals& g);
// Adds backup/restore to the `secret` and `key` groups (call after they exist) and the `blob` and
// `catalog` groups.
void add_backup_commands(CLI::App& app, Globals& g);
void add_secret_commands(CLI::App& app, Globals& g);
void add_key_commands(CLI::App& app, Globals& g);
void add_disk_key_commands(CLI::App& app, Globals& g);
void add_ade_commands(CLI::App& app, Globals& g);
void add_serve_command(CLI::App& app, Globals& g);
void add_token_commands(CLI::App& app, Globals& g);

}  // namespace cv::cli
