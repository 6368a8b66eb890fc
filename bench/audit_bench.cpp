// Issue 15's two figures (docs/performance.md, "Audit log (issue 15)"), each beside a baseline measured in
// the same run on the same machine:
//   1. offline bulk verification of --blobs secret backup blobs (default 10,000) by backup::verify_many, the
//      function `blob verify --trust CERT FILE...` calls, in process (the files are in memory: reading them
//      is not timed), on every core and on one thread, beside OpenSSL's raw ECDSA P-256 verify rate on as
//      many threads (crypto::ecdsa_p256_verify_rate, the floor of the signature check);
//   2. the audit append's cost: --sets secret sets through vault::Secrets::set without an audit scope and
//      the same inside an audit::Scope per set (as the CLI and the REST server record an operation), in
//      alternating rounds so drift of the disk's fsync time hits both alike; then the signing of one
//      checkpoint, which the log pays once per 1,000 records;
//   3. a checkpoint's cost as the log grows (--log 10000,100000: the log is filled with read records to each
//      size, untimed): the whole recheck (`audit checkpoint`, exports) beside the since-the-last-checkpoint one
//      (a server's automatic checkpoints), each after 1,000 more records, beside one ECDSA P-256 signature in the
//      token (the floor: every checkpoint signs once) in the same run.
// Population (the secrets and their backups) is not timed.
//   audit_bench [--blobs 10000] [--sets 2000] [--rounds 3] [--log 10000,100000]
//   (--rounds: bulk runs, best kept; set rounds; --blobs 0 / --sets 0 / --log "" skip a part)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_home.hpp"
#include "coldvault/audit.hpp"
#include "coldvault/backup.hpp"
#include "coldvault/crypto_baseline.hpp"
#include "coldvault/hsm_baseline.hpp"
#include "coldvault/secrets.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
// CPU seconds of this thread: a set's wall time is mostly its durable COMMIT's fsync, whose jitter on a
// shared disk is larger than the append; the CPU time shows the append's own work.
double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

template <class T>
T must(cv::Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "audit_bench: %s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(*r);
}
void must(cv::Result<void> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "audit_bench: %s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
}

void bulk_verify(cv::vault::Service& svc, int n, int rounds) {
  cv::vault::Secrets secrets(svc, "bench");
  cv::vault::SetSecret v;
  v.value = cv::SecureString(64, 's');
  std::vector<cv::backup::BlobInput> inputs;
  inputs.reserve(static_cast<std::size_t>(n));
  auto t0 = Clock::now();
  std::size_t bytes = 0;
  for (int i = 0; i < n; ++i) {
    const std::string name = "blob-" + std::to_string(i);
    must(secrets.set(name, v), "secret set");
    auto blob = must(cv::backup::backup_secret(svc, "bench", name), "backup");
    bytes += blob.size();
    inputs.push_back({name + ".blob", std::move(blob)});
  }
  std::printf("population: %d secrets set and backed up in %.1f s (not timed below), %.0f bytes/blob\n", n,
              seconds_since(t0), static_cast<double>(bytes) / n);
  const std::string trust = must(svc.catalog().vault("bench"), "vault").signer_cert_pem;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  auto run = [&](unsigned threads) {
    double best = 1e9;
    for (int r = 0; r < rounds; ++r) {
      auto t = Clock::now();
      auto verdict = must(cv::backup::verify_many(inputs, trust, threads), "verify_many");
      double s = seconds_since(t);
      if (!verdict.ok || verdict.report["valid"] != n || verdict.report["chains"] != 1) {
        std::fprintf(stderr, "audit_bench: bulk verification did not find every blob valid\n");
        std::exit(1);
      }
      best = std::min(best, s);
    }
    return best;
  };
  const double all = run(0);
  const double one = run(1);
  std::printf("bulk verify, %u threads: %d blobs in %.2f s = %.0f blobs/s (best of %d; target < 5 s)\n", cores, n,
              all, n / all, rounds);
  std::printf("bulk verify, 1 thread:  %d blobs in %.2f s = %.0f blobs/s\n", n, one, n / one);
  const int iters = 20000;
  const double raw_all = cv::crypto::ecdsa_p256_verify_rate(iters, cores);
  const double raw_one = cv::crypto::ecdsa_p256_verify_rate(iters, 1);
  if (raw_all <= 0 || raw_one <= 0) {
    std::fprintf(stderr, "audit_bench: raw ECDSA verify failed\n");
    std::exit(1);
  }
  std::printf("raw OpenSSL ECDSA P-256 verify, %u threads: %.0f/s (%d blobs' signatures alone: %.2f s)\n", cores,
              raw_all, n, n / raw_all);
  std::printf("raw OpenSSL ECDSA P-256 verify, 1 thread:  %.0f/s\n", raw_one);
  std::printf("bulk verify per blob vs raw verify: %.1f us vs %.1f us on %u threads (%.2fx)\n", 1e6 * all / n,
              1e6 / raw_all, cores, (all / n) * raw_all);
}

// A REST request's record on a secret of the bench vault.
cv::audit::Record rest_record(const std::string& operation, const std::string& name) {
  cv::audit::Record rec;
  rec.time = cv::vault::Service::now();
  rec.via = "rest";
  rec.operation = operation;
  rec.actor = "token:bench";
  rec.client = "127.0.0.1:1";
  rec.api_version = "7.5";
  rec.vault = "bench";
  rec.type = "secret";
  rec.name = name;
  return rec;
}

void audit_append(cv::vault::Service& svc, int n, int rounds) {
  cv::vault::Secrets secrets(svc, "bench");
  cv::vault::SetSecret v;
  v.value = cv::SecureString(64, 'a');
  const std::string db = cv::vault::catalog_path(svc.home());
  double plain = 0, audited = 0, plain_cpu = 0, audited_cpu = 0;
  int seq = 0;
  const int per = std::max(1, n / rounds);
  // Untimed warm-up: the first audited set makes the audit key in the token.
  for (int r = -1; r < rounds; ++r) {
    if (r == 0) plain = audited = plain_cpu = audited_cpu = 0;
    auto t = Clock::now();
    double c = thread_cpu();
    for (int i = 0; i < per; ++i) must(secrets.set("plain-" + std::to_string(seq++ % 100), v), "set");
    plain += seconds_since(t);
    plain_cpu += thread_cpu() - c;
    t = Clock::now();
    c = thread_cpu();
    for (int i = 0; i < per; ++i) {
      cv::audit::Record rec = rest_record("SetSecret", "audited-" + std::to_string(seq++ % 100));
      cv::audit::Scope scope(rec, db);
      cv::audit::bind(scope, &svc);
      must(secrets.set(rec.name, v), "audited set");
      must(scope.finish(200), "audit finish");
      cv::audit::bind(scope, nullptr);
    }
    audited += seconds_since(t);
    audited_cpu += thread_cpu() - c;
  }
  const int total = per * rounds;  // the warm-up round is not counted
  const double p = 1e6 * plain / total, a = 1e6 * audited / total;
  const double pc = 1e6 * plain_cpu / total, ac = 1e6 * audited_cpu / total;
  std::printf("secret set without audit: %.1f us/op wall, %.1f us/op CPU (%d sets, %d rounds)\n", p, pc, total, rounds);
  std::printf("secret set with an audit scope: %.1f us/op wall, %.1f us/op CPU\n", a, ac);
  std::printf("the append: %.1f us wall = %.1f%% of a set; %.1f us CPU = %.1f%% of a set's CPU (target < 10%%)\n",
              a - p, 100.0 * (a - p) / p, ac - pc, 100.0 * (ac - pc) / pc);
  auto t = Clock::now();
  auto cp = must(cv::audit::checkpoint(svc), "checkpoint");
  const double cs = seconds_since(t);
  std::printf("checkpoint of %llu records signed in %.1f ms (once per %llu records: %.2f us/record)\n",
              static_cast<unsigned long long>(cp.size), 1e3 * cs,
              static_cast<unsigned long long>(cv::audit::kCheckpointEvery), 1e6 * cs / cv::audit::kCheckpointEvery);
}

// One read's record, as the REST server writes it for a GET: a transaction of its own.
void append_read_record(cv::vault::Service& svc, const std::string& db, int i) {
  cv::audit::Scope scope(rest_record("GetSecret", "read-" + std::to_string(i % 1000)), db);
  cv::audit::bind(scope, &svc);
  must(scope.finish(200), "audit record");
  cv::audit::bind(scope, nullptr);
}

void checkpoint_growth(cv::vault::Service& svc, const std::vector<long>& sizes) {
  const std::string db = cv::vault::catalog_path(svc.home());
  long have = static_cast<long>(must(cv::audit::checkpoint(svc), "checkpoint").size);  // makes the audit key
  auto priv = must(svc.token().find("coldvault-audit", "private"), "the audit key");
  const double rate = cv::hsm::raw_sign_rate(svc.token(), cv::hsm::Mech::Ecdsa, priv, 32, 200);
  if (rate <= 0) {
    std::fprintf(stderr, "audit_bench: raw ECDSA sign failed\n");
    std::exit(1);
  }
  const double sign_ms = 1e3 / rate;
  std::printf("one ECDSA P-256 signature with the audit key, raw PKCS#11 (the floor of any checkpoint): %.2f ms\n",
              sign_ms);
  for (long size : sizes) {
    auto t = Clock::now();
    for (; have < size; ++have) append_read_record(svc, db, static_cast<int>(have));
    must(cv::audit::checkpoint(svc), "checkpoint");
    std::printf("log filled to %ld records in %.1f s (not timed below)\n", size, seconds_since(t));
    double ms[2];
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < static_cast<int>(cv::audit::kCheckpointEvery); ++i, ++have)
        append_read_record(svc, db, static_cast<int>(have));
      const auto how = pass == 0 ? cv::audit::Recheck::Whole : cv::audit::Recheck::SinceLast;
      t = Clock::now();
      auto cp = must(cv::audit::checkpoint(svc, how), "checkpoint");
      ms[pass] = 1e3 * seconds_since(t);
      if (static_cast<long>(cp.size) != have) {
        std::fprintf(stderr, "audit_bench: the checkpoint covers %llu records, not %ld\n",
                     static_cast<unsigned long long>(cp.size), have);
        std::exit(1);
      }
    }
    std::printf("checkpoint at ~%ld records, 1,000 new: whole recheck %.1f ms, since the last checkpoint %.1f ms "
                "(%.1fx the token signature alone)\n", size, ms[0], ms[1], ms[1] / sign_ms);
  }
}

std::vector<long> parse_sizes(const std::string& s) {
  std::vector<long> out;
  std::size_t at = 0;
  while (at < s.size()) {
    std::size_t comma = s.find(',', at);
    out.push_back(std::atol(s.substr(at, comma - at).c_str()));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int blobs = 10000, sets = 2000, rounds = 3;
  std::string log_sizes = "10000,100000";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--blobs" && i + 1 < argc) blobs = std::atoi(argv[++i]);
    else if (a == "--sets" && i + 1 < argc) sets = std::atoi(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (a == "--log" && i + 1 < argc) log_sizes = argv[++i];
    else {
      std::fprintf(stderr, "usage: audit_bench [--blobs N] [--sets N] [--rounds N] [--log N,N...]\n");
      return 2;
    }
  }
  if (blobs < 0 || sets < 0 || rounds <= 0) return 2;
  cvbench::BenchHome home;
  if (blobs > 0) bulk_verify(*home.svc, blobs, rounds);
  if (sets > 0) audit_append(*home.svc, sets, rounds);
  if (!log_sizes.empty()) checkpoint_growth(*home.svc, parse_sizes(log_sizes));
  return 0;
}
