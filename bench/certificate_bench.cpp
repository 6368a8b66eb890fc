// Certificates per second through coldvault beside the same key work without a certificate, measured in the
// same run on the same token: self-signed create (EC P-256 non-exportable, RSA-2048 exportable) vs Keys::create
// of that key, PFX import vs PEM key import of the same key, and certificate backup/restore (three objects)
// vs key backup/restore (one).
#include <benchmark/benchmark.h>

#include "bench_home.hpp"
#include "coldvault/backup.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/certificates.hpp"
#include "coldvault/x509.hpp"

namespace {

cvbench::BenchHome& home() {
  static cvbench::BenchHome h;
  return h;
}

cv::vault::CreateCertificate policy(const std::string& kty, bool exportable) {
  cv::vault::CreateCertificate c;
  c.policy.subject = "CN=bench.example";
  c.policy.dns_names = {"bench.example"};
  c.policy.kty = kty;
  c.policy.exportable = exportable;
  if (kty == "RSA") c.policy.key_size = 2048;
  else c.policy.crv = "P-256";
  return c;
}

void create_cert(benchmark::State& state, const std::string& kty, bool exportable) {
  auto& h = home();
  cv::vault::Certificates certs(*h.svc, "bench");
  auto c = policy(kty, exportable);
  for (auto _ : state)
    if (!certs.create("c-" + kty, c)) state.SkipWithError("create failed");
  state.SetItemsProcessed(state.iterations());
}

void create_key(benchmark::State& state, const std::string& kty) {
  auto& h = home();
  cv::vault::Keys keys(*h.svc, "bench");
  cv::vault::KeySpec s;
  s.kty = kty;
  if (kty.starts_with("RSA")) s.size = 2048;
  for (auto _ : state)
    if (!keys.create("k-" + kty, s)) state.SkipWithError("create failed");
  state.SetItemsProcessed(state.iterations());
}

void BM_CertCreateSelfSignedEcHsm(benchmark::State& s) { create_cert(s, "EC-HSM", false); }
void BM_KeyCreateEcHsm(benchmark::State& s) { create_key(s, "EC-HSM"); }
void BM_CertCreateSelfSignedRsaExportable(benchmark::State& s) { create_cert(s, "RSA", true); }
void BM_KeyCreateRsa(benchmark::State& s) { create_key(s, "RSA"); }

// One PFX (P-256 key + its self-signed certificate) imported again and again, beside the PEM of the same key
// imported as a plain key.
struct ImportInputs {
  cv::SecureBytes pfx;
  cv::SecureString pem;
};
ImportInputs& inputs() {
  static ImportInputs in = [] {
    auto& h = home();
    auto die = [](const char* what, const cv::Error& e) {
      std::fprintf(stderr, "%s: %s\n", what, e.message.c_str());
      std::exit(1);
    };
    cv::vault::Certificates certs(*h.svc, "bench");
    if (auto r = certs.create("src", policy("EC", true)); !r) die("create", r.error());
    auto secret = cv::vault::Secrets(*h.svc, "bench").get("src", "");
    if (!secret) die("secret", secret.error());
    auto pfx = cv::base64_decode(std::string_view(secret->value->data(), secret->value->size()));
    if (!pfx) die("pfx base64", pfx.error());
    auto parsed = cv::crypto::parse_pkcs12(*pfx, {});
    if (!parsed) die("pfx", parsed.error());
    auto pem = cv::crypto::make_pem_bundle(parsed->key, parsed->certificates);
    if (!pem) die("pem", pem.error());
    return ImportInputs{cv::SecureBytes(pfx->begin(), pfx->end()), *pem};
  }();
  return in;
}

void BM_CertImportPfx(benchmark::State& state) {
  auto& in = inputs();
  cv::vault::Certificates certs(*home().svc, "bench");
  cv::vault::ImportCertificate i;
  i.content = in.pfx;
  for (auto _ : state)
    if (!certs.import("imported", i)) state.SkipWithError("import failed");
  state.SetItemsProcessed(state.iterations());
}

void BM_KeyImportPem(benchmark::State& state) {
  auto& in = inputs();
  cv::vault::Keys keys(*home().svc, "bench");
  cv::vault::KeySpec s;
  s.kty = "EC";
  for (auto _ : state)
    if (!keys.import_pem("imported-key", in.pem, {}, s)) state.SkipWithError("import failed");
  state.SetItemsProcessed(state.iterations());
}

void BM_CertBackup(benchmark::State& state) {
  auto& h = home();
  (void)cv::vault::Certificates(*h.svc, "bench").create("b", policy("EC", true));
  for (auto _ : state)
    if (!cv::backup::backup_certificate(*h.svc, "bench", "b")) state.SkipWithError("backup failed");
  state.SetItemsProcessed(state.iterations());
}

void BM_KeyBackup(benchmark::State& state) {
  auto& h = home();
  cv::vault::KeySpec s;
  s.kty = "EC";
  (void)cv::vault::Keys(*h.svc, "bench").create("kb", s);
  for (auto _ : state)
    if (!cv::backup::backup_key(*h.svc, "bench", "kb")) state.SkipWithError("backup failed");
  state.SetItemsProcessed(state.iterations());
}

template <class Restore, class Remove>
void restore_loop(benchmark::State& state, const cv::Bytes& blob, Restore restore, Remove remove) {
  for (auto _ : state) {
    if (!restore(blob)) state.SkipWithError("restore failed");
    state.PauseTiming();
    remove();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_CertRestore(benchmark::State& state) {
  auto& h = home();
  cv::vault::Certificates certs(*h.svc, "bench");
  (void)certs.create("r", policy("EC", true));
  auto blob = *cv::backup::backup_certificate(*h.svc, "bench", "r");
  auto remove = [&] { (void)certs.remove("r"), (void)certs.purge("r"); };
  remove();
  restore_loop(state, blob, [&](const cv::Bytes& b) { return bool(cv::backup::restore_certificate(*h.svc, "bench", b)); }, remove);
}

void BM_KeyRestore(benchmark::State& state) {
  auto& h = home();
  cv::vault::Keys keys(*h.svc, "bench");
  cv::vault::KeySpec s;
  s.kty = "EC";
  (void)keys.create("kr", s);
  auto blob = *cv::backup::backup_key(*h.svc, "bench", "kr");
  auto remove = [&] { (void)keys.remove("kr"), (void)keys.purge("kr"); };
  remove();
  restore_loop(state, blob, [&](const cv::Bytes& b) { return bool(cv::backup::restore_key(*h.svc, "bench", b)); }, remove);
}

}  // namespace

BENCHMARK(BM_CertCreateSelfSignedEcHsm);
BENCHMARK(BM_KeyCreateEcHsm);
BENCHMARK(BM_CertCreateSelfSignedRsaExportable)->Iterations(40);
BENCHMARK(BM_KeyCreateRsa)->Iterations(40);
BENCHMARK(BM_CertImportPfx);
BENCHMARK(BM_KeyImportPem);
BENCHMARK(BM_CertBackup);
BENCHMARK(BM_KeyBackup);
BENCHMARK(BM_CertRestore);
BENCHMARK(BM_KeyRestore);
BENCHMARK_MAIN();
