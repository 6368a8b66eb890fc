// The HTTP/1.1 request parser and response serialiser (contract and rules in http1.hpp).
#include "server/http1.hpp"

#include <algorithm>
#include <cctype>

#include "coldvault/bytes.hpp"
#include "server/errors.hpp"

namespace cv::server::http1 {
namespace {

constexpr std::size_t kMaxChunkLine = 4096;  // a size line with extensions; no client needs more

// RFC 9110 tchar: the characters of a method, a field name, a transfer coding.
bool tchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}
bool token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return tchar(c); });
}
// Field values: visible characters, SP, HTAB and obs-text; no other control character.
bool field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}
std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const char* reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

}  // namespace

Parser::~Parser() { clear_head(); }

void Parser::clear_head() {
  // The head carries the bearer token; the chunk/trailer line may carry trailer fields.
  head_.resize(head_.capacity());
  secure_wipe(head_.data(), head_.size());
  head_.clear();
  line_.resize(line_.capacity());
  secure_wipe(line_.data(), line_.size());
  line_.clear();
}

Parser::Status Parser::fail(int status, std::string message) {
  state_ = State::Error;
  error_status_ = status;
  if (status == 413 && message.empty())
    message = "The request body is larger than the limit of " + std::to_string(limits_.max_body) +
              " bytes.";
  error_message_ = std::move(message);
  clear_head();
  return Status::Error;
}

Parser::Status Parser::feed(std::string_view in, std::size_t& consumed) {
  consumed = 0;
  while (consumed < in.size()) {
    Status s = Status::NeedMore;
    switch (state_) {
      case State::Start:
      case State::Head:
        s = head_byte(in[consumed++]);
        break;
      case State::Body:
      case State::ChunkData: {
        std::size_t n = std::min(remaining_, in.size() - consumed);
        msg_.request.body.append(in.data() + consumed, n);
        consumed += n;
        remaining_ -= n;
        if (remaining_ == 0) {
          if (state_ == State::Body) {
            state_ = State::Done;
          } else {
            state_ = State::ChunkDataEnd;
          }
        }
        break;
      }
      case State::ChunkDataEnd: {
        char c = in[consumed++];
        if (line_.empty() && c == '\r') {
          line_ = "\r";
        } else if (line_ == "\r" && c == '\n') {
          line_.clear();
          state_ = State::ChunkSize;
        } else {
          return fail(400, "A chunk's data is not followed by CRLF.");
        }
        break;
      }
      case State::ChunkSize:
        s = chunk_line_byte(in[consumed++]);
        break;
      case State::Trailers:
        s = trailer_byte(in[consumed++]);
        break;
      case State::Done:
        return Status::Done;
      case State::Error:
        return Status::Error;
    }
    if (s != Status::NeedMore) return s;
    if (state_ == State::Done) return Status::Done;
  }
  return state_ == State::Done ? Status::Done : Status::NeedMore;
}

Parser::Status Parser::head_byte(char c) {
  if (state_ == State::Start) {
    // Empty lines before a request line are ignored (RFC 9112 2.2), as CRLF pairs only.
    if (line_.empty() && c == '\r') {
      line_ = "\r";
      return Status::NeedMore;
    }
    if (c == '\n') {
      if (line_ != "\r") return fail(400, "The request has a bare LF.");
      line_.clear();
      // A few are tolerated (a client's stray CRLF after a body); an endless stream of them would keep a
      // connection busy and alive without ever sending a request.
      if (++blank_lines_ > kMaxBlankLines) return fail(400, "The request starts with too many empty lines.");
      return Status::NeedMore;
    }
    if (!line_.empty()) return fail(400, "The request has a bare CR.");
    blank_lines_ = 0;
    state_ = State::Head;
  }
  if (c == '\n') {
    if (head_.empty() || head_.back() != '\r') return fail(400, "The request has a bare LF.");
  } else if (!head_.empty() && head_.back() == '\r') {
    return fail(400, "The request has a bare CR.");
  }
  head_.push_back(c);
  if (c == '\n') line_done_ = true;
  if (!line_done_) {
    if (c != '\r' && head_.size() > limits_.max_request_line)
      return fail(414, "The request line is longer than " +
                           std::to_string(limits_.max_request_line) + " bytes.");
  } else if (head_.size() > limits_.max_head) {
    return fail(431, "The request header fields are larger than " +
                         std::to_string(limits_.max_head) + " bytes.");
  }
  if (c == '\n' && head_.size() >= 4 && head_.compare(head_.size() - 4, 4, "\r\n\r\n") == 0)
    return parse_head();
  return Status::NeedMore;
}

Parser::Status Parser::parse_head() {
  std::string_view head(head_);
  head.remove_suffix(2);  // the empty line; every line below ends with CRLF
  auto next_line = [&head]() {
    auto end = head.find("\r\n");
    std::string_view line = head.substr(0, end);
    head.remove_prefix(end + 2);
    return line;
  };
  // Request line: METHOD SP request-target SP HTTP-version, single spaces.
  std::string_view line = next_line();
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return fail(400, "The request line is malformed.");
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                   version = line.substr(sp2 + 1);
  if (!token(method)) return fail(400, "The request method is malformed.");
  if (target.empty() || target.front() != '/' ||
      !std::all_of(target.begin(), target.end(),
                   [](char c) { return c > 0x20 && c < 0x7f; }))
    return fail(400, "The request target is malformed.");
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[5])) ||
      !std::isdigit(static_cast<unsigned char>(version[7])))
    return fail(400, "The HTTP version is malformed.");
  if (version[5] != '1') return fail(505, "Only HTTP/1.x is served.");
  msg_.minor = version[7] - '0';
  msg_.request.method.assign(method);
  msg_.request.target.assign(target);

  bool has_length = false, close = false, keep_alive = false, has_host = false, has_auth = false;
  unsigned long long length = 0;
  chunked_ = false;
  bool has_te = false;
  while (!head.empty()) {
    line = next_line();
    if (line.front() == ' ' || line.front() == '\t')
      return fail(400, "Obsolete line folding is not accepted.");
    auto colon = line.find(':');
    if (colon == std::string_view::npos || !token(line.substr(0, colon)))
      return fail(400, "A header field is malformed.");
    std::string_view name = line.substr(0, colon), value = trim_ows(line.substr(colon + 1));
    if (!field_value(value)) return fail(400, "A header field value has a control character.");
    if (iequals(name, "content-length")) {
      if (has_length) return fail(400, "The request has more than one Content-Length.");
      has_length = true;
      if (value.empty() || !std::all_of(value.begin(), value.end(),
                                        [](char c) { return c >= '0' && c <= '9'; }))
        return fail(400, "The Content-Length is not a number.");
      if (value.size() > 18) return fail(413, "");
      length = std::stoull(std::string(value));
    } else if (iequals(name, "transfer-encoding")) {
      if (has_te) return fail(400, "The request has more than one Transfer-Encoding.");
      has_te = true;
      if (!iequals(value, "chunked"))
        return fail(400, "The only Transfer-Encoding accepted is chunked.");
      chunked_ = true;
    } else if (iequals(name, "host")) {
      if (has_host) return fail(400, "The request has more than one Host.");
      has_host = true;
      msg_.request.host.assign(value);
    } else if (iequals(name, "authorization")) {
      if (has_auth) return fail(400, "The request has more than one Authorization.");
      has_auth = true;
      msg_.request.authorization.assign(value);
    } else if (iequals(name, "origin")) {
      // A longer one is no origin of this server (a host name is at most 253 bytes): left empty, never cut.
      if (msg_.request.origin.empty() && value.size() <= 300) msg_.request.origin.assign(value);
    } else if (iequals(name, "x-ms-client-request-id")) {
      if (msg_.request.client_request_id.empty()) msg_.request.client_request_id.assign(value);
    } else if (iequals(name, "connection")) {
      while (!value.empty()) {
        auto comma = value.find(',');
        std::string_view opt = trim_ows(value.substr(0, comma));
        if (iequals(opt, "close")) close = true;
        if (iequals(opt, "keep-alive")) keep_alive = true;
        value.remove_prefix(comma == std::string_view::npos ? value.size() : comma + 1);
      }
    } else if (iequals(name, "expect")) {
      // An HTTP/1.0 client does not know 1xx answers: its expectation is ignored (RFC 9110 10.1.1).
      expect_continue_ = msg_.minor >= 1 && iequals(value, "100-continue");
    }
  }
  if (has_length && has_te)
    return fail(400, "The request has both Content-Length and Transfer-Encoding.");
  if (has_te && msg_.minor == 0)
    return fail(400, "Transfer-Encoding is not accepted in HTTP/1.0.");
  msg_.keep_alive = !close && (msg_.minor >= 1 || keep_alive);
  msg_.head_method = msg_.request.method == "HEAD";
  remaining_ = length;
  clear_head();
  return begin_body();
}

Parser::Status Parser::begin_body() {
  if (chunked_) {
    state_ = State::ChunkSize;
    return expect_continue_ ? Status::Continue : Status::NeedMore;
  }
  if (remaining_ > limits_.max_body) return fail(413, "");
  if (remaining_ == 0) {
    state_ = State::Done;
    return Status::Done;
  }
  // Grows with the bytes that arrive, not with what the client declared (a bare header must not make the server
  // allocate and later wipe --max-body bytes); the body's allocator wipes every block it replaces.
  msg_.request.body.reserve(std::min<std::size_t>(remaining_, 64 * 1024));
  state_ = State::Body;
  return expect_continue_ ? Status::Continue : Status::NeedMore;
}

Parser::Status Parser::chunk_line_byte(char c) {
  if (c == '\n') {
    if (line_.empty() || line_.back() != '\r') return fail(400, "A chunk size line has a bare LF.");
    std::string_view line(line_);
    line.remove_suffix(1);
    std::size_t i = 0;
    unsigned long long size = 0;
    for (; i < line.size() && hex_value(line[i]) >= 0; ++i) {
      size = size * 16 + static_cast<unsigned>(hex_value(line[i]));
      if (size > limits_.max_body) return fail(413, "");
    }
    if (i == 0) return fail(400, "A chunk size is not a hexadecimal number.");
    std::string_view rest = line.substr(i);
    // Chunk extensions (";name=value") are ignored, but nothing else may follow the size.
    std::string_view ext = trim_ows(rest);
    if (!ext.empty() && (ext.front() != ';' || !field_value(ext)))
      return fail(400, "A chunk size line is malformed.");
    line_.clear();
    if (size == 0) {
      state_ = State::Trailers;
      trailer_bytes_ = 0;
      return Status::NeedMore;
    }
    if (msg_.request.body.size() + size > limits_.max_body) return fail(413, "");
    remaining_ = size;
    state_ = State::ChunkData;
    return Status::NeedMore;
  }
  if (!line_.empty() && line_.back() == '\r') return fail(400, "A chunk size line has a bare CR.");
  line_.push_back(c);
  if (line_.size() > kMaxChunkLine) return fail(400, "A chunk size line is too long.");
  return Status::NeedMore;
}

Parser::Status Parser::trailer_byte(char c) {
  if (c == '\n') {
    if (line_.empty() || line_.back() != '\r') return fail(400, "A trailer has a bare LF.");
    if (line_.size() == 1) {  // the empty line: the request is complete
      line_.clear();
      state_ = State::Done;
      return Status::Done;
    }
    // Trailer fields are skipped (App reads none), but they must be well-formed field lines.
    std::string_view line(line_);
    auto colon = line.find(':');
    if (colon == std::string_view::npos || !token(line.substr(0, colon)) ||
        !field_value(line.substr(colon + 1, line.size() - colon - 2)))
      return fail(400, "A trailer field is malformed.");
    line_.clear();
    return Status::NeedMore;
  }
  if (!line_.empty() && line_.back() == '\r') return fail(400, "A trailer has a bare CR.");
  line_.push_back(c);
  if (++trailer_bytes_ > limits_.max_head)
    return fail(431, "The trailer fields are larger than " + std::to_string(limits_.max_head) +
                         " bytes.");
  return Status::NeedMore;
}

Message Parser::take() {
  Message m = std::move(msg_);
  msg_ = Message{};
  state_ = State::Start;
  remaining_ = 0;
  chunked_ = false;
  expect_continue_ = false;
  line_done_ = false;
  clear_head();
  return m;
}

std::string serialize(const Response& r, bool keep_alive, int minor, bool head_method) {
  const bool has_body = r.status != 204 && r.status >= 200;
  std::string out;
  out.reserve(160 + r.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason(r.status);
  out += "\r\n";
  bool typed = false;
  for (const auto& [k, v] : r.headers) {
    typed = typed || iequals(k, "content-type");
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  if (has_body) {
    if (!typed) out += "Content-Type: application/json; charset=utf-8\r\n";
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  if (!keep_alive)
    out += "Connection: close\r\n";
  else if (minor == 0)
    out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (has_body && !head_method) out += r.body;
  return out;
}

Response refusal(int status, const std::string& message) {
  switch (status) {
    case 413:
      return error_response(413, "RequestEntityTooLarge", message);
    case 505:
      return error_response(505, "HTTPVersionNotSupported", message);
    default:
      return error_response(status, "BadParameter",
                            message.empty() ? "The request is malformed." : message);
  }
}

}  // namespace cv::server::http1
