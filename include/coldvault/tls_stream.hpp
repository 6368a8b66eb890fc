// Non-blocking TLS for the REST server's event loop (src/server/event_loop.cpp). Part of the OpenSSL
// adapter: this header names no OpenSSL type, so the server compiles without OpenSSL. Its namespace is
// cv::tls, not cv::crypto: it is transport that src/server may call, not domain crypto (the layering
// test keeps front doors off crypto::).
//
// Context owns the server's SSL_CTX. Its identity and policy come from a callback that fills the
// context (vault::TlsIdentity::apply: certificate, key in the token signing through the pool, TLS 1.2 floor,
// cipher list), and it adds what an event loop with many idle connections needs:
//   - SSL_MODE_RELEASE_BUFFERS: an idle connection holds no 34 KiB of read/write record buffers;
//   - SSL_OP_CLEANSE_PLAINTEXT: plaintext records (request bodies carry secret values) are wiped
//     from OpenSSL's buffers once read;
//   - partial writes and moving write buffers, so a response is written from where it stopped.
//
// Stream is one SSL on a non-blocking socket it does not own (the caller closes the fd after
// destroying the stream). Every call returns at once with a Io:
//   done        the step finished (handshake complete, bytes read or written)
//   want_read   wait until the socket is readable, then call again
//   want_write  wait until the socket is writable, then call again
//   closed      the peer closed the connection (close_notify or EOF)
//   error       a protocol or socket error; drop the connection (the OpenSSL error queue is cleared)
//
// Thread safety: a Context may be shared by every loop thread once built; a Stream belongs to
// one thread at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "coldvault/error.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace cv::tls {

enum class Io { done, want_read, want_write, closed, error };

class Context {
 public:
  // A server context filled by `apply` (its error is returned as is). Internal when OpenSSL cannot
  // make a context.
  static Result<Context> server(const std::function<Result<void>(ssl_ctx_st*)>& apply);
  Context(Context&&) noexcept;
  Context& operator=(Context&&) noexcept;
  ~Context();
  ssl_ctx_st* get() const { return ctx_.get(); }

 private:
  struct Free {
    void operator()(ssl_ctx_st* p) const noexcept;
  };
  explicit Context(ssl_ctx_st* ctx) : ctx_(ctx) {}
  std::unique_ptr<ssl_ctx_st, Free> ctx_;
};

class Stream {
 public:
  // A server-side stream on `fd` (non-blocking, already accepted). Internal when OpenSSL cannot
  // allocate it.
  static Result<Stream> accept(const Context& ctx, int fd);
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;
  ~Stream();

  Io handshake();
  // Reads up to `cap` plaintext bytes into buf; `got` is set on done.
  Io read(char* buf, std::size_t cap, std::size_t& got);
  // Writes from data; `written` (set on done) may be less than len: call again with the rest.
  Io write(const char* data, std::size_t len, std::size_t& written);
  // Plaintext already decrypted and buffered in OpenSSL: read() it before waiting on the socket.
  bool pending() const;
  // Sends close_notify once, without waiting for the peer's (best effort, never blocks).
  void shutdown();

 private:
  struct Free {
    void operator()(ssl_st* p) const noexcept;
  };
  explicit Stream(ssl_st* ssl) : ssl_(ssl) {}
  Io classify(int ret);
  std::unique_ptr<ssl_st, Free> ssl_;
};

}  // namespace cv::tls
