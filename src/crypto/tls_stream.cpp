// Non-blocking TLS on a socket for the server's event loop (contract in coldvault/tls_stream.hpp).
#include "coldvault/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "crypto/ossl.hpp"

namespace cv::crypto {

void TlsContext::Free::operator()(ssl_ctx_st* p) const noexcept { SSL_CTX_free(p); }
TlsContext::TlsContext(TlsContext&&) noexcept = default;
TlsContext& TlsContext::operator=(TlsContext&&) noexcept = default;
TlsContext::~TlsContext() = default;

Result<TlsContext> TlsContext::server(const std::function<Result<void>(ssl_ctx_st*)>& apply) {
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (!raw) return ossl::fail_ossl(Errc::Internal, "cannot create the TLS context");
  TlsContext ctx(raw);
  if (auto r = apply(raw); !r) return std::unexpected(r.error());
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(raw, SSL_OP_CLEANSE_PLAINTEXT);
  return ctx;
}

void TlsStream::Free::operator()(ssl_st* p) const noexcept { SSL_free(p); }
TlsStream::TlsStream(TlsStream&&) noexcept = default;
TlsStream& TlsStream::operator=(TlsStream&&) noexcept = default;
TlsStream::~TlsStream() = default;

Result<TlsStream> TlsStream::accept(const TlsContext& ctx, int fd) {
  SSL* ssl = SSL_new(ctx.get());
  if (!ssl) return ossl::fail_ossl(Errc::Internal, "cannot create a TLS connection");
  TlsStream s(ssl);
  if (SSL_set_fd(ssl, fd) != 1) return ossl::fail_ossl(Errc::Internal, "cannot attach a socket to TLS");
  SSL_set_accept_state(ssl);
  return s;
}

TlsIo TlsStream::classify(int ret) {
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      return TlsIo::want_read;
    case SSL_ERROR_WANT_WRITE:
      return TlsIo::want_write;
    case SSL_ERROR_ZERO_RETURN:
      return TlsIo::closed;
    case SSL_ERROR_SYSCALL:
      // EOF without close_notify (OpenSSL 3 reports it as SSL_ERROR_SSL with
      // SSL_R_UNEXPECTED_EOF_WHILE_READING; older paths as SYSCALL with an empty queue).
      ERR_clear_error();
      return TlsIo::closed;
    default:
      ERR_clear_error();
      return TlsIo::error;
  }
}

TlsIo TlsStream::handshake() {
  int r = SSL_do_handshake(ssl_.get());
  return r == 1 ? TlsIo::done : classify(r);
}

TlsIo TlsStream::read(char* buf, std::size_t cap, std::size_t& got) {
  got = 0;
  int r = SSL_read_ex(ssl_.get(), buf, cap, &got);
  return r == 1 ? TlsIo::done : classify(r);
}

TlsIo TlsStream::write(const char* data, std::size_t len, std::size_t& written) {
  written = 0;
  int r = SSL_write_ex(ssl_.get(), data, len, &written);
  return r == 1 ? TlsIo::done : classify(r);
}

bool TlsStream::pending() const { return SSL_has_pending(ssl_.get()) == 1; }

void TlsStream::shutdown() {
  // Only after a completed handshake; a failed one may not send anything more.
  if (SSL_is_init_finished(ssl_.get())) SSL_shutdown(ssl_.get());
  ERR_clear_error();
}

}  // namespace cv::crypto
