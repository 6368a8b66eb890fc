// A bounded pool of objects that are costly to open and may be used by one thread at a time: the
// server's vault::Services (one SQLite connection + one Token session each).
//
// Objects are opened lazily, at most `max` exist at once, and a borrower that saw the object fail
// for good (the HSM went away) discards it instead of returning it; the next borrower opens a fresh
// one, so the server heals when the HSM returns. discard_idle() drops every idle object too,
// because a broken module breaks them all at once and each would otherwise fail one request before
// being dropped.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "coldvault/error.hpp"

namespace cv::server {

template <class T>
class Pool {
 public:
  using Factory = std::function<Result<T>()>;

  class Lease {
   public:
    Lease(Pool* p, std::unique_ptr<T> obj) : pool_(p), obj_(std::move(obj)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), obj_(std::move(o.obj_)), discard_(o.discard_) {
      o.pool_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_) pool_->give_back(std::move(obj_), discard_);
    }
    T& operator*() { return *obj_; }
    T* operator->() { return obj_.get(); }
    // The object is broken: close it instead of returning it.
    void discard() { discard_ = true; }

   private:
    Pool* pool_;
    std::unique_ptr<T> obj_;
    bool discard_ = false;
  };

  Pool(Factory f, std::size_t max, std::chrono::milliseconds wait = std::chrono::seconds(30))
      : factory_(std::move(f)), max_(max ? max : 1), wait_(wait) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle object, else a newly opened one while fewer than max exist, else waits up to `wait`.
  // The factory's error when opening fails; HsmUnavailable ("busy") when the wait runs out.
  Result<Lease> acquire() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait_, [&] { return !idle_.empty() || live_ < max_; }))
      return fail(Errc::HsmUnavailable, "all vault workers stayed busy");
    if (!idle_.empty()) {
      auto obj = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(obj));
    }
    ++live_;
    lock.unlock();
    // Opening can take long (module load, login): never under the lock.
    auto made = factory_();
    if (!made) {
      lock.lock();
      --live_;
      cv_.notify_one();
      return std::unexpected(made.error());
    }
    return Lease(this, std::make_unique<T>(std::move(*made)));
  }

  void discard_idle() {
    std::vector<std::unique_ptr<T>> drop;
    {
      std::lock_guard lock(mu_);
      drop.swap(idle_);
      live_ -= drop.size();
    }
    cv_.notify_all();
  }

  std::size_t live() {
    std::lock_guard lock(mu_);
    return live_;
  }

 private:
  void give_back(std::unique_ptr<T> obj, bool discard) {
    {
      std::lock_guard lock(mu_);
      if (discard || !obj) {
        --live_;
      } else {
        idle_.push_back(std::move(obj));
        obj = nullptr;
      }
    }
    cv_.notify_one();
    // A discarded object is closed here, outside the lock.
  }

  Factory factory_;
  std::size_t max_;
  std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<T>> idle_;
  std::size_t live_ = 0;
};

}  // namespace cv::server
