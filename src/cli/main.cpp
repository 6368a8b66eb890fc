// coldvault: the CLI. Verbs and flags mirror `az keyvault` (`coldvault keyvault ...` works too); output
// is shaped and formatted as az prints it, or as Key Vault's REST bundles with --output-shape rest.
// Errors print as `ERROR: (Code) message` on stderr and exit with az's codes (1, 2, 3), or with the
// codes of docs/errors.md under --exit-codes detailed (docs/adr/0016-az-compatible-cli.md).
#include <chrono>
#include <iostream>

#include "cli/az_argv.hpp"

#include "cli/cmd_certificate.hpp"
#include "cli/common.hpp"
#include "coldvault/bundle_json.hpp"
#include "coldvault/heap_tuning.hpp"
#include "coldvault/no_core_dumps.hpp"
#include "coldvault/server.hpp"
#include "coldvault_version.hpp"  // generated: cmake/version.hpp.in

int main(int argc, char** argv) {
  using namespace cv::cli;
  cv::forbid_core_dumps();  // before any PIN, token or secret is read
  cv::tune_heap();  // keep freed heap for reuse instead of trimming and re-faulting it
  CLI::App app{"coldvault: an offline, HSM-backed vault for keys, secrets and certificates"};
  app.set_version_flag("--version", "coldvault " COLDVAULT_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  app.add_option("--home", g.home.home, "Home folder (default $COLDVAULT_HOME or ~/.local/share/coldvault)");
  app.add_option("--pin-file", g.home.pin_file, "File holding the token's user PIN (else $COLDVAULT_PIN)");
  app.add_option("-o,--output", g.output, "Output format: json, jsonc, yaml, table, tsv, none")
      ->check(CLI::IsMember({"json", "jsonc", "yaml", "yamlc", "table", "tsv", "none", "pem"}))
      ->transform([](std::string s) { return s == "yamlc" ? std::string("yaml") : s; });
  app.add_option("--query", g.query, "JMESPath query applied to the answer (as az's --query)");
  app.add_option("--output-shape", g.output_shape,
                 "az (default: az keyvault's JSON) or rest (Key Vault's REST bundles, coldvault < 0.16)")
      ->check(CLI::IsMember({"az", "rest"}))
      ->envname("COLDVAULT_OUTPUT_SHAPE");
  app.add_option("--exit-codes", g.exit_codes,
                 "az (default: 1 error, 2 usage, 3 not found) or detailed (docs/errors.md)")
      ->check(CLI::IsMember({"az", "detailed"}))
      ->envname("COLDVAULT_EXIT_CODES");
  // az's global flags, so that scripts written for Azure parse.
  app.add_flag("--only-show-errors", g.only_show_errors, "Only errors on stderr, no warnings");
  app.add_flag("--debug", g.debug, "Print the command and what it touches on stderr (never a value)");
  app.add_flag("--verbose", g.verbose, "Print how long the command took on stderr");
  auto ignored = std::make_shared<std::vector<std::string>>();
  for (const char* name : {"--subscription", "--resource-group,-g", "--location,-l"})
    app.add_option(name, g.subscription, "Accepted for az scripts and ignored: coldvault is offline")
        ->each([ignored, flag = std::string(name).substr(0, std::string(name).find(','))](const std::string&) {
          ignored->push_back(flag);
        });
#ifdef COLDVAULT_TEST_HOOKS
  // Test builds only (CMake COLDVAULT_TEST_HOOKS): a fixed clock, so expiry tests need not wait for days.
  app.add_option_function<std::int64_t>(
      "--now", [](std::int64_t t) { cv::vault::set_test_clock(t); }, "TEST BUILD ONLY: the clock, Unix seconds");
  // A process killed part way (SIGKILL at a named step), to prove what the next run finds.
  app.add_option_function<std::string>(
      "--test-kill-at", [](const std::string& step) { cv::vault::set_test_kill_point(step); },
      "TEST BUILD ONLY: SIGKILL this process at the named step");
  // A short wait for another process's catalogue lock, so the locked-catalogue error is testable.
  app.add_option_function<int>(
      "--test-busy-timeout", [](int ms) { cv::vault::set_test_busy_timeout(ms); },
      "TEST BUILD ONLY: milliseconds to wait for another process's catalogue lock");
  // serve's bundle jobs wait until this file exists, so a test can hold one in progress.
  app.add_option_function<std::string>(
      "--test-job-gate", [](const std::string& f) { cv::server::set_test_job_gate(f); },
      "TEST BUILD ONLY: bundle jobs of serve start only once this file exists");
#endif
  add_init_commands(app, g);
  add_secret_commands(app, g);
  add_key_commands(app, g);
  add_certificate_commands(app, g);
  add_disk_key_commands(app, g);
  add_ade_commands(app, g);
  add_serve_command(app, g);
  add_token_commands(app, g);
  add_bundle_commands(app, g);
  add_backup_commands(app, g);  // after the object groups: it adds backup/restore to them
  add_audit_commands(app, g);
  // Every verb is one audit record (docs/audit.md): the scope opens once the command line is parsed,
  // before the verb runs; changes record it as they commit, print() before a read's answer, and the
  // outcome below otherwise.
  std::optional<cv::audit::Scope> audit;
  app.parse_complete_callback([&] {
    for (const auto& flag : *ignored)
      warn(g, flag + " is ignored: coldvault is offline and has no Azure subscriptions, resource groups or "
                     "locations");
    if (g.debug) {
      std::string path;
      for (const CLI::App* sub = &app; sub;) {
        auto subs = sub->get_subcommands();
        sub = subs.empty() ? nullptr : subs.front();
        if (sub) path += " " + sub->get_name();
      }
      std::cerr << "DEBUG: command:" << path << " (output " << (g.output.empty() ? "json" : g.output)
                << ", shape " << g.output_shape << (g.query.empty() ? "" : ", query " + g.query) << ")\n";
    }
    std::string db;
    if (auto r = cli_audit_record(app, g, db)) audit.emplace(std::move(*r), db);
  });
  auto refused = [&](const cv::Error& e) {
    if (!audit) return;
    if (auto r = audit->finish(cv::exit_code(e.code), cv::kv_error_code(e)); !r)
      std::cerr << "ERROR: the refusal could not be written to the audit log: " << r.error().message << "\n";
  };
  auto started = std::chrono::steady_clock::now();
  auto done = [&](int rc) {
    if (g.verbose)
      std::cerr << "INFO: Command ran in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
                << " seconds\n";
    return rc;
  };
  // az's `keyvault` group is taken out before parsing (az_argv.hpp); CLI11 keeps the strings' order.
  auto args = without_keyvault_group(argc, argv);
  std::vector<char*> arg_ptrs;
  for (auto& a : args) arg_ptrs.push_back(a.data());
  try {
    app.parse(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
    if (audit)
      if (auto r = audit->finish(0); !r) throw CommandFailed{r.error()};
    return done(0);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return done(rc == 0 ? 0 : cv::exit_code(cv::Errc::BadParameter));  // 2 in both modes, as argparse
  } catch (const CommandFailed& f) {
    std::cerr << "ERROR: (" << cv::kv_error_code(f.error) << ") " << f.error.message;
    if (!f.error.native.empty()) std::cerr << " [" << f.error.native << "]";
    std::cerr << "\n";
    refused(f.error);
    return done(failure_exit_code(g, f.error, f.usage));
  } catch (const std::exception& e) {
    std::cerr << "ERROR: (InternalError) " << e.what() << "\n";
    return done(g.exit_codes == "detailed" ? cv::exit_code(cv::Errc::Internal) : 1);
  }
}
