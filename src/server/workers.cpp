// The vault worker threads (contract in workers.hpp).
#include "server/workers.hpp"

namespace cv::server {

Workers::Workers(unsigned count, std::function<Response(const Request&)> handle)
    : handle_(std::move(handle)) {
  for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { run(); });
}

void Workers::submit(Job job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Workers::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Workers::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Response r = handle_(job.request);
    job.request = Request{};  // the body (a SecureString) is wiped now, not when the next job comes
    job.done(std::move(r));
  }
}

}  // namespace cv::server
