// A throwaway embedded home for benchmarks (its own SoftHSM token folder), removed at exit.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <optional>

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

}  // namespace cvbench
