// A throwaway embedded home for benchmarks (its own SoftHSM token folder), removed at exit.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <optional>

#include <benchmark/benchmark.h>

#include "coldvault/hsm_baseline.hpp"
#include "coldvault/vault.hpp"

namespace cvbench {

struct BenchHome {
  std::filesystem::path dir;
  cv::vault::HomeOptions opts;
  std::optional<cv::vault::Service> svc;

  explicit BenchHome(const std::string& vault = "bench") {
    char tmpl[] = "/tmp/cv-bench-XXXXXX";
    dir = mkdtemp(tmpl);
    opts.home = (dir / "home").string();
    unsetenv("COLDVAULT_PIN");
    auto r = cv::vault::init(opts, {vault, 90, false});
    if (!r) {
      std::fprintf(stderr, "bench init failed: %s\n", r.error().message.c_str());
      std::exit(1);
    }
    auto s = cv::vault::Service::open(opts);
    if (!s) std::exit(1);
    svc.emplace(std::move(*s));
  }
  ~BenchHome() {
    svc.reset();
    std::filesystem::remove_all(dir);
  }
};

// The baseline of every restore: C_UnwrapKey of an RSA-OAEP-wrapped AES-256 CEK with the domain key
// (RSA-3072), ten per iteration, each unwrapped key destroyed.
inline void raw_domain_unwrap(benchmark::State& state, cv::vault::Service& svc) {
  auto& t = svc.token();
  auto domain = *svc.domain_key(svc.domain_kid());
  cv::hsm::KeyUsage u;
  u.encrypt = u.decrypt = u.wrap = u.unwrap = u.extractable = true;
  auto cek = *t.generate_secret_key(cv::hsm::KeyType::Aes, 256, u);
  auto wrapped = *t.wrap(cv::hsm::Mech::RsaOaepSha1, domain.pub, cek);
  (void)t.destroy(cek);
  constexpr int kBatch = 10;
  for (auto _ : state)
    if (cv::hsm::raw_unwrap_rate(t, cv::hsm::Mech::RsaOaepSha1, domain.priv, wrapped, cv::hsm::KeyType::Aes,
                                 kBatch) <= 0)
      state.SkipWithError("raw unwrap failed");
  state.SetItemsProcessed(state.iterations() * kBatch);
}

}  // namespace cvbench
