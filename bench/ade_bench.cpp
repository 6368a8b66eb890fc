// Encryption-info files: `ade export` and `ade restore` per file (KEK RSA-2048 + Wrapped BEK) beside what
// they are made of, measured in the same run: a key backup plus a secret backup (export), a key restore plus
// a secret restore (restore), and the raw C_UnwrapKey of a CEK by the domain key that bounds every restore.
#include <benchmark/benchmark.h>

#include "bench_home.hpp"
#include "coldvault/ade.hpp"
#include "coldvault/backup.hpp"
#include "coldvault/disk_keys.hpp"

namespace {

struct AdeHome {
  cvbench::BenchHome h;
  std::string bek;
  AdeHome() {
    cv::vault::KeySpec k;
    k.kty = "RSA-HSM";
    (void)cv::vault::Keys(*h.svc, "bench").create("kek", k);
    bek = cv::vault::DiskKeys(*h.svc, "bench").create({"vm", std::string("kek"), "windows"})->name;
    cv::vault::VaultOptions t;
    t.name = "target";
    (void)h.svc->create_vault(t);
  }
};

AdeHome& home() {
  static AdeHome a;
  return a;
}

void purge_target(cv::vault::Service& svc, const std::string& bek) {
  cv::vault::Keys k(svc, "target");
  cv::vault::Secrets s(svc, "target");
  (void)k.remove("kek");
  (void)k.purge("kek");
  (void)s.remove(bek);
  (void)s.purge(bek);
}

void BM_AdeExport(benchmark::State& state) {
  auto& a = home();
  for (auto _ : state)
    if (!cv::backup::ade_export(*a.h.svc, "bench", {"vm", std::nullopt})) state.SkipWithError("export failed");
  state.SetItemsProcessed(state.iterations());
}

// Baseline: the two blobs an export holds, made one after the other.
void BM_KeyPlusSecretBackup(benchmark::State& state) {
  auto& a = home();
  for (auto _ : state)
    if (!cv::backup::backup_key(*a.h.svc, "bench", "kek") || !cv::backup::backup_secret(*a.h.svc, "bench", a.bek))
      state.SkipWithError("backup failed");
  state.SetItemsProcessed(state.iterations());
}

void BM_AdeRestore(benchmark::State& state) {
  auto& a = home();
  auto doc = *cv::backup::ade_export(*a.h.svc, "bench", {"vm", std::nullopt});
  std::string file = doc.dump();
  for (auto _ : state) {
    if (!cv::backup::ade_restore(*a.h.svc, "target", cv::as_bytes(file), {})) state.SkipWithError("restore failed");
    state.PauseTiming();
    purge_target(*a.h.svc, a.bek);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations());
}

// Baseline: the same two blobs restored separately (two transactions, no file parsing).
void BM_KeyPlusSecretRestore(benchmark::State& state) {
  auto& a = home();
  auto kb = *cv::backup::backup_key(*a.h.svc, "bench", "kek");
  auto sb = *cv::backup::backup_secret(*a.h.svc, "bench", a.bek);
  for (auto _ : state) {
    if (!cv::backup::restore_key(*a.h.svc, "target", kb) || !cv::backup::restore_secret(*a.h.svc, "target", sb))
      state.SkipWithError("restore failed");
    state.PauseTiming();
    purge_target(*a.h.svc, a.bek);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations());
}

// Baseline: C_UnwrapKey of an OAEP-wrapped CEK with the RSA-3072 domain key (two per ade restore).
void BM_RawDomainUnwrap(benchmark::State& state) { cvbench::raw_domain_unwrap(state, *home().h.svc); }

}  // namespace

BENCHMARK(BM_AdeExport);
BENCHMARK(BM_KeyPlusSecretBackup);
BENCHMARK(BM_AdeRestore);
BENCHMARK(BM_KeyPlusSecretRestore);
BENCHMARK(BM_RawDomainUnwrap);
BENCHMARK_MAIN();
