// The epoll event loop of `coldvault serve` (contract in event_loop.hpp).
#include "server/event_loop.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

#include "coldvault/bytes.hpp"

namespace cv::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint64_t kWakeId = 0, kListenId = 1;
constexpr std::size_t kScratch = 16 * 1024;  // one TLS record's plaintext
constexpr int kAcceptsPerWake = 16;          // then let the other loops take their share
constexpr auto kLinger = std::chrono::seconds(2);

void wipe(std::string& s) {
  s.resize(s.capacity());
  secure_wipe(s.data(), s.size());
  std::string().swap(s);  // an idle connection keeps no buffer
}

}  // namespace

namespace {
// "203.0.113.7:52144", "[2001:db8::1]:443"; empty for anything else.
std::string peer_text(const sockaddr_storage& a) {
  char ip[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    if (!inet_ntop(AF_INET, &v4.sin_addr, ip, sizeof ip)) return {};
    return std::string(ip) + ":" + std::to_string(ntohs(v4.sin_port));
  }
  if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    if (!inet_ntop(AF_INET6, &v6.sin6_addr, ip, sizeof ip)) return {};
    return "[" + std::string(ip) + "]:" + std::to_string(ntohs(v6.sin6_port));
  }
  return {};
}
}  // namespace

struct EventLoop::Conn {
  enum class Phase { Handshake, Reading, Busy, Writing, Draining, Closed };
  Conn(std::uint64_t i, int f, tls::Stream s, const http1::Limits& l)
      : id(i), fd(f), tls(std::move(s)), parser(l) {}
  ~Conn() {
    wipe(in);
    wipe(out);
  }
  std::uint64_t id;
  int fd;
  tls::Stream tls;
  http1::Parser parser;
  Phase phase = Phase::Handshake;
  std::uint32_t events = 0;  // the interest registered with epoll
  std::string in;            // received bytes not parsed yet (a pipelined request)
  std::string out;           // the response being written
  std::size_t out_done = 0;
  bool keep_alive = true;     // after the response being written
  bool then_read = false;     // `out` is a 100 Continue: go on reading the body after it
  int minor = 1;
  bool head_method = false;
  Clock::time_point deadline;
  std::string peer;  // "ip:port", for the audit log
};

Result<std::unique_ptr<EventLoop>> EventLoop::create(int listen_fd, const tls::Context& tls,
                                                     Workers& workers, LoopConfig cfg) {
  std::unique_ptr<EventLoop> loop(new EventLoop(listen_fd, tls, workers, cfg));
  if (loop->epoll_ < 0 || loop->wake_ < 0)
    return fail(Errc::Internal, "cannot create the event loop", std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeId;
  if (epoll_ctl(loop->epoll_, EPOLL_CTL_ADD, loop->wake_, &ev) != 0)
    return fail(Errc::Internal, "cannot watch the event loop's wake-up", std::strerror(errno));
  return loop;
}

EventLoop::EventLoop(int listen_fd, const tls::Context& tls, Workers& workers,
                     LoopConfig cfg)
    : listen_fd_(listen_fd),
      tls_(tls),
      workers_(workers),
      cfg_(cfg),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      scratch_(new char[kScratch]) {}

EventLoop::~EventLoop() {
  for (auto& [id, c] : conns_)
    if (c->phase != Conn::Phase::Closed) ::close(c->fd);
  conns_.clear();
  for (auto& [id, r] : posts_) secure_wipe(r.body.data(), r.body.size());
  if (wake_ >= 0) ::close(wake_);
  if (epoll_ >= 0) ::close(epoll_);
}

void EventLoop::stop() {
  stopping_ = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
}

void EventLoop::post(std::uint64_t id, Response r) {
  {
    std::lock_guard lock(posts_mu_);
    posts_.emplace_back(id, std::move(r));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
}

void EventLoop::run() {
  auto listen = [this] {
    epoll_event ev{};
    // EPOLLEXCLUSIVE: a new connection wakes one loop, not all of them.
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.u64 = kListenId;
    listening_ = epoll_ctl(epoll_, EPOLL_CTL_ADD, listen_fd_, &ev) == 0;
  };
  listen();
  auto last_sweep = Clock::now();
  epoll_event events[128];
  while (!stopping_) {
    int n = epoll_wait(epoll_, events, 128, 1000);
    if (n < 0 && errno != EINTR) {
      std::cerr << "coldvault serve: epoll_wait failed: " << std::strerror(errno) << "\n";
      break;
    }
    for (int i = 0; i < n; ++i) {
      std::uint64_t id = events[i].data.u64;
      if (id == kWakeId) {
        std::uint64_t count;
        [[maybe_unused]] auto r = ::read(wake_, &count, sizeof count);
        take_posts();
      } else if (id == kListenId) {
        accept_some();
      } else if (auto it = conns_.find(id); it != conns_.end()) {
        on_event(*it->second, events[i].events);
      }
    }
    for (auto id : dead_) conns_.erase(id);
    dead_.clear();
    auto now = Clock::now();
    if (now - last_sweep >= std::chrono::seconds(1)) {
      last_sweep = now;
      sweep();
      if (!listening_ && now >= listen_paused_until_) listen();
    }
  }
  if (listening_) epoll_ctl(epoll_, EPOLL_CTL_DEL, listen_fd_, nullptr);
}

void EventLoop::accept_some() {
  for (int i = 0; i < kAcceptsPerWake; ++i) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof from;
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&from), &from_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: a level-triggered listener would wake us forever. Stop watching it
        // for a second; the clients wait in the backlog meanwhile.
        std::cerr << "coldvault serve: cannot accept (" << std::strerror(errno)
                  << "); pausing for a second\n";
        epoll_ctl(epoll_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        listening_ = false;
        listen_paused_until_ = Clock::now() + std::chrono::seconds(1);
      }
      return;  // EAGAIN: another loop took it, or the backlog is empty
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto tls = tls::Stream::accept(tls_, fd);
    if (!tls) {
      ::close(fd);
      continue;
    }
    auto id = next_id_++;
    auto c = std::make_unique<Conn>(id, fd, std::move(*tls), cfg_.limits);
    c->deadline = Clock::now() + cfg_.read_timeout;
    c->peer = peer_text(from);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = id;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ::close(fd);
      continue;
    }
    c->events = EPOLLIN;
    conns_.emplace(id, std::move(c));
    ++open_;
  }
}

void EventLoop::want(Conn& c, std::uint32_t events) {
  if (c.events == events || c.phase == Conn::Phase::Closed) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = c.id;
  epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  c.events = events;
}

void EventLoop::on_event(Conn& c, std::uint32_t events) {
  if (events & EPOLLERR) return close(c);
  switch (c.phase) {
    case Conn::Phase::Handshake:
      switch (c.tls.handshake()) {
        case tls::Io::done:
          c.phase = Conn::Phase::Reading;
          c.deadline = Clock::now() + cfg_.idle_timeout;
          return drive_read(c);
        case tls::Io::want_read:
          return want(c, EPOLLIN);
        case tls::Io::want_write:
          return want(c, EPOLLOUT);
        default:
          return close(c);
      }
    case Conn::Phase::Reading:
      return drive_read(c);
    case Conn::Phase::Writing:
      return drive_write(c);
    case Conn::Phase::Draining:
      return drain(c);
    case Conn::Phase::Busy:
      // A worker has the request. A hang-up closes now (the answer will find no connection and be
      // dropped); bytes of a pipelined request wait in the socket until the answer is written.
      if (events & EPOLLHUP) return close(c);
      return want(c, 0);
    case Conn::Phase::Closed:
      return;
  }
}

// Feeds bytes to the parser and acts on what it says. Returns whether to go on reading.
bool EventLoop::feed(Conn& c, const char* data, std::size_t n, std::size_t& used) {
  bool was_idle = c.parser.idle();
  auto status = c.parser.feed(std::string_view(data, n), used);
  if (used > 0 || !was_idle) c.deadline = Clock::now() + cfg_.read_timeout;
  switch (status) {
    case http1::Parser::Status::NeedMore:
      return true;
    case http1::Parser::Status::Done:
      dispatch(c);
      return false;
    case http1::Parser::Status::Continue:
      c.out = "HTTP/1.1 100 Continue\r\n\r\n";
      c.out_done = 0;
      c.then_read = true;
      c.phase = Conn::Phase::Writing;
      return false;
    case http1::Parser::Status::Error:
      refuse(c, c.parser.error_status(), c.parser.error_message());
      return false;
  }
  return false;
}

void EventLoop::drive_read(Conn& c) {
  // Bytes received with the previous request (pipelined) come first.
  if (!c.in.empty()) {
    std::size_t used = 0;
    bool go_on = feed(c, c.in.data(), c.in.size(), used);
    secure_wipe(c.in.data(), used);
    c.in.erase(0, used);
    if (c.in.empty()) wipe(c.in);
    if (!go_on) return c.phase == Conn::Phase::Writing ? drive_write(c) : void();
  }
  for (;;) {
    std::size_t got = 0;
    auto io = c.tls.read(scratch_.get(), kScratch, got);
    if (io == tls::Io::want_read) return want(c, EPOLLIN);
    if (io == tls::Io::want_write) return want(c, EPOLLOUT);
    if (io != tls::Io::done) return close(c);
    std::size_t used = 0;
    bool go_on = feed(c, scratch_.get(), got, used);
    if (used < got) c.in.append(scratch_.get() + used, got - used);  // the next request's bytes
    secure_wipe(scratch_.get(), got);
    if (!go_on) return c.phase == Conn::Phase::Writing ? drive_write(c) : void();
  }
}

void EventLoop::dispatch(Conn& c) {
  http1::Message m = c.parser.take();
  c.keep_alive = m.keep_alive;
  c.minor = m.minor;
  c.head_method = m.head_method;
  // Interest stays EPOLLIN: most clients send nothing until answered, and dropping it here and
  // restoring it after the answer would cost two epoll_ctl calls per request. A client that does
  // send more (pipelining) gets its interest dropped in on_event, lazily.
  c.phase = Conn::Phase::Busy;
  m.request.peer = c.peer;
  workers_.submit(Job{std::move(m.request),
                      [this, id = c.id](Response r) { post(id, std::move(r)); }});
}

void EventLoop::take_posts() {
  std::vector<std::pair<std::uint64_t, Response>> posts;
  {
    std::lock_guard lock(posts_mu_);
    posts.swap(posts_);
  }
  for (auto& [id, r] : posts) {
    auto it = conns_.find(id);
    if (it != conns_.end() && it->second->phase == Conn::Phase::Busy) {
      answer(*it->second, std::move(r));
    } else {
      secure_wipe(r.body.data(), r.body.size());  // may hold a secret value
    }
  }
}

void EventLoop::answer(Conn& c, Response r) {
  c.out = http1::serialize(r, c.keep_alive, c.minor, c.head_method);
  secure_wipe(r.body.data(), r.body.size());
  c.out_done = 0;
  c.then_read = false;
  c.phase = Conn::Phase::Writing;
  c.deadline = Clock::now() + cfg_.write_timeout;
  drive_write(c);
}

void EventLoop::refuse(Conn& c, int status, const std::string& message) {
  c.out = http1::serialize(http1::refusal(status, message), false, 1, false);
  c.out_done = 0;
  c.keep_alive = false;
  c.then_read = false;
  c.phase = Conn::Phase::Writing;
  c.deadline = Clock::now() + cfg_.write_timeout;
}

void EventLoop::drive_write(Conn& c) {
  while (c.out_done < c.out.size()) {
    std::size_t written = 0;
    auto io = c.tls.write(c.out.data() + c.out_done, c.out.size() - c.out_done, written);
    if (io == tls::Io::want_write) return want(c, EPOLLOUT);
    if (io == tls::Io::want_read) return want(c, EPOLLIN);
    if (io != tls::Io::done) return close(c);
    c.out_done += written;
    c.deadline = Clock::now() + cfg_.write_timeout;
  }
  wipe(c.out);  // a response may carry a secret value
  c.out_done = 0;
  if (!c.keep_alive) return begin_close(c);
  c.phase = Conn::Phase::Reading;
  if (c.then_read) {
    c.then_read = false;
    c.deadline = Clock::now() + cfg_.read_timeout;
  } else {
    c.deadline = Clock::now() + cfg_.idle_timeout;
  }
  want(c, EPOLLIN);
  drive_read(c);  // pipelined bytes, or plaintext OpenSSL already holds
}

// Lingering close: after the last answer, send close_notify and FIN, then read and drop what the
// client still sends (an unread body, say) until it closes or kLinger passes; closing with unread
// data would reset the connection and could destroy the answer before the client reads it.
void EventLoop::begin_close(Conn& c) {
  c.tls.shutdown();
  ::shutdown(c.fd, SHUT_WR);
  c.phase = Conn::Phase::Draining;
  c.deadline = Clock::now() + kLinger;
  want(c, EPOLLIN);
  drain(c);
}

void EventLoop::drain(Conn& c) {
  // At most 64 records' worth per event: the fd stays readable, so epoll comes back to it after the others.
  for (int round = 0; round < 64; ++round) {
    ssize_t n = ::recv(c.fd, scratch_.get(), kScratch, 0);
    if (n > 0) {
      // Ciphertext: nothing to wipe. A client that never stops sending is cut at the linger deadline, so
      // this loop cannot hold the event loop for longer.
      if (Clock::now() >= c.deadline) return close(c);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    return close(c);
  }
}

void EventLoop::close(Conn& c) {
  if (c.phase == Conn::Phase::Closed) return;
  epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  c.phase = Conn::Phase::Closed;
  --open_;
  dead_.push_back(c.id);  // destroyed after this round of events: callers may still hold it
}

void EventLoop::sweep() {
  auto now = Clock::now();
  for (auto& [id, c] : conns_)
    if (c->phase != Conn::Phase::Busy && c->phase != Conn::Phase::Closed && now >= c->deadline)
      close(*c);
  for (auto id : dead_) conns_.erase(id);
  dead_.clear();
}

}  // namespace cv::server
