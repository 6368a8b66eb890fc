// RSS of a process doing key unwraps (Key Vault's unwrapKey, A256KW) or secret backups through the
// server's Service pool, with and without module recycling (docs/adr/0022-module-recycling.md). A
// measurement, not a test: run it once per mode, each in a process of its own, and compare the
// columns (docs/reliability.md, "Memory under the soak").
//
//   recycle_rss OPS EVERY BOUND [unwrap|backup]
//     e.g. recycle_rss 200000 25000 0        (never recycle: the baseline)
//          recycle_rss 200000 25000 50000    (the default bound)
//
// Each operation makes one session object, as in the server: an unwrap the readable unwrapped key
// (Token::unwrap_secret_value), a backup its CEK. Unwraps write nothing to the catalogue, so they
// run at the token's pace; a backup also commits a row (an fdatasync). Every EVERY operations it
// prints operations, RSS (MiB, /proc/self/statm), recycles so far; free heap is trimmed first, as
// `serve` does every 30 s.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench_home.hpp"
#include "coldvault/backup.hpp"
#include "coldvault/heap_tuning.hpp"
#include "coldvault/keys.hpp"
#include "server/pool.hpp"

namespace {

double rss_mib() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
         (1024.0 * 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr,
                 "usage: recycle_rss OPS EVERY BOUND (0 = never recycle) [unwrap|backup]\n");
    return 2;
  }
  const long ops = std::atol(argv[1]), every = std::atol(argv[2]);
  const bool backup = argc == 5 && std::string(argv[4]) == "backup";
  cv::hsm::set_recycle_bound(std::strtoull(argv[3], nullptr, 10));
  cvbench::BenchHome home;
  {
    cv::vault::SetSecret v;
    v.value = cv::SecureString(256, 'x');
    if (!cv::vault::Secrets(*home.svc, "bench").set("b", v)) return 1;
  }
  cv::vault::KeySpec aes;
  aes.kty = "oct-HSM";
  if (!cv::vault::Keys(*home.svc, "bench").create("kek", aes)) return 1;
  auto wrapped = cv::vault::Keys(*home.svc, "bench").wrap("kek", "", "A256KW", cv::Bytes(32, 7));
  if (!wrapped) return 1;
  const cv::Bytes blob(wrapped->value.begin(), wrapped->value.end());
  home.svc.reset();  // only the pool's Services hold the module
  cv::server::Pool<cv::vault::Service> pool(
      [&] { return cv::vault::Service::open(home.opts); }, 1, std::chrono::seconds(30),
      [](cv::vault::Service& s) { return s.token().claim_module_recycle(); });
  std::printf("bound %s, %s\nops\trss_mib\trecycles\n", argv[3], backup ? "backups" : "unwraps");
  cv::release_free_heap();
  std::printf("0\t%.1f\t0\n", rss_mib());
  double slowest_ms =
      0;  // the acquire after a recycle pays Service::open: module load, login, lookups
  for (long i = 1; i <= ops; ++i) {
    {
      const auto t0 = std::chrono::steady_clock::now();
      auto lease = pool.acquire();
      slowest_ms = std::max(
          slowest_ms,
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      bool ok =
          lease &&
          (backup
               ? cv::backup::backup_secret(**lease, "bench", "b").has_value()
               : cv::vault::Keys(**lease, "bench").unwrap("kek", "", "A256KW", blob).has_value());
      if (!ok) {
        std::fprintf(stderr, "operation %ld failed\n", i);
        return 1;
      }
    }
    if (i % every == 0) {
      cv::release_free_heap();
      std::printf("%ld\t%.1f\t%llu\n", i, rss_mib(),
                  static_cast<unsigned long long>(cv::hsm::module_recycles()));
      std::fflush(stdout);
    }
  }
  std::printf("slowest acquire (after a recycle: Service::open): %.1f ms\n", slowest_ms);
  return 0;
}
