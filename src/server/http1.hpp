// A strict, incremental HTTP/1.1 request parser and the response serialiser of `coldvault serve`.
// Pure: no I/O, no TLS, no clock, so every framing rule is unit-tested (tests/unit/http1_test.cpp)
// and fuzzed (tests/fuzz/http1_fuzz.cpp). docs/rest.md "Transport" lists the rules and limits.
//
// Strict because a parser that is lenient where the client's proxy is strict (or the reverse) lets
// one request hide inside another (request smuggling): no obs-fold, no bare CR or LF, no
// Content-Length together with Transfer-Encoding, no duplicate or non-digit Content-Length, no
// Transfer-Encoding other than exactly `chunked`. Every refusal carries the status to answer; the
// connection is then closed, since its framing can no longer be trusted.
//
// Use: feed() bytes as they arrive. The parser consumes bytes only up to the end of the current
// request, so pipelined requests are left to the caller, who feeds them after answering this one.
// take() hands out the complete request and readies the parser for the next one.
//
// Bytes: the partial head (it holds the Authorization header) is wiped when the request is taken;
// the body goes straight into a SecureString. Thread safety: one parser per connection, not shared.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "coldvault/secure_string.hpp"
#include "server/http.hpp"

namespace cv::server::http1 {

struct Limits {
  std::size_t max_request_line = 8 * 1024;  // 414 above it
  std::size_t max_head = 64 * 1024;         // request line + fields (and chunked trailers): 431
  std::size_t max_body = 1u << 20;          // Content-Length or decoded chunked size: 413
};

// A complete request: what App needs plus the connection's framing decisions.
struct Message {
  Request request;
  int minor = 1;                 // HTTP/1.<minor>
  bool keep_alive = true;        // false: close after the response
  bool head_method = false;      // HEAD: the response carries no body bytes
};

class Parser {
 public:
  enum class Status {
    NeedMore,  // every byte given was consumed; feed more
    Continue,  // the head asks `Expect: 100-continue` and a body follows: send 100, then feed more
    Done,      // a complete request: take() it (bytes after it were not consumed)
    Error,     // refused: answer error_status() and close
  };

  explicit Parser(Limits limits = {}) : limits_(limits) {}
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Consumes a prefix of `in` and says what happened; `consumed` is how many bytes were used. After
  // Done or Error, feed() consumes nothing until take() (Error is final).
  Status feed(std::string_view in, std::size_t& consumed);
  // REQUIRES: the last feed() returned Done. Moves the request out and resets for the next one.
  Message take();

  // Nothing of a request received yet (an idle keep-alive connection, not a slow client).
  bool idle() const { return state_ == State::Start && head_.empty(); }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  enum class State { Start, Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, Done, Error };
  Status fail(int status, std::string message);
  Status head_byte(char c);
  Status parse_head();
  Status begin_body();
  Status chunk_line_byte(char c);
  Status trailer_byte(char c);
  void clear_head();

  static constexpr int kMaxBlankLines = 4;
  Limits limits_;
  State state_ = State::Start;
  int blank_lines_ = 0;  // empty lines before the current request line
  std::string head_;            // the head so far (wiped when cleared: it holds Authorization)
  std::string line_;            // a chunk-size or trailer line so far
  std::size_t trailer_bytes_ = 0;
  std::size_t remaining_ = 0;   // body or chunk bytes still to come
  bool chunked_ = false;
  bool expect_continue_ = false;
  bool line_done_ = false;      // the request line's CRLF was seen
  Message msg_;
  int error_status_ = 0;
  std::string error_message_;
};

// The response bytes: status line, the App's headers, Content-Type (application/json unless the App's headers
// name one) and Content-Length (neither for
// 204), `Connection: close` when closing (`Connection: keep-alive` for a kept HTTP/1.0 client),
// then the body unless `head_method`.
std::string serialize(const Response& r, bool keep_alive, int minor, bool head_method);

// The answer to a refusal of the parser: Key Vault's JSON error envelope (the SDKs fail with a
// TypeError on an error without one).
Response refusal(int status, const std::string& message);

}  // namespace cv::server::http1
