// Key operations through coldvault (catalogue lookup, key_ops checks, cached session object, token call)
// beside the raw PKCS#11 loop of the same operation on the same token and key object, in the same run;
// and the per-operation cost in a vault of 10 keys vs one of 10,000. items_per_second is the figure;
// compare rows of one run only (docs/performance.md, "Keys").
#include <benchmark/benchmark.h>

#include <cstdio>
#include <optional>
#include <string>

#include "bench_home.hpp"
#include "coldvault/hsm_baseline.hpp"
#include "coldvault/keys.hpp"
#include "vault/integrity.hpp"
#include "vault/key_cache.hpp"
#include "vault/key_material.hpp"

namespace {

using cv::vault::Keys;
constexpr int kBatch = 20;

// Key 0: RSA-2048, 1: RSA-3072, 2: EC P-256.
const char* kNames[] = {"rsa2048", "rsa3072", "ecp256"};
const char* kSignAlg[] = {"PS256", "PS256", "ES256"};

struct State {
  cvbench::BenchHome home;
  cv::Bytes digest = cv::Bytes(32, 0x5A);
  cv::Bytes wrapped_cek[2];  // RSA-OAEP wraps of a 32-byte key, per RSA key
  int big = 0;               // keys in the "cat10000" vault

  State() : home("bench") {
    Keys k(*home.svc, "bench");
    auto ok = [](auto r, const char* what) {
      if (!r) {
        std::fprintf(stderr, "setup %s: %s\n", what, r.error().message.c_str());
        std::exit(1);
      }
      return std::move(*r);
    };
    ok(k.create(kNames[0], {"RSA", 2048u, {}, {}, {}, {}, false}), "rsa2048");
    ok(k.create(kNames[1], {"RSA", 3072u, {}, {}, {}, {}, false}), "rsa3072");
    ok(k.create(kNames[2], {"EC", {}, std::string("P-256"), {}, {}, {}, false}), "ecp256");
    for (int i = 0; i < 2; ++i) {
      auto w = ok(k.wrap(kNames[i], "", "RSA-OAEP", cv::Bytes(32, 0x42)), "wrap");
      wrapped_cek[i] = cv::Bytes(w.value.begin(), w.value.end());
    }
  }

  cv::hsm::Handle handle(int i) {
    auto vk = *home.svc->vault("bench");
    auto row = *home.svc->catalog().version("bench", cv::store::ObjType::Key, kNames[i], "");
    return *cv::vault::cached_key(*home.svc, *vk, kNames[i], row);
  }
};

State& state() {
  static State s;
  return s;
}

// A vault of n keys made cheaply: one EC key generated, its wrapped bytes stored under n names.
void fill_vault(const std::string& vault, int n) {
  auto& s = state();
  auto& svc = *s.home.svc;
  if (svc.catalog().vault(vault)) return;
  if (!svc.create_vault({vault, 90, false})) std::exit(1);
  Keys k(svc, vault);
  if (!k.create("k0", {"EC", {}, std::string("P-256"), {}, {}, {}, false})) std::exit(1);
  auto seed = *svc.catalog().version(vault, cv::store::ObjType::Key, "k0", "");
  for (int i = 1; i < n; ++i) {
    seed.version = *svc.new_version_id();
    if (!svc.catalog().add_version(vault, cv::store::ObjType::Key, "k" + std::to_string(i), seed)) std::exit(1);
  }
}

cv::hsm::Mech sign_mech(int i) { return i == 2 ? cv::hsm::Mech::Ecdsa : cv::hsm::Mech::RsaPss; }

void BM_ColdvaultSign(benchmark::State& st) {
  auto& s = state();
  Keys k(*s.home.svc, "bench");
  int i = static_cast<int>(st.range(0));
  for (auto _ : st)
    if (!k.sign(kNames[i], "", kSignAlg[i], s.digest)) st.SkipWithError("sign failed");
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(std::string(kNames[i]) + " " + kSignAlg[i]);
}

void BM_RawPkcs11Sign(benchmark::State& st) {
  auto& s = state();
  int i = static_cast<int>(st.range(0));
  auto h = s.handle(i);
  for (auto _ : st)
    if (cv::hsm::raw_sign_rate(s.home.svc->token(), sign_mech(i), h, 32, kBatch) <= 0) st.SkipWithError("raw");
  st.SetItemsProcessed(st.iterations() * kBatch);
  st.SetLabel(std::string(kNames[i]) + (i == 2 ? " CKM_ECDSA" : " CKM_RSA_PKCS_PSS"));
}

// The same call through the PKCS#11 adapter (hsm::Token::sign) alone: separates the adapter's cost
// (session lease, Result, two-call sizing) from the vault layer's (catalogue lookup, checks).
void BM_AdapterSign(benchmark::State& st) {
  auto& s = state();
  int i = static_cast<int>(st.range(0));
  auto h = s.handle(i);
  for (auto _ : st)
    if (!s.home.svc->token().sign(sign_mech(i), h, s.digest)) st.SkipWithError("sign failed");
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(kNames[i]);
}

// Key Vault's unwrapKey with RSA-OAEP: C_Decrypt (CKM_RSA_PKCS_OAEP) in the token.
void BM_ColdvaultUnwrapKey(benchmark::State& st) {
  auto& s = state();
  Keys k(*s.home.svc, "bench");
  int i = static_cast<int>(st.range(0));
  for (auto _ : st)
    if (!k.unwrap(kNames[i], "", "RSA-OAEP", s.wrapped_cek[i])) st.SkipWithError("unwrap failed");
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(std::string(kNames[i]) + " RSA-OAEP");
}

void BM_RawPkcs11Decrypt(benchmark::State& st) {
  auto& s = state();
  int i = static_cast<int>(st.range(0));
  auto h = s.handle(i);
  for (auto _ : st)
    if (cv::hsm::raw_decrypt_rate(s.home.svc->token(), cv::hsm::Mech::RsaOaepSha1, h, s.wrapped_cek[i], kBatch) <= 0)
      st.SkipWithError("raw");
  st.SetItemsProcessed(st.iterations() * kBatch);
  st.SetLabel(std::string(kNames[i]) + " CKM_RSA_PKCS_OAEP");
}

// A cache miss: the stored material unwrapped under the vault master key (AES-KWP) into a session
// object, then destroyed.
void BM_ColdvaultMaterialUnwrap(benchmark::State& st) {
  auto& s = state();
  auto& svc = *s.home.svc;
  int i = static_cast<int>(st.range(0));
  auto vk = *svc.vault("bench");
  auto row = *svc.catalog().version("bench", cv::store::ObjType::Key, kNames[i], "");
  for (auto _ : st) {
    auto h = cv::vault::unwrap_stored_key(svc, *vk, row, false);
    if (!h || !svc.token().destroy(*h)) st.SkipWithError("unwrap failed");
  }
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(kNames[i]);
}

void BM_RawPkcs11MaterialUnwrap(benchmark::State& st) {
  auto& s = state();
  auto& svc = *s.home.svc;
  int i = static_cast<int>(st.range(0));
  auto vk = *svc.vault("bench");
  auto row = *svc.catalog().version("bench", cv::store::ObjType::Key, kNames[i], "");
  for (auto _ : st)
    if (cv::hsm::raw_unwrap_rate(svc.token(), cv::hsm::Mech::AesKeyWrapPad, vk->master, row.ciphertext,
                                 cv::vault::key_type_of(row), kBatch) <= 0)
      st.SkipWithError("raw");
  st.SetItemsProcessed(st.iterations() * kBatch);
  st.SetLabel(std::string(kNames[i]) + " CKM_AES_KEY_WRAP_PAD");
}

std::string vault_of(int n) { return "cat" + std::to_string(n); }

// One hot key (cached session object) in a vault of n keys.
void BM_CatalogHotSign(benchmark::State& st) {
  int n = static_cast<int>(st.range(0));
  fill_vault(vault_of(n), n);
  Keys k(*state().home.svc, vault_of(n));
  for (auto _ : st)
    if (!k.sign("k" + std::to_string(n / 2), "", "ES256", state().digest)) st.SkipWithError("sign failed");
  st.SetItemsProcessed(st.iterations());
}

// Every operation on another key with the cache emptied first: lookup + unwrap + sign.
void BM_CatalogColdSign(benchmark::State& st) {
  int n = static_cast<int>(st.range(0));
  fill_vault(vault_of(n), n);
  auto& svc = *state().home.svc;
  Keys k(svc, vault_of(n));
  int next = 0;
  for (auto _ : st) {
    svc.key_cache().clear();
    if (!k.sign("k" + std::to_string(next), "", "ES256", state().digest)) st.SkipWithError("sign failed");
    next = (next + 997) % n;
  }
  st.SetItemsProcessed(st.iterations());
}

}  // namespace

// Reading a key row from the catalogue with its token authenticator checked, beside the same read with the
// row guard switched off, in the same run (docs/architecture.md "Integrity of catalogue rows"):
// arg 0 unchecked baseline; arg 1 checked in steady state (bytes verified before: one SHA-256);
// arg 2 checked cold (a fresh guard every read: one AES-GCM in the token each time).
void BM_KeyRowRead(benchmark::State& st) {
  auto& s = state();
  auto& svc = *s.home.svc;
  auto guard = svc.integrity();
  if (!guard) st.SkipWithError("no integrity key");
  if (st.range(0) == 0) svc.catalog().set_row_guard(nullptr);
  for (auto _ : st) {
    std::optional<cv::vault::Integrity> fresh;
    if (st.range(0) == 2) svc.catalog().set_row_guard(&fresh.emplace(svc.token(), (*guard)->key()));
    if (!svc.catalog().version("bench", cv::store::ObjType::Key, kNames[2], "")) st.SkipWithError("read");
  }
  svc.catalog().set_row_guard(*guard);
  st.SetItemsProcessed(st.iterations());
  const char* labels[] = {"unchecked baseline", "checked, verified before (SHA-256)", "checked cold (token GCM)"};
  st.SetLabel(labels[st.range(0)]);
}

BENCHMARK(BM_KeyRowRead)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_ColdvaultSign)->DenseRange(0, 2);
BENCHMARK(BM_AdapterSign)->DenseRange(0, 2);
BENCHMARK(BM_RawPkcs11Sign)->DenseRange(0, 2);
BENCHMARK(BM_ColdvaultUnwrapKey)->DenseRange(0, 1);
BENCHMARK(BM_RawPkcs11Decrypt)->DenseRange(0, 1);
BENCHMARK(BM_ColdvaultMaterialUnwrap)->DenseRange(0, 2);
BENCHMARK(BM_RawPkcs11MaterialUnwrap)->DenseRange(0, 2);
BENCHMARK(BM_CatalogHotSign)->Arg(10)->Arg(10000);
BENCHMARK(BM_CatalogColdSign)->Arg(10)->Arg(10000);
BENCHMARK_MAIN();
