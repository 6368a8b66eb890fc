// The fixed pool of vault worker threads (`--workers`). App::handle() blocks on the token and on
// SQLite, so it never runs on an event-loop thread: a loop submits a complete Request and the worker
// hands the Response to the job's `done` callback (which posts it back to the connection's loop).
//
// Thread safety: submit() from any thread. stop() (also the destructor) lets running jobs finish,
// drops queued ones (their bodies are wiped as the Requests are destroyed) and joins the threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "server/http.hpp"

namespace cv::server {

struct Job {
  Request request;
  std::function<void(Response)> done;  // called on the worker thread
};

class Workers {
 public:
  Workers(unsigned count, std::function<Response(const Request&)> handle);
  ~Workers() { stop(); }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;
  void submit(Job job);
  void stop();

 private:
  void run();
  std::function<Response(const Request&)> handle_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace cv::server
