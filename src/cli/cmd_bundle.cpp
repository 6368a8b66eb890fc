// Whole-vault bundles: `backup start`, `restore start` (whole or one object), and the offline `bundle
// verify|inspect` (docs/bundle-format.md). Shaped like `az keyvault backup|restore start`; the output is
// Managed HSM's job object plus what a bundle adds.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/common.hpp"
#include "coldvault/audit.hpp"
#include "coldvault/bundle.hpp"

namespace cv::cli {
namespace {

using nlohmann::json;

struct BundleArgs {
  std::string vault, file, trust, key, secret, certificate;
  bool no_progress = false;
};


// A one-line progress bar on stderr when it is a terminal: objects/s, bytes, ETA. Silent otherwise.
class Bar {
 public:
  Bar(const char* what, bool off) : what_(what), on_(!off && ::isatty(STDERR_FILENO)) {}
  ~Bar() {
    if (on_ && drawn_) std::fputs("\n", stderr);
  }
  bundle::Progress fn() {
    if (!on_) return {};
    return [this](std::uint64_t done, std::uint64_t total, std::uint64_t bytes) { draw(done, total, bytes); };
  }

 private:
  void draw(std::uint64_t done, std::uint64_t total, std::uint64_t bytes) {
    auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
    int width = 30, fill = total ? static_cast<int>(width * done / total) : width;
    std::string bar(static_cast<std::size_t>(fill), '#');
    bar.resize(static_cast<std::size_t>(width), '.');
    double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    std::fprintf(stderr, "\r%s [%s] %llu/%llu objects  %.0f objects/s  %.1f MiB  ETA %.0fs ", what_, bar.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), rate,
                 static_cast<double>(bytes) / (1 << 20), eta);
    drawn_ = true;
  }
  const char* what_;
  bool on_, drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_{};
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A job that ended well, as Managed HSM reports it; the caller adds what the bundle says.
nlohmann::json finished_job(const std::string& id, std::int64_t start) {
  return {{"status", "Succeeded"}, {"statusDetails", nullptr}, {"error", nullptr}, {"jobId", id},
          {"startTime", start}, {"endTime", unix_now()}};
}

}  // namespace

void add_bundle_commands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<BundleArgs>();

  auto* backup = app.add_subcommand("backup", "Whole-vault backups (bundles)");
  backup->require_subcommand(1);
  auto* start = backup->add_subcommand("start", "Back up a whole vault, at one instant, into one bundle file");
  start->add_option("--vault-name,--hsm-name", a->vault, "Vault name")->required();
  start->add_option("--file,-f", a->file, "Bundle file to write (.cvb)")->required();
  start->add_flag("--no-progress", a->no_progress, "No progress bar, even on a terminal");
  start->callback([&g, a] {
    auto svc = open_service(g);
    std::int64_t t0 = unix_now();
    Bar bar("backup", a->no_progress);
    auto r = need(bundle::backup_vault(svc, a->vault, a->file, bar.fn()));
    auto cp = audit::checkpoint(svc);  // a signed tree head at the bundle's creation (docs/audit.md §3)
    auto out = finished_job(r.bundle_id, t0);
    out["auditCheckpoint"] = cp ? nlohmann::json(cp->size) : nlohmann::json(nullptr);
    out.update({{"folderUrl", r.file}, {"file", r.file}, {"bundleId", r.bundle_id}, {"vault", r.vault},
                {"domain", r.domain}, {"created", r.created}, {"counts", bundle::counts_json(r.counts)},
                {"bytes", r.bytes}, {"chunks", r.chunks}, {"manifestSha256", r.manifest_sha256}});
    print(g, out, {"status", "file", "bytes"});
  });

  auto* restore = app.add_subcommand("restore", "Whole-vault restores (bundles)");
  restore->require_subcommand(1);
  auto* rstart = restore->add_subcommand("start", "Restore a bundle into an empty or new vault, or one object of it");
  rstart->add_option("--vault-name,--hsm-name", a->vault, "Target vault (made when it does not exist)")->required();
  rstart->add_option("--file,-f,--backup-folder", a->file, "Bundle file (.cvb)")->required();
  rstart->add_option("--key-name", a->key, "Restore only this key");
  rstart->add_option("--secret-name", a->secret, "Restore only this secret");
  rstart->add_option("--certificate-name", a->certificate, "Restore only this certificate (with its key and secret)");
  rstart->add_flag("--no-progress", a->no_progress, "No progress bar, even on a terminal");
  rstart->callback([&g, a] {
    bundle::Selection sel;
    if (!a->key.empty()) sel.key = a->key;
    if (!a->secret.empty()) sel.secret = a->secret;
    if (!a->certificate.empty()) sel.certificate = a->certificate;
    auto svc = open_service(g);
    std::int64_t t0 = unix_now();
    Bar bar("restore", a->no_progress);
    auto r = need(bundle::restore_vault(svc, a->vault, a->file, sel, bar.fn()));
    auto out = finished_job(r.bundle_id, t0);
    out.update({{"file", r.file}, {"bundleId", r.bundle_id}, {"vault", r.vault}, {"sourceVault", r.source_vault},
                {"createdVault", r.created_vault}, {"selective", sel.any()},
                {"restored", bundle::counts_json(r.counts)}, {"bytesRead", r.bytes_read},
                {"fileBytes", r.file_bytes}});
    print(g, out, {"status", "vault", "bytesRead"});
  });

  auto* grp = app.add_subcommand("bundle", "Offline tools for vault bundles (no token, no PIN)");
  grp->require_subcommand(1);
  auto* verify = grp->add_subcommand("verify", "Check a bundle's signature, chain, digests and every chunk");
  verify->add_option("file", a->file, "Bundle file")->required();
  verify->add_option("--trust", a->trust, "The vault's signing certificate (vault show) or its CA, PEM")->required();
  verify->callback([&g, a] {
    auto trust = need(read_file(a->trust));
    auto v = need(bundle::verify(a->file, as_chars(trust)));
    print(g, v.report);
    if (!v.ok) throw CommandFailed{Error{Errc::Corruption, "vault bundle verification failed", {}, "BundleInvalid", {}}};
  });
  auto* inspect = grp->add_subcommand("inspect", "What a bundle says of itself (header and manifest)");
  inspect->add_option("file", a->file, "Bundle file")->required();
  inspect->callback([&g, a] { print(g, need(bundle::inspect(a->file))); });
}

}  // namespace cv::cli
