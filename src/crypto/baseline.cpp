// The benchmarks' OpenSSL floor (coldvault/crypto_baseline.hpp): nothing of coldvault around the call.
#include <openssl/err.h>
#include <openssl/evp.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "coldvault/crypto_baseline.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto {

double ecdsa_p256_verify_rate(int iterations, unsigned threads) {
  if (iterations <= 0) return 0.0;
  if (threads == 0) threads = 1;
  ossl::PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return 0.0;
  unsigned char digest[32] = {1, 2, 3};
  unsigned char sig[128];
  std::size_t sig_len = sizeof sig;
  ossl::PkeyCtxPtr sctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!sctx || EVP_PKEY_sign_init(sctx.get()) != 1 ||
      EVP_PKEY_sign(sctx.get(), sig, &sig_len, digest, sizeof digest) != 1)
    return 0.0;
  std::atomic<bool> failed{false};
  auto loop = [&](int n) {
    ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return failed.store(true);
    for (int i = 0; i < n; ++i)
      if (EVP_PKEY_verify(ctx.get(), sig, sig_len, digest, sizeof digest) != 1) return failed.store(true);
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back(loop, iterations / static_cast<int>(threads));
  loop(iterations - (iterations / static_cast<int>(threads)) * static_cast<int>(threads - 1));
  for (auto& w : workers) w.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ERR_clear_error();
  return failed || secs <= 0 ? 0.0 : iterations / secs;
}

}  // namespace cv::crypto
