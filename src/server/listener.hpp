// The server's listening socket and process limits: the only socket set-up outside the event loop.
#pragma once

#include <string>

#include "coldvault/error.hpp"

namespace cv::server {

// A bound, listening, non-blocking TCP socket. Move-only; closes the fd.
class Listener {
 public:
  // Binds host:port (port 0: any free port). Conflict when another process holds the port;
  // BadParameter naming the address when it cannot be bound otherwise or resolved.
  static Result<Listener> bind(const std::string& host, int port);
  Listener(Listener&& o) noexcept : fd_(o.fd_), port_(o.port_) { o.fd_ = -1; }
  Listener& operator=(Listener&&) = delete;
  ~Listener();
  int fd() const { return fd_; }
  int port() const { return port_; }  // the bound port (the one chosen when 0 was asked for)

 private:
  Listener(int fd, int port) : fd_(fd), port_(port) {}
  int fd_;
  int port_;
};

// Raises RLIMIT_NOFILE's soft limit to the hard limit (Debian's soft default is 1024, less than the
// connections the server should hold). Returns the soft limit now in force.
unsigned long raise_fd_limit();

}  // namespace cv::server
