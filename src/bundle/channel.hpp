// A bounded hand-over between the two threads of a bundle operation: one makes records (token work per
// version), the other seals chunks or writes rows. Both cores of a small machine work at once, and memory stays
// bounded by the channel's capacity. Private to src/bundle.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace cv::bundle {

template <class T>
class Channel {
 public:
  explicit Channel(std::size_t capacity) : cap_(capacity) {}

  // Waits for room; false once the receiver gave up (cancel), so the sender stops making work.
  bool push(T v) {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return q_.size() < cap_ || cancelled_; });
    if (cancelled_) return false;
    q_.push_back(std::move(v));
    ready_.notify_one();
    return true;
  }
  // Waits for an item; nullopt once the sender closed the channel and it is empty, or it was cancelled.
  std::optional<T> pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return !q_.empty() || closed_ || cancelled_; });
    if (cancelled_ || q_.empty()) return std::nullopt;
    T v = std::move(q_.front());
    q_.pop_front();
    room_.notify_one();
    return v;
  }
  // The sender is done (whether it succeeded or not).
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    ready_.notify_all();
  }
  // Either side gives up: pending items are dropped, both sides return at once.
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    q_.clear();
    ready_.notify_all();
    room_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<T> q_;
  std::size_t cap_;
  bool closed_ = false, cancelled_ = false;
};

}  // namespace cv::bundle
