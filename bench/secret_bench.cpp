// Secret set/get through coldvault (catalogue + token AES-GCM) beside the raw PKCS#11 AES-GCM loop on the
// same token and key, in the same run. items_per_second is the figure; compare rows of one run only.
#include <benchmark/benchmark.h>

#include "bench_home.hpp"
#include "coldvault/hsm_baseline.hpp"
#include "coldvault/secrets.hpp"

namespace {

cvbench::BenchHome& home() {
  static cvbench::BenchHome h;
  return h;
}

cv::vault::SetSecret value_of(std::size_t n) {
  cv::vault::SetSecret s;
  s.value = cv::SecureString(n, 'x');
  return s;
}

void BM_SecretSet(benchmark::State& state) {
  auto& h = home();
  cv::vault::Secrets secrets(*h.svc, "bench");
  auto v = value_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state)
    if (!secrets.set("set-bench", v)) state.SkipWithError("set failed");
  state.SetItemsProcessed(state.iterations());
}

void BM_SecretGet(benchmark::State& state) {
  auto& h = home();
  cv::vault::Secrets secrets(*h.svc, "bench");
  (void)secrets.set("get-bench", value_of(static_cast<std::size_t>(state.range(0))));
  for (auto _ : state)
    if (!secrets.get("get-bench", "")) state.SkipWithError("get failed");
  state.SetItemsProcessed(state.iterations());
}

// What every request pays to find its vault since vault soft delete (issue 12): PRAGMA data_version on the
// catalogue connection, then the cached row and handles. Compare with BM_SecretGet of the same run.
void BM_VaultLookup(benchmark::State& state) {
  auto& h = home();
  for (auto _ : state)
    if (!h.svc->vault("bench")) state.SkipWithError("lookup failed");
  state.SetItemsProcessed(state.iterations());
}

// Baseline: C_EncryptInit + C_Encrypt with the vault master key, nothing else.
void BM_RawPkcs11GcmEncrypt(benchmark::State& state) {
  auto& h = home();
  auto keys = h.svc->vault("bench");
  constexpr int kBatch = 100;
  for (auto _ : state)
    if (cv::hsm::raw_gcm_encrypt_rate(h.svc->token(), (*keys)->master, static_cast<std::size_t>(state.range(0)),
                                      kBatch) <= 0)
      state.SkipWithError("raw loop failed");
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_RawPkcs11GcmDecrypt(benchmark::State& state) {
  auto& h = home();
  auto keys = h.svc->vault("bench");
  constexpr int kBatch = 100;
  for (auto _ : state)
    if (cv::hsm::raw_gcm_decrypt_rate(h.svc->token(), (*keys)->master, static_cast<std::size_t>(state.range(0)),
                                      kBatch) <= 0)
      state.SkipWithError("raw loop failed");
  state.SetItemsProcessed(state.iterations() * kBatch);
}

}  // namespace

BENCHMARK(BM_SecretSet)->Arg(256)->Arg(4096);
BENCHMARK(BM_SecretGet)->Arg(256)->Arg(4096);
BENCHMARK(BM_VaultLookup);
BENCHMARK(BM_RawPkcs11GcmEncrypt)->Arg(256)->Arg(4096);
BENCHMARK(BM_RawPkcs11GcmDecrypt)->Arg(256)->Arg(4096);
BENCHMARK_MAIN();
