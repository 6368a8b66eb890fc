// The allocator behind SecureBytes, SecureString and SecureJson: every block is wiped
// (OPENSSL_cleanse, in src/crypto/wipe.cpp) before it goes back to the heap.
#pragma once

#include <cstddef>
#include <memory>

namespace cv {

// Overwrites n bytes at p in a way the compiler may not elide (OPENSSL_cleanse).
void secure_wipe(void* p, std::size_t n) noexcept;

// Wipes a block about to be freed, then shows it to the test observer (if one is set).
void wipe_before_free(void* p, std::size_t n) noexcept;

// Test hook: called with every block WipingAllocator frees, after the wipe and before the free, so a
// test can check the bytes are gone. nullptr (the default) turns it off. Set it only while no other
// thread frees wiped memory (tests are single-threaded); it is a process-wide setting.
using WipeObserver = void (*)(const void* p, std::size_t n) noexcept;
void set_wipe_observer(WipeObserver observer) noexcept;

template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    wipe_before_free(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept { return true; }
};

}  // namespace cv
