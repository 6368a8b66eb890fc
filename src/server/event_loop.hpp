// One event-loop thread of `coldvault serve` (docs/adr/0008-event-loop-transport.md): a Linux epoll
// (level-triggered) over the shared listening socket (EPOLLEXCLUSIVE, so one loop wakes per new
// connection), an eventfd for wake-ups, and the connections this loop accepted.
//
// Per connection: TLS handshake, read, parse (http1::Parser), then the complete Request goes to the
// Workers and the connection waits (no reading, so one request is in flight per connection and
// pipelined ones are answered in order). The worker posts the Response back with post(); the loop
// serialises it and writes it with as few SSL_writes as the socket allows, then goes on with the
// bytes already received. A refusal of the parser is answered with a JSON error and the connection
// closes (lingering: the rest of what the client sends is read and dropped for a moment, so the
// answer is not lost to a TCP reset).
//
// Timeouts, checked by a once-per-second sweep: idle keep-alive 120 s; handshake and reading a
// request 30 s without progress; writing 30 s without progress. A connection waiting for its worker
// has none (App bounds the wait for a Service).
//
// Thread safety: run() on one thread; stop() and post() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "coldvault/tls_stream.hpp"
#include "server/http1.hpp"
#include "server/workers.hpp"

namespace cv::server {

struct LoopConfig {
  http1::Limits limits;
  std::chrono::seconds idle_timeout{120};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
};

class EventLoop {
 public:
  // REQUIRES: listen_fd, tls and workers outlive the loop. Internal when epoll or eventfd fail.
  static Result<std::unique_ptr<EventLoop>> create(int listen_fd, const tls::Context& tls,
                                                   Workers& workers, LoopConfig cfg);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Serves until stop(); then closes every connection of this loop.
  void run();
  void stop();
  // A worker's answer for connection `id` (dropped, and its body wiped, if the connection is gone).
  void post(std::uint64_t id, Response r);
  // Open connections of this loop (for tests and the log).
  std::size_t connections() const { return open_.load(); }

  struct Conn;

 private:
  EventLoop(int listen_fd, const tls::Context& tls, Workers& workers, LoopConfig cfg);
  void accept_some();
  void on_event(Conn& c, std::uint32_t events);
  void drive_read(Conn& c);
  bool feed(Conn& c, const char* data, std::size_t n, std::size_t& used);
  void dispatch(Conn& c);
  void answer(Conn& c, Response r);
  void refuse(Conn& c, int status, const std::string& message);
  void drive_write(Conn& c);
  void drain(Conn& c);
  void begin_close(Conn& c);
  void close(Conn& c);
  void want(Conn& c, std::uint32_t events);
  void sweep();
  void take_posts();

  int listen_fd_;
  const tls::Context& tls_;
  Workers& workers_;
  LoopConfig cfg_;
  int epoll_ = -1;
  int wake_ = -1;
  bool listening_ = false;
  std::chrono::steady_clock::time_point listen_paused_until_{};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};
  std::uint64_t next_id_ = 2;  // 0: the eventfd, 1: the listening socket
  std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns_;
  std::vector<std::uint64_t> dead_;
  std::mutex posts_mu_;
  std::vector<std::pair<std::uint64_t, Response>> posts_;
  std::unique_ptr<char[]> scratch_;  // one read buffer per loop, wiped after every read
};

}  // namespace cv::server
