// The loopback managed-identity endpoint (identity_endpoint.hpp).
#include "server/identity_endpoint.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "coldvault/vault.hpp"
#include "server/listener.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

constexpr std::string_view kPath = "/msi/token";
constexpr std::size_t kMaxRequest = 8192;

IdentityAnswer error_answer(int status, const std::string& message) {
  // App Service answers JSON errors; azure-identity shows the message.
  nlohmann::json j = {{"statusCode", status}, {"message", message}};
  return {status, SecureString(j.dump())};
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    default:
      return "Method Not Allowed";
  }
}

}  // namespace

IdentityAnswer answer_identity_request(
    const IdentityConfig& cfg, std::string_view method, std::string_view target,
    const std::function<std::string_view(std::string_view)>& header, std::int64_t now) {
  auto q = target.find('?');
  if (target.substr(0, q) != kPath)
    return error_answer(404, "There is no operation at this path; use " + std::string(kPath) + ".");
  if (method != "GET") return error_answer(405, "Use GET.");
  auto query = parse_query(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  if (!query) return error_answer(400, query.error().message);
  auto get = [&](const char* k) {
    auto it = query->find(k);
    return it == query->end() ? std::string() : it->second;
  };
  std::string version = get("api-version");
  std::string_view presented;
  if (version == "2019-08-01")
    presented = header("x-identity-header");
  else if (version == "2017-09-01")
    presented = header("secret");
  else
    return error_answer(
        400, "api-version must be 2019-08-01 (X-IDENTITY-HEADER) or 2017-09-01 (secret).");
  // The header proves the caller read our environment (App Service's SSRF guard): checked before
  // anything else.
  if (presented.empty() ||
      !vault::SessionTokens::same_secret(presented, cfg.header_secret))
    return error_answer(401, version == "2019-08-01"
                                 ? "The X-IDENTITY-HEADER header is missing or wrong."
                                 : "The secret header is missing or wrong.");
  std::string resource = get("resource");
  if (resource.empty()) return error_answer(400, "The 'resource' query parameter is missing.");
  if (resource.ends_with("/.default")) resource.resize(resource.size() - 9);
  if (!resource.starts_with("https://") || resource.size() > 300)
    return error_answer(400, "resource must be an https URL, as the vault's challenge names it.");
  std::int64_t expires = now + cfg.lifetime;
  SecureString token = cfg.tokens->mint(expires);
  // Built by hand so the token lands only in wiped memory (nlohmann's dump would copy it to a
  // std::string).
  nlohmann::json rest = {
      {"resource", resource}, {"token_type", "Bearer"}, {"client_id", "coldvault"}};
  std::string tail = rest.dump();
  SecureString body("{\"access_token\":\"");
  body += token;
  body += "\",\"expires_on\":\"" + std::to_string(expires) +
          "\",\"expires_in\":" + std::to_string(cfg.lifetime) + "," + tail.substr(1);
  return {200, std::move(body)};
}

Result<std::unique_ptr<IdentityEndpoint>> IdentityEndpoint::start(IdentityConfig cfg, int port) {
  auto l = Listener::bind("127.0.0.1", port);
  if (!l) return std::unexpected(l.error());
  int fd = ::dup(l->fd());  // the Listener closes its own copy
  if (fd < 0) return fail(Errc::Internal, "dup failed");
  int stop = ::eventfd(0, EFD_CLOEXEC);
  if (stop < 0) {
    ::close(fd);
    return fail(Errc::Internal, "eventfd failed");
  }
  auto ep =
      std::unique_ptr<IdentityEndpoint>(new IdentityEndpoint(std::move(cfg), fd, l->port(), stop));
  ep->thread_ = std::thread([p = ep.get()] { p->run(); });
  return ep;
}

IdentityEndpoint::IdentityEndpoint(IdentityConfig cfg, int listen_fd, int port, int stop_fd)
    : cfg_(std::move(cfg)), listen_fd_(listen_fd), port_(port), stop_fd_(stop_fd) {}

IdentityEndpoint::~IdentityEndpoint() {
  std::uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) < 0) {
  }  // the thread wakes and returns
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(stop_fd_);
}

std::string IdentityEndpoint::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(kPath);
}

void IdentityEndpoint::run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    serve_one(c);
    ::close(c);
  }
}

void IdentityEndpoint::serve_one(int fd) {
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string in;
  char buf[2048];
  while (in.find("\r\n\r\n") == std::string::npos && in.size() < kMaxRequest) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    in.append(buf, static_cast<std::size_t>(n));
  }
  auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return;  // too large: dropped
  std::string_view head(in.data(), end);
  auto line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  auto sp1 = line.find(' '), sp2 = line.rfind(' ');
  IdentityAnswer a;
  if (sp1 == std::string_view::npos || sp2 <= sp1) {
    a = error_answer(400, "Malformed request line.");
  } else {
    std::map<std::string, std::string_view> headers;
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      auto e = head.find("\r\n", pos);
      std::string_view h =
          head.substr(pos, e == std::string_view::npos ? std::string_view::npos : e - pos);
      if (auto colon = h.find(':'); colon != std::string_view::npos) {
        std::string_view v = h.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        headers[lower(h.substr(0, colon))] = v;
      }
      if (e == std::string_view::npos) break;
      pos = e + 2;
    }
    auto header = [&headers](std::string_view name) {
      auto it = headers.find(std::string(name));
      return it == headers.end() ? std::string_view() : it->second;
    };
    a = answer_identity_request(cfg_, line.substr(0, sp1), line.substr(sp1 + 1, sp2 - sp1 - 1),
                                header, vault::Service::now());
  }
  SecureString out("HTTP/1.1 " + std::to_string(a.status) + " " + reason(a.status) +
                   "\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(a.body.size()) + "\r\nConnection: close\r\n\r\n");
  out += a.body;
  std::size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
}

}  // namespace cv::server
