// Whole-vault bundles (issue 14, docs/bundle-format.md): bundle::backup_vault and restore_vault rates, peak
// RSS, selective restore and per-key cost, each printed beside a baseline measured in the same run on the same
// token (docs/performance.md, "Vault bundles"):
//   1. a vault of 10,000 secrets x 2 versions of 4 KiB: backup and restore in versions/s beside the token's
//      raw AES-GCM over the same bytes in 64 KiB chunks, the raw 4 KiB per-version GCM the secrets need,
//      SQLite's online backup of the same catalogue (store::backup_file) and, for restore, the same rows
//      written by store::Catalog alone (the storage floor);
//   2. peak RSS of a backup and of a restore at each --sizes count of versions, each in a fresh process;
//   3. selective restore of one secret and one key from the largest bundle: wall time and bytes read;
//   4. 200 RSA-2048 and 200 EC P-256 keys: backup and restore ms per key beside raw unwrap+wrap of one key.
// Every piece of work runs in a forked child (the parent never loads the token or SQLite), so each child is a
// fresh process whose RSS is its own. Population is not timed.
//   bundle_bench [--sizes 1000,10000,100000] [--quick] [--secrets 10000] [--keys 200] [--only rates|rss|keys]
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "coldvault/bundle.hpp"
#include "coldvault/catalog_copy.hpp"
#include "coldvault/heap_tuning.hpp"
#include "coldvault/hsm_baseline.hpp"
#include "coldvault/keys.hpp"
#include "coldvault/secrets.hpp"
#include "coldvault/vault.hpp"
#include "vault/key_material.hpp"

namespace {

namespace fs = std::filesystem;
using cv::store::ObjType;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kValueBytes = 4096;
constexpr std::size_t kChunk = 65536;  // the bundle's chunk size (format v1)

[[noreturn]] void die(const std::string& what, const cv::Error& e) {
  std::fprintf(stderr, "bundle_bench: %s: %s\n", what.c_str(), e.message.c_str());
  std::fflush(stdout);
  _exit(1);
}
template <class T>
T must(cv::Result<T> r, const std::string& what) {
  if (!r) die(what, r.error());
  return std::move(*r);
}
void must(cv::Result<void> r, const std::string& what) {
  if (!r) die(what, r.error());
}

template <class F>
double seconds(F&& f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs f in a forked child and waits; false (after saying so) when the child failed.
template <class F>
bool in_child(const char* what, F&& f) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    f();
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  std::fprintf(stderr, "bundle_bench: %s failed (status %d)\n", what, status);
  return false;
}

// ---- the homes -------------------------------------------------------------------------------------------

fs::path g_dir;  // removed at exit

cv::vault::HomeOptions home_opts(const std::string& name) {
  cv::vault::HomeOptions o;
  o.home = (g_dir / name).string();
  return o;
}

bool make_home(const std::string& name) {
  return in_child("init", [&] { must(cv::vault::init(home_opts(name), {"seed", 90, false}), "init " + name); });
}

cv::vault::Service open_home(const std::string& name) {
  return must(cv::vault::Service::open(home_opts(name)), "open " + name);
}

std::string hex_id(std::mt19937_64& rng) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

// `secrets` secrets of `versions` versions each, random 4 KiB printable values sealed in the token exactly as
// Secrets::set seals them, inserted a few thousand objects per catalogue transaction.
void add_secrets(cv::vault::Service& svc, const std::string& vault, int secrets, int versions, std::uint64_t seed) {
  auto& t = svc.token();
  const auto* vk = must(svc.vault(vault), "vault " + vault);
  std::mt19937_64 rng(seed);
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  cv::SecureBytes value(kValueBytes);
  auto now = cv::vault::Service::now();
  std::optional<cv::store::Catalog::Batch> batch;
  for (int i = 0; i < secrets; ++i) {
    if (!batch) batch.emplace(must(svc.catalog().begin_batch(), "begin batch"));
    char name[32];
    std::snprintf(name, sizeof name, "s%06d", i);
    std::vector<cv::store::VersionRow> rows(static_cast<std::size_t>(versions));
    for (auto& r : rows) {
      r.version = hex_id(rng);
      r.created = r.updated = now;
      r.iv.resize(12);
      for (auto& b : r.iv) b = static_cast<std::uint8_t>(rng());
      for (auto& b : value) b = static_cast<std::uint8_t>(alphabet[rng() & 63]);
      r.ciphertext = must(t.gcm_encrypt(vk->master, r.iv,
                                        cv::as_bytes(cv::vault::secret_aad(vk->row.name, name, r.version)), value),
                          "seal");
    }
    cv::store::ObjectRow obj{name, rows.back().version, {}, {}};
    must(svc.catalog().insert_object(vault, ObjType::Secret, obj, rows), "insert");
    if ((i + 1) % 4000 == 0) {
      must(batch->commit(), "commit");
      batch.reset();
    }
  }
  if (batch) must(batch->commit(), "commit");
}

// ---- /proc/self/status -----------------------------------------------------------------------------------

double status_mib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  std::size_t n = std::strlen(field);
  while (std::getline(in, line))
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':')
      return std::strtod(line.c_str() + n + 1, nullptr) / 1024.0;
  return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so the high-water mark read later is the operation's.
bool reset_peak() {
  int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, "5", 1) == 1;
  close(fd);
  return ok;
}

// ---- 1. rates --------------------------------------------------------------------------------------------

// What the catalogue alone costs a restore: the bench vault's rows, read from the copy `db` into memory,
// then written into a new vault of that copy by store::Catalog::insert_object in one transaction (the same
// schema, pragmas, savepoints and commit with its WAL checkpoint as restore_vault, without the token or the
// bundle). Only the writing is timed.
double storage_floor(const std::string& db, const cv::store::VaultRow& source) {
  auto cat = must(cv::store::Catalog::open(db), "open the catalogue copy");
  std::vector<cv::store::ScannedObject> objects;
  must(cat.scan_vault(source.name, [](const cv::store::VaultCounts&) -> cv::Result<void> { return {}; },
                      [&](cv::store::ScannedObject& o) -> cv::Result<void> {
                        objects.push_back(std::move(o));
                        return {};
                      }),
       "scan the catalogue copy");
  cv::store::VaultRow floor = source;
  floor.name = "floor";
  floor.base_url = "https://floor.vault.localhost";
  must(cat.add_vault(floor), "add the floor vault");
  return seconds([&] {
    auto batch = must(cat.begin_batch(), "begin");
    for (const auto& o : objects) must(cat.insert_object("floor", o.type, o.object, o.versions), "insert");
    must(batch.commit(), "commit");
  });
}

void rates(int secrets) {
  std::printf("\n## 1. %d secrets x 2 versions, 4 KiB values (home 'rates')\n", secrets);
  if (!make_home("rates")) return;
  in_child("populate", [&] {
    auto svc = open_home("rates");
    must(svc.create_vault({"bench", 90, false}), "create vault");
    double s = seconds([&] { add_secrets(svc, "bench", secrets, 2, 1); });
    std::printf("populated in %.1f s (not measured)\n", s);
  });
  in_child("rates", [&] {
    auto svc = open_home("rates");
    auto& t = svc.token();
    const auto* vk = must(svc.vault("bench"), "vault");
    std::string file = (g_dir / "rates.cvb").string();
    cv::bundle::BackupReport b;
    double tb = seconds([&] { b = must(cv::bundle::backup_vault(svc, "bench", file), "backup"); });
    double versions = static_cast<double>(b.counts.versions);
    int chunks = static_cast<int>((b.bytes + kChunk - 1) / kChunk);
    double enc64 = cv::hsm::raw_gcm_encrypt_rate(t, vk->master, kChunk, chunks);
    double dec4 = cv::hsm::raw_gcm_decrypt_rate(t, vk->master, kValueBytes, static_cast<int>(versions));
    std::string copy = (g_dir / "rates-copy.db").string();
    double tc = seconds([&] { must(cv::store::backup_file(cv::vault::catalog_path(svc.home()), copy), "sqlite copy"); });
    double copy_mib = static_cast<double>(fs::file_size(copy)) / 1048576.0;

    cv::bundle::RestoreReport r;
    double tr = seconds([&] { r = must(cv::bundle::restore_vault(svc, "restored", file), "restore"); });
    double tf = storage_floor(copy, vk->row);
    double dec64 = cv::hsm::raw_gcm_decrypt_rate(t, vk->master, kChunk, chunks);
    double enc4 = cv::hsm::raw_gcm_encrypt_rate(t, vk->master, kValueBytes, static_cast<int>(versions));
    // The same 4 KiB loops with a session AES key: SoftHSM re-reads a token object's file on every
    // C_*Init (the master key is one), a session object it does not. What a session copy would give.
    cv::hsm::KeyUsage u;
    u.encrypt = u.decrypt = true;
    auto session_key = must(t.generate_secret_key(cv::hsm::KeyType::Aes, 256, u), "session key");
    double sdec4 = cv::hsm::raw_gcm_decrypt_rate(t, session_key, kValueBytes, static_cast<int>(versions));
    double senc4 = cv::hsm::raw_gcm_encrypt_rate(t, session_key, kValueBytes, static_cast<int>(versions));
    (void)t.destroy(session_key);
    if (enc64 <= 0 || dec64 <= 0 || dec4 <= 0 || enc4 <= 0 || sdec4 <= 0 || senc4 <= 0)
      die("raw loops", {cv::Errc::HsmFailure, "failed", {}, {}, {}});

    double mib = static_cast<double>(b.bytes) / 1048576.0;
    std::printf("bundle: %.0f versions, %llu objects, %.1f MiB, %llu chunks\n", versions,
                static_cast<unsigned long long>(b.counts.objects()), mib, static_cast<unsigned long long>(b.chunks));
    std::printf("| operation | seconds | versions/s | MiB/s |\n|---|---|---|---|\n");
    auto row = [&](const char* what, double s) {
      std::printf("| %s | %.2f | %.0f | %.0f |\n", what, s, versions / s, mib / s);
    };
    row("backup_vault (target >= 20,000 versions/s)", tb);
    row("  baseline: raw C_Encrypt AES-GCM, same bytes in 64 KiB calls", chunks / enc64);
    row("  baseline: raw C_Decrypt AES-GCM of each 4 KiB value (the per-version token call)", versions / dec4);
    row("  for comparison: the same 4 KiB C_Decrypt loop with a session AES key", versions / sdec4);
    row("  baseline: SQLite online backup of the catalogue (store::backup_file)", tc);
    row("restore_vault into a new vault (target >= 20,000 versions/s)", tr);
    row("  baseline: raw C_Decrypt AES-GCM, same bytes in 64 KiB calls", chunks / dec64);
    row("  baseline: raw C_Encrypt AES-GCM of each 4 KiB value (the per-version token call)", versions / enc4);
    row("  for comparison: the same 4 KiB C_Encrypt loop with a session AES key", versions / senc4);
    row("  baseline: SQLite online backup of the catalogue (as above)", tc);
    row("  floor: the same rows into a new vault by store::Catalog, one transaction, no token", tf);
    std::printf("catalogue copy: %.1f MiB; restore read %llu of %llu bytes\n", copy_mib,
                static_cast<unsigned long long>(r.bytes_read), static_cast<unsigned long long>(r.file_bytes));
  });
}

// ---- 2. peak RSS and 3. selective restore ------------------------------------------------------------------

void rss(const std::vector<long>& sizes) {
  std::printf("\n## 2. peak RSS, each operation in a fresh process (home 'rss'); N/2 secrets x 2 + one EC key\n");
  if (!make_home("rss")) return;
  std::printf("| versions | operation | seconds | versions/s | baseline RSS MiB | peak RSS MiB | peak - baseline |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (long n : sizes) {
    std::string v = "v" + std::to_string(n), file = (g_dir / (v + ".cvb")).string();
    in_child("populate", [&] {
      auto svc = open_home("rss");
      must(svc.create_vault({v, 90, false}), "create vault");
      add_secrets(svc, v, static_cast<int>(n / 2), 2, static_cast<std::uint64_t>(n));
      cv::vault::Keys k(svc, v);
      must(k.create("k0", {"EC", {}, std::string("P-256"), {}, {}, {}, false}), "key");
    });
    for (bool backup : {true, false}) {
      in_child("rss", [&] {
        auto svc = open_home("rss");
        must(svc.vault(v), "vault");  // the vault's handles found, as any request would have them
        bool reset = reset_peak();
        double base = status_mib(reset ? "VmRSS" : "VmHWM");
        std::int64_t versions = 0;
        double s = seconds([&] {
          versions = backup ? must(cv::bundle::backup_vault(svc, v, file), "backup").counts.versions
                            : must(cv::bundle::restore_vault(svc, "r" + std::to_string(n), file), "restore").counts.versions;
        });
        double peak = status_mib("VmHWM");
        std::printf("| %lld | %s | %.2f | %.0f | %.1f | %.1f | %.1f |\n", static_cast<long long>(versions),
                    backup ? "backup" : "restore", s, static_cast<double>(versions) / s, base, peak, peak - base);
      });
    }
  }
  long n = sizes.back();
  std::string file = (g_dir / ("v" + std::to_string(n) + ".cvb")).string();
  std::error_code ec;
  std::printf("\n## 3. selective restore from the %ld-version bundle (%.1f MiB) into an empty vault\n", n,
              static_cast<double>(fs::file_size(file, ec)) / 1048576.0);
  if (ec) return;
  in_child("selective", [&] {
    auto svc = open_home("rss");
    // Each object twice, into two empty vaults: the first restore of the process also finds the domain key
    // and reads the signer registry; the second shows the steady cost.
    std::printf("| object | run | wall ms (target < 200) | bytes read | file bytes | read / file (target < 1%%) |\n");
    std::printf("|---|---|---|---|---|---|\n");
    char mid[32];
    std::snprintf(mid, sizeof mid, "s%06ld", n / 4);
    for (bool key : {false, true}) {
      for (int run = 1; run <= 2; ++run) {
        std::string target = std::string(key ? "selkey" : "selsecret") + std::to_string(run);
        must(svc.create_vault({target, 90, false}), "target vault");  // vault creation is not timed
        cv::bundle::Selection sel;
        (key ? sel.key : sel.secret) = key ? std::string("k0") : std::string(mid);
        cv::bundle::RestoreReport r;
        double s = seconds([&] { r = must(cv::bundle::restore_vault(svc, target, file, sel), "selective restore"); });
        std::printf("| %s %s | %d | %.1f | %llu | %llu | %.3f%% |\n", key ? "key" : "secret", key ? "k0" : mid, run,
                    s * 1000, static_cast<unsigned long long>(r.bytes_read),
                    static_cast<unsigned long long>(r.file_bytes),
                    100.0 * static_cast<double>(r.bytes_read) / static_cast<double>(r.file_bytes));
      }
    }
  });
}

// ---- 4. keys ---------------------------------------------------------------------------------------------

// Raw token cost of one key through a bundle: C_UnwrapKey from the vault master key, C_WrapKey under another
// AES key (both CKM_AES_KEY_WRAP_PAD), destroy; ms per key over `n` rounds.
double raw_unwrap_wrap_ms(cv::vault::Service& svc, const cv::vault::VaultKeys& vk, const cv::store::VersionRow& row,
                          int n) {
  auto& t = svc.token();
  cv::hsm::KeyUsage u;
  u.wrap = u.unwrap = true;
  auto kwp = must(t.generate_secret_key(cv::hsm::KeyType::Aes, 256, u), "kwp");
  double s = seconds([&] {
    for (int i = 0; i < n; ++i) {
      auto h = must(t.unwrap(cv::hsm::Mech::AesKeyWrapPad, vk.master, row.ciphertext, cv::vault::key_type_of(row),
                             cv::vault::key_usage_of(row, true)),
                    "raw unwrap");
      must(t.wrap(cv::hsm::Mech::AesKeyWrapPad, kwp, h), "raw wrap");
      must(t.destroy(h), "destroy");
    }
  });
  (void)t.destroy(kwp);
  return 1000 * s / n;
}

void keys(int n) {
  std::printf("\n## 4. keys: %d RSA-2048 and %d EC P-256, 1 version each (home 'keys')\n", n, n);
  if (!make_home("keys")) return;
  in_child("populate keys", [&] {
    auto svc = open_home("keys");
    must(svc.create_vault({"rsakeys", 90, false}), "vault");
    must(svc.create_vault({"eckeys", 90, false}), "vault");
    cv::vault::Keys rsa(svc, "rsakeys"), ec(svc, "eckeys");
    // RSA-2048 generation in SoftHSM is ~0.3 s a key: one key generated, its wrapped row stored under n names
    // (as key_bench does). A bundle unwraps and re-wraps each row on its own, so the cost per key is the same.
    must(rsa.create("k0", {"RSA", 2048u, {}, {}, {}, {}, false}), "rsa key");
    auto seed = must(svc.catalog().version("rsakeys", ObjType::Key, "k0", ""), "row");
    for (int i = 1; i < n; ++i) {
      seed.version = must(svc.new_version_id(), "id");
      must(svc.catalog().add_version("rsakeys", ObjType::Key, "k" + std::to_string(i), seed), "add");
    }
    for (int i = 0; i < n; ++i) must(ec.create("k" + std::to_string(i), {"EC", {}, std::string("P-256"), {}, {}, {}, false}), "ec key");
  });
  in_child("keys", [&] {
    auto svc = open_home("keys");
    std::printf("| keys | backup ms/key | restore ms/key | baseline: raw unwrap+wrap ms/key |\n|---|---|---|---|\n");
    for (const char* v : {"rsakeys", "eckeys"}) {
      std::string file = (g_dir / (std::string(v) + ".cvb")).string();
      double tb = seconds([&] { must(cv::bundle::backup_vault(svc, v, file), "backup"); });
      // Into an empty vault made beforehand: its master and signing keys (~0.1 s) are not a per-key cost.
      must(svc.create_vault({std::string("r") + v, 90, false}), "target vault");
      double tr = seconds([&] { must(cv::bundle::restore_vault(svc, std::string("r") + v, file), "restore"); });
      const auto* vk = must(svc.vault(v), "vault");
      auto row = must(svc.catalog().version(v, ObjType::Key, "k0", ""), "row");
      double raw = raw_unwrap_wrap_ms(svc, *vk, row, n);
      std::printf("| %d %s | %.2f | %.2f | %.2f |\n", n, v[0] == 'r' ? "RSA-2048" : "EC P-256", 1000 * tb / n,
                  1000 * tr / n, raw);
    }
  });
}

std::vector<long> parse_sizes(const std::string& s) {
  std::vector<long> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find(',', pos);
    if (end == std::string::npos) end = s.size();
    long v = std::strtol(s.substr(pos, end - pos).c_str(), nullptr, 10);
    if (v < 2) {
      std::fprintf(stderr, "bundle_bench: --sizes wants counts >= 2, comma-separated\n");
      std::exit(2);
    }
    out.push_back(v);
    pos = end + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  cv::tune_heap();  // as the coldvault CLI does (src/cli/main.cpp)
  std::vector<long> sizes = {1000, 10000, 100000};
  int secrets = 10000, nkeys = 200;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      sizes = {1000, 10000};
    } else if (a == "--sizes" && i + 1 < argc) {
      sizes = parse_sizes(argv[++i]);
    } else if (a == "--secrets" && i + 1 < argc) {
      secrets = std::atoi(argv[++i]);
    } else if (a == "--keys" && i + 1 < argc) {
      nkeys = std::atoi(argv[++i]);
    } else if (a == "--only" && i + 1 < argc && (std::string(argv[i + 1]) == "rates" ||
                                                  std::string(argv[i + 1]) == "rss" || std::string(argv[i + 1]) == "keys")) {
      only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: bundle_bench [--sizes 1000,10000,100000] [--quick] [--secrets N] [--keys N] [--only rates|rss|keys]\n");
      return 2;
    }
  }
  if (sizes.empty() || secrets < 1 || nkeys < 1) return 2;
  char tmpl[] = "/tmp/cv-bundle-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  g_dir = tmpl;
  unsetenv("COLDVAULT_PIN");
  std::printf("# bundle_bench (RelWithDebInfo expected), work folder %s\n", g_dir.c_str());
  if (only.empty() || only == "rates") rates(secrets);
  if (only.empty() || only == "rss") rss(sizes);
  if (only.empty() || only == "keys") keys(nkeys);
  std::error_code ec;
  fs::remove_all(g_dir, ec);
  return 0;
}
