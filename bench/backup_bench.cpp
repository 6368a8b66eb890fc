// Backup and restore blobs/s through coldvault beside the raw PKCS#11 operations that bound them: the
// RSA-OAEP unwrap of a CEK by the domain key (restore) and the ECDSA P-256 sign (backup), same token, same
// run; and offline `blob verify` time per blob.
//
// Rates: google-benchmark's items_per_second is per CPU second of the benchmark thread unless a row says
// real_time. A restore waits for its durable COMMIT (an fdatasync) off the CPU, so restore and its unwrap
// baseline are given both ways; compare rows with the same clock. BM_BackupSecret16 is the server's shape:
// 16 threads, each with its own Service (catalogue connection, token sessions) on one home, in real time.
#include <benchmark/benchmark.h>

#include <mutex>
#include <vector>

#include "bench_home.hpp"
#include "coldvault/backup.hpp"
#include "coldvault/hsm_baseline.hpp"

namespace {

cvbench::BenchHome& home() {
  static cvbench::BenchHome h;
  static bool ready = [] {
    cv::vault::Secrets s(*h.svc, "bench");
    cv::vault::SetSecret v;
    v.value = cv::SecureString(256, 'x');
    (void)s.set("b", v);
    return true;
  }();
  (void)ready;
  return h;
}

void BM_BackupSecret(benchmark::State& state) {
  auto& h = home();
  for (auto _ : state)
    if (!cv::backup::backup_secret(*h.svc, "bench", "b")) state.SkipWithError("backup failed");
  state.SetItemsProcessed(state.iterations());
}

// One Service per benchmark thread (as the server opens one per worker), opened once, outside the timing.
cv::vault::Service& worker_service(int index) {
  static std::mutex mu;
  static std::vector<std::optional<cv::vault::Service>> workers(64);
  std::lock_guard lock(mu);
  auto& w = workers.at(static_cast<std::size_t>(index));
  if (!w) {
    auto s = cv::vault::Service::open(home().opts);
    if (!s) std::exit(1);
    w.emplace(std::move(*s));
  }
  return *w;
}

void BM_BackupSecret16(benchmark::State& state) {
  auto& svc = worker_service(state.thread_index());
  for (auto _ : state)
    if (!cv::backup::backup_secret(svc, "bench", "b")) state.SkipWithError("backup failed");
  state.SetItemsProcessed(state.iterations());
}

void BM_RestoreSecret(benchmark::State& state) {
  auto& h = home();
  auto blob = *cv::backup::backup_secret(*h.svc, "bench", "b");
  cv::vault::Secrets s(*h.svc, "bench");
  (void)s.remove("b");
  (void)s.purge("b");
  for (auto _ : state) {
    if (!cv::backup::restore_secret(*h.svc, "bench", blob)) state.SkipWithError("restore failed");
    state.PauseTiming();
    (void)s.remove("b");
    (void)s.purge("b");
    state.ResumeTiming();
  }
  (void)cv::backup::restore_secret(*h.svc, "bench", blob);
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyBlobOffline(benchmark::State& state) {
  auto& h = home();
  auto blob = *cv::backup::backup_secret(*h.svc, "bench", "b");
  auto trust = h.svc->catalog().vault("bench")->signer_cert_pem;
  for (auto _ : state) {
    auto v = cv::backup::verify(blob, trust);
    if (!v || !v->ok) state.SkipWithError("verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}

// Baseline: C_UnwrapKey of an OAEP-wrapped AES-256 CEK with the RSA-3072 domain key, then destroy.
void BM_RawDomainUnwrap(benchmark::State& state) { cvbench::raw_domain_unwrap(state, *home().svc); }

// Baseline: C_Sign with CKM_ECDSA over a 32-byte digest with the vault signing key.
void BM_RawEcdsaSign(benchmark::State& state) {
  auto& h = home();
  auto keys = *h.svc->vault("bench");
  constexpr int kBatch = 100;
  for (auto _ : state)
    if (cv::hsm::raw_sign_rate(h.svc->token(), cv::hsm::Mech::Ecdsa, keys->signer.priv, 32, kBatch) <= 0)
      state.SkipWithError("raw sign failed");
  state.SetItemsProcessed(state.iterations() * kBatch);
}

}  // namespace

BENCHMARK(BM_BackupSecret);
BENCHMARK(BM_BackupSecret16)->Threads(16)->UseRealTime();
BENCHMARK(BM_RestoreSecret);
BENCHMARK(BM_RestoreSecret)->UseRealTime();
BENCHMARK(BM_VerifyBlobOffline);
BENCHMARK(BM_RawDomainUnwrap);
BENCHMARK(BM_RawDomainUnwrap)->UseRealTime();
BENCHMARK(BM_RawEcdsaSign);
BENCHMARK(BM_RawEcdsaSign)->UseRealTime();
BENCHMARK_MAIN();
