// The listening socket and the fd limit (contract in listener.hpp).
#include "server/listener.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cv::server {

Listener::~Listener() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Listener> Listener::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return fail(Errc::BadParameter,
                "cannot listen on " + host + ":" + service + ": " + gai_strerror(rc));
  std::string why = "no address";
  bool in_use = false;
  for (addrinfo* a = found; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // A backlog as deep as the kernel allows: a burst of a thousand clients is accepted, not refused.
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof bound;
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      int got = bound.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                    : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      freeaddrinfo(found);
      return Listener(fd, got);
    }
    why = std::strerror(errno);
    in_use = in_use || errno == EADDRINUSE;
    ::close(fd);
  }
  freeaddrinfo(found);
  // Another process holds the port: Conflict (exit 4), so scripts can tell it from a bad address.
  if (in_use)
    return fail(Errc::Conflict, "cannot listen on " + host + ":" + service +
                                    ": the port is in use by another process (choose another, or --port 0)");
  return fail(Errc::BadParameter, "cannot listen on " + host + ":" + service + " (" + why + ")");
}

unsigned long raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  return static_cast<unsigned long>(rl.rlim_cur);
}

}  // namespace cv::server
