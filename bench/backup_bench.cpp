// Backup and restore blobs/s through coldvault beside the raw PKCS#11 operations that bound them: the
// RSA-OAEP unwrap of a CEK by the domain key (restore) and the ECDSA P-256 sign (backup), same token, same
// run; and offline `blob verify` time per blob.
#include <benchmark/benchmark.h>

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
BENCHMARK(BM_RestoreSecret);
BENCHMARK(BM_VerifyBlobOffline);
BENCHMARK(BM_RawDomainUnwrap);
BENCHMARK(BM_RawEcdsaSign);
BENCHMARK_MAIN();
