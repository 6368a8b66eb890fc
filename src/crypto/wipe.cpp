// secure_wipe is declared in coldvault/wiping_allocator.hpp for everyone, but only this folder may
// touch OpenSSL.
#include <openssl/crypto.h>

#include <atomic>

#include "coldvault/wiping_allocator.hpp"

namespace cv {
namespace {

std::atomic<WipeObserver> g_observer{nullptr};

}  // namespace

void secure_wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

void wipe_before_free(void* p, std::size_t n) noexcept {
  secure_wipe(p, n);
  if (auto observe = g_observer.load(std::memory_order_relaxed)) observe(p, n);
}

void set_wipe_observer(WipeObserver observer) noexcept {
  g_observer.store(observer, std::memory_order_relaxed);
}

}  // namespace cv
