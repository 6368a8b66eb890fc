// The `audit` group (docs/audit.md): the audit key, checkpoints, exports, and their offline verification;
// and the hook that makes every CLI verb one audit record.
#include <pwd.h>
#include <unistd.h>

#include "cli/common.hpp"
#include "coldvault/audit.hpp"
#include "coldvault/audit_ops.hpp"
#include "coldvault/html_report.hpp"

namespace cv::cli {
namespace {

struct AuditArgs {
  std::string dir, trust, known, html;
  std::optional<std::uint64_t> from, to;
  std::uint64_t last = 20;
};

std::string option_value(CLI::App* leaf, const char* name) {
  auto* o = leaf->get_option_no_throw(name);
  if (!o || o->count() == 0 || o->results().empty()) return {};
  return o->results().front();
}

// `audit verify` and `audit report`: the verdict on stdout and as the exit code; the report also renders
// it, with the export's checkpoints and records, into a new HTML file (written before the exit code).
void verify_export(const Globals& g, const AuditArgs& a) {
  if (!a.html.empty()) need(report::check_new_file(a.html));
  auto trust = need(read_file(a.trust));
  std::string known;
  if (!a.known.empty()) {
    auto k = need(read_file(a.known));
    known.assign(k.begin(), k.end());
  }
  auto v = need(audit::verify_export(a.dir, as_chars(trust), known));
  if (!a.html.empty()) need(report::write_html(a.html, need(report::audit_html(a.dir, v.report))));
  print(g, v.report, {"verdict", "check", "detail"});
  if (!v.ok) throw CommandFailed{Error{Errc::Corruption, "audit export verification failed: " +
                                                             v.report.value("detail", std::string()),
                                       {}, "AuditInvalid", {}}};
}

}  // namespace

void add_audit_commands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<AuditArgs>();
  auto* grp = app.add_subcommand("audit", "The tamper-evident audit log: key, checkpoints, export, offline verify");
  grp->require_subcommand(1);

  grp->add_subcommand("key", "The audit key's origin, key ID and certificate (pin it to verify exports)")
      ->callback([&g] {
        auto svc = open_service(g);
        auto k = need(audit::key(svc));
        print(g, {{"origin", k.origin}, {"keyId", k.key_id}, {"certificate", k.cert_pem}}, {"origin", "keyId"});
      });

  grp->add_subcommand("checkpoint", "Sign a checkpoint of the log as it stands (C2SP tlog-checkpoint)")
      ->callback([&g] {
        auto svc = open_service(g);
        auto cp = need(audit::checkpoint(svc));
        print(g, {{"size", cp.size}, {"root", to_hex(ByteView(cp.root.data(), 32))}, {"note", cp.note}},
              {"size", "root"});
      });

  auto* list = grp->add_subcommand("list", "The last records of the log, as JSON");
  list->add_option("--last", a->last, "How many (default 20)");
  list->callback([&g, a] {
    auto svc = open_service(g);
    print(g, need(audit::last_records(svc, a->last)), {"seq", "time", "operation", "outcome", "vault", "name"});
  });

  auto* ex = grp->add_subcommand("export", "Write records, checkpoints and proofs to a new folder");
  ex->add_option("--from", a->from, "Tree size of a signed checkpoint to start at (default 0)");
  ex->add_option("--to", a->to, "Tree size of a signed checkpoint to end at (default: one signed now)");
  ex->add_option("--dir", a->dir, "New folder to write")->required();
  ex->callback([&g, a] {
    auto svc = open_service(g);
    print(g, need(audit::export_log(svc, a->from, a->to, a->dir)), {"from", "to", "records", "dir"});
  });

  auto* ver = grp->add_subcommand("verify", "Verify an export offline (no token, no home)");
  ver->add_option("dir", a->dir, "The export folder")->required();
  ver->add_option("--trust", a->trust, "The audit certificate (audit key), PEM")->required();
  ver->add_option("--known", a->known, "A checkpoint note kept earlier: the log must extend it");
  ver->callback([&g, a] { verify_export(g, *a); });

  auto* rep = grp->add_subcommand("report", "Verify an export offline and write the auditor's HTML page");
  rep->add_option("dir", a->dir, "The export folder")->required();
  rep->add_option("--trust", a->trust, "The audit certificate (audit key), PEM")->required();
  rep->add_option("--known", a->known, "A checkpoint note kept earlier: the log must extend it");
  rep->add_option("--html", a->html, "The new HTML file to write (never overwritten)")->required();
  rep->callback([&g, a] { verify_export(g, *a); });
}

std::optional<audit::Record> cli_audit_record(CLI::App& app, const Globals& g, std::string& db_path) {
  std::vector<std::string> words;
  CLI::App* leaf = &app;
  for (;;) {
    auto subs = leaf->get_subcommands();
    if (subs.empty()) break;
    leaf = subs.front();
    words.push_back(leaf->get_name());
  }
  if (words.empty() || words[0] == "serve") return std::nullopt;  // serve records each request itself
  audit::Record r;
  r.time = vault::Service::now();
  r.via = "cli";
  r.operation = audit::cli_operation(words);
  const passwd* pw = ::getpwuid(::getuid());
  r.actor = "local:" + std::string(pw ? pw->pw_name : "?") + "(" + std::to_string(::getuid()) + ")";
  r.vault = option_value(leaf, "--vault-name");
  r.name = option_value(leaf, "--name");
  for (const char* n : {"--key-name", "--secret-name", "--certificate-name"})
    if (r.name.empty()) r.name = option_value(leaf, n);
  r.version = option_value(leaf, "--version");
  if (words[0] == "secret" || words[0] == "key" || words[0] == "certificate") r.type = words[0];
  try {
    db_path = vault::catalog_path(vault::resolve_home(g.home));
  } catch (...) {
    db_path.clear();
  }
  return r;
}

}  // namespace cv::cli
