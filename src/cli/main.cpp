// coldvault: the CLI. Verbs and flags mirror `az keyvault`; output is JSON shaped like the REST bundles.
// Errors print as `ERROR: (Code) message` on stderr and exit with the code of docs/errors.md.
#include <iostream>

#include "cli/cmd_certificate.hpp"
#include "cli/common.hpp"
#include "coldvault/bundle_json.hpp"
#include "coldvault/heap_tuning.hpp"
#include "coldvault/server.hpp"
#include "coldvault_version.hpp"  // generated: cmake/version.hpp.in

int main(int argc, char** argv) {
  using namespace cv::cli;
  cv::tune_heap();  // keep freed heap for reuse instead of trimming and re-faulting it
  CLI::App app{"coldvault: an offline, HSM-backed vault for keys, secrets and certificates"};
  app.set_version_flag("--version", "coldvault " COLDVAULT_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  app.add_option("--home", g.home.home, "Home folder (default $COLDVAULT_HOME or ~/.local/share/coldvault)");
  app.add_option("--pin-file", g.home.pin_file, "File holding the token's user PIN (else $COLDVAULT_PIN)");
  app.add_option("-o,--output", g.output, "Output format: json, table, tsv, none")
      ->check(CLI::IsMember({"json", "table", "tsv", "none", "pem"}));
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
    std::string db;
    if (auto r = cli_audit_record(app, g, db)) audit.emplace(std::move(*r), db);
  });
  auto refused = [&](const cv::Error& e) {
    if (!audit) return;
    if (auto r = audit->finish(cv::exit_code(e.code), cv::kv_error_code(e)); !r)
      std::cerr << "ERROR: the refusal could not be written to the audit log: " << r.error().message << "\n";
  };
  try {
    app.parse(argc, argv);
    if (audit)
      if (auto r = audit->finish(0); !r) throw CommandFailed{r.error()};
    return 0;
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : cv::exit_code(cv::Errc::BadParameter);
  } catch (const CommandFailed& f) {
    std::cerr << "ERROR: (" << cv::kv_error_code(f.error) << ") " << f.error.message;
    if (!f.error.native.empty()) std::cerr << " [" << f.error.native << "]";
    std::cerr << "\n";
    refused(f.error);
    return cv::exit_code(f.error.code);
  } catch (const std::exception& e) {
    std::cerr << "ERROR: (InternalError) " << e.what() << "\n";
    return cv::exit_code(cv::Errc::Internal);
  }
}
