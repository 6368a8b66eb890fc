// Non-blocking TLS on a socket for the server's event loop (contract in coldvault/tls_stream.hpp).
#include "coldvault/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "crypto/ossl.hpp"

namespace cv::tls {

void Context::Free::operator()(ssl_ctx_st* p) const noexcept { SSL_CTX_free(p); }
Context::Context(Context&&) noexcept = default;
Context& Context::operator=(Context&&) noexcept = default;
Context::~Context() = default;

Result<Context> Context::server(const std::function<Result<void>(ssl_ctx_st*)>& apply) {
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (!raw) return crypto::ossl::fail_ossl(Errc::Internal, "cannot create the TLS context");
  Context ctx(raw);
  if (auto r = apply(raw); !r) return std::unexpected(r.error());
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(raw, SSL_OP_CLEANSE_PLAINTEXT);
  return ctx;
}

void Stream::Free::operator()(ssl_st* p) const noexcept { SSL_free(p); }
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
Stream::~Stream() = default;

Result<Stream> Stream::accept(const Context& ctx, int fd) {
  SSL* ssl = SSL_new(ctx.get());
  if (!ssl) return crypto::ossl::fail_ossl(Errc::Internal, "cannot create a TLS connection");
  Stream s(ssl);
  if (SSL_set_fd(ssl, fd) != 1) return crypto::ossl::fail_ossl(Errc::Internal, "cannot attach a socket to TLS");
  SSL_set_accept_state(ssl);
  return s;
}

Io Stream::classify(int ret) {
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      return Io::want_read;
    case SSL_ERROR_WANT_WRITE:
      return Io::want_write;
    case SSL_ERROR_ZERO_RETURN:
      return Io::closed;
    case SSL_ERROR_SYSCALL:
      // EOF without close_notify (OpenSSL 3 reports it as SSL_ERROR_SSL with
      // SSL_R_UNEXPECTED_EOF_WHILE_READING; older paths as SYSCALL with an empty queue).
      ERR_clear_error();
      return Io::closed;
    default:
      ERR_clear_error();
      return Io::error;
  }
}

// Every SSL_* I/O call starts with an empty error queue (OpenSSL's rule for SSL_get_error): a leftover error of
// any earlier work on this loop thread (a Service opened for a handshake's signature parses keys and
// certificates) would make a plain "want read" look like a fatal error, and the connection be dropped (found as
// curl's "getpeername() failed" in e2e.serve_recycle).
Io Stream::handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_.get());
  return r == 1 ? Io::done : classify(r);
}

Io Stream::read(char* buf, std::size_t cap, std::size_t& got) {
  got = 0;
  ERR_clear_error();
  int r = SSL_read_ex(ssl_.get(), buf, cap, &got);
  return r == 1 ? Io::done : classify(r);
}

Io Stream::write(const char* data, std::size_t len, std::size_t& written) {
  written = 0;
  ERR_clear_error();
  int r = SSL_write_ex(ssl_.get(), data, len, &written);
  return r == 1 ? Io::done : classify(r);
}

bool Stream::pending() const { return SSL_has_pending(ssl_.get()) == 1; }

void Stream::shutdown() {
  // Only after a completed handshake; a failed one may not send anything more.
  if (SSL_is_init_finished(ssl_.get())) SSL_shutdown(ssl_.get());
  ERR_clear_error();
}

}  // namespace cv::tls
