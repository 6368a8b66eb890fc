// A bounded pool of objects that are costly to open and may be used by one thread at a time: the
// server's vault::Services (one SQLite connection + one Token session each).
//
// Objects are opened lazily, at most `max` exist at once, and a borrower that saw the object fail
// for good (the HSM went away) discards it instead of returning it; the next borrower opens a fresh
// one, so the server heals when the HSM returns. discard_idle() drops every idle object too,
// because a broken module breaks them all at once and each would otherwise fail one request before
// being dropped.
//
// Retiring (docs/adr/0022-module-recycling.md): an optional `retire` predicate is asked about every
// object given back. When it says yes, the pool drains: idle objects are closed at once, busy ones
// as they come back, and acquire() waits until none is left before opening new ones. So the
// objects' shared PKCS#11 module loses every user the pool gave it, and is finalised before a fresh
// one is opened. An object is counted as live until it is destroyed, so "none left" means none
// exists.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
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
  // Called outside the pool's lock, by the thread giving the object back; must be thread-safe.
  using Retire = std::function<bool(T&)>;

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

  Pool(Factory f, std::size_t max, std::chrono::milliseconds wait = std::chrono::seconds(30),
       Retire retire = {})
      : factory_(std::move(f)), max_(max ? max : 1), wait_(wait), retire_(std::move(retire)) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle object, else a newly opened one while fewer than max exist, else waits up to `wait`
  // (also while the pool drains). The factory's error when opening fails; HsmUnavailable ("busy")
  // when the wait runs out.
  Result<Lease> acquire() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait_, [&] { return !draining_ && (!idle_.empty() || live_ < max_); }))
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
    }
    closed(std::move(drop));
  }

  std::size_t live() {
    std::lock_guard lock(mu_);
    return live_;
  }
  // How many times the retire predicate started a drain (for tests and the log).
  std::uint64_t drains() {
    std::lock_guard lock(mu_);
    return drains_;
  }

 private:
  void give_back(std::unique_ptr<T> obj, bool discard) {
    const bool retire = !discard && obj && retire_ && retire_(*obj);
    std::vector<std::unique_ptr<T>> drop;
    {
      std::lock_guard lock(mu_);
      if (retire && !draining_) {
        draining_ = true;
        ++drains_;
        drop.swap(idle_);
      }
      if (!discard && obj && !draining_) {
        idle_.push_back(std::move(obj));
        cv_.notify_one();
        return;
      }
    }
    obj.reset();  // closed here, outside the lock; a null obj was counted as live all the same
    closed(std::move(drop), 1);
  }

  // Closes objects outside the lock (closing may be slow: sessions, C_Finalize), and only then
  // stops counting them (and `already` more, closed by the caller), so a drain ends when they are
  // really gone. Allocates nothing: it runs in Lease's destructor.
  void closed(std::vector<std::unique_ptr<T>> objs, std::size_t already = 0) {
    std::size_t n = objs.size() + already;
    objs.clear();
    {
      std::lock_guard lock(mu_);
      live_ -= n;
      if (live_ == 0) draining_ = false;
    }
    cv_.notify_all();
  }

  Factory factory_;
  std::size_t max_;
  std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  Retire retire_;
  std::vector<std::unique_ptr<T>> idle_;
  std::size_t live_ = 0;
  bool draining_ = false;
  std::uint64_t drains_ = 0;
};

}  // namespace cv::server
