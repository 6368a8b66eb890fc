// The REST server's HTTP/1.1 request parser and serialiser (src/server/http1.hpp): framing rules,
// smuggling refusals, limits, split feeds and pipelining.
#include "server/http1.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cv::server::http1 {
namespace {

using S = Parser::Status;

struct Fed {
  std::vector<Message> requests;
  int status = 0;         // the refusal, 0 if none
  bool continued = false;  // the parser asked for 100 Continue
  std::size_t left = 0;    // bytes not consumed at the end
};

// Feeds `in` in pieces of `step` bytes (0: whole), taking every complete request.
Fed feed(const std::string& in, std::size_t step = 0, Limits limits = {}) {
  Parser p(limits);
  Fed f;
  std::string buf;
  std::size_t pos = 0;
  for (;;) {
    std::size_t used = 0;
    auto s = p.feed(buf, used);
    buf.erase(0, used);
    if (s == S::Done) {
      f.requests.push_back(p.take());
      continue;
    }
    if (s == S::Continue) {
      f.continued = true;
      continue;
    }
    if (s == S::Error) {
      f.status = p.error_status();
      break;
    }
    if (pos >= in.size()) break;  // NeedMore with nothing more to give
    std::size_t n = step == 0 ? in.size() - pos : std::min(step, in.size() - pos);
    buf.append(in, pos, n);
    pos += n;
  }
  f.left = buf.size() + (in.size() - pos);
  return f;
}

const std::string kGet = "GET /secrets/a?api-version=7.5 HTTP/1.1\r\nHost: v.vault.localhost\r\n"
                         "Authorization: Bearer tok\r\nx-ms-client-request-id: abc\r\n\r\n";

TEST(Http1, ParsesARequestHeadIntoTheAppsFields) {
  auto f = feed(kGet);
  ASSERT_EQ(f.status, 0);
  ASSERT_EQ(f.requests.size(), 1u);
  const auto& r = f.requests[0].request;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/secrets/a?api-version=7.5");
  EXPECT_EQ(r.host, "v.vault.localhost");
  EXPECT_EQ(r.authorization, "Bearer tok");
  EXPECT_EQ(r.client_request_id, "abc");
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(f.requests[0].keep_alive);
}

TEST(Http1, ByteByByteFeedGivesTheSameRequest) {
  std::string in = "PUT /s HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
  auto whole = feed(in), split = feed(in, 1);
  ASSERT_EQ(split.requests.size(), 1u);
  EXPECT_EQ(split.requests[0].request.body.view(), "hello world");
  EXPECT_EQ(whole.requests[0].request.body.view(), "hello world");
}

TEST(Http1, PipelinedRequestsComeOutInOrderAndTheRestIsNotConsumed) {
  std::string two = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPUT /2 HTTP/1.1\r\nHost: h\r\n"
                    "Content-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t step : {0u, 1u, 7u}) {
    auto f = feed(two, step);
    ASSERT_EQ(f.requests.size(), 3u) << step;
    EXPECT_EQ(f.requests[0].request.target, "/1");
    EXPECT_EQ(f.requests[1].request.body.view(), "abc");
    EXPECT_EQ(f.requests[2].request.target, "/3");
  }
  Parser p;
  std::size_t used = 0;
  ASSERT_EQ(p.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2", used), S::Done);
  EXPECT_EQ(used, std::string("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n").size());
  ASSERT_EQ(p.feed("more", used), S::Done) << "nothing more is consumed before take()";
  EXPECT_EQ(used, 0u);
}

TEST(Http1, ChunkedBodyIsDecodedIgnoringExtensionsAndTrailers) {
  std::string in = "PUT /s HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                   "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t step : {0u, 1u, 3u}) {
    auto f = feed(in, step);
    ASSERT_EQ(f.status, 0) << step;
    ASSERT_EQ(f.requests.size(), 2u) << step;
    EXPECT_EQ(f.requests[0].request.body.view(), "hello world");
    EXPECT_EQ(f.requests[1].request.target, "/next");
  }
}

TEST(Http1, TransferEncodingIsCaseInsensitiveChunkedOnly) {
  EXPECT_EQ(feed("PUT / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n").requests.size(), 1u);
  for (const char* te : {"gzip", "gzip, chunked", "chunked, gzip", "chunked;q=1", "identity", ""})
    EXPECT_EQ(feed(std::string("PUT / HTTP/1.1\r\nTransfer-Encoding: ") + te + "\r\n\r\n0\r\n\r\n").status,
              400)
        << te;
  EXPECT_EQ(feed("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")
                .status,
            400);
}

TEST(Http1, SmugglingFramingsAreRefused) {
  // Both framings: a front proxy may pick the other one.
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .status,
            400);
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n").status, 400);
  // Duplicate Content-Length, even when equal; lists; signs; spaces inside; hex.
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc").status, 400);
  for (const char* cl : {"3, 3", "+3", "-1", "3 3", "0x3", "", "3a"})
    EXPECT_EQ(feed(std::string("POST / HTTP/1.1\r\nContent-Length: ") + cl + "\r\n\r\nabc").status, 400)
        << cl;
  // Whitespace before the colon (a proxy might read "Transfer-Encoding " as another field).
  EXPECT_EQ(feed("POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n").status, 400);
  // Transfer-Encoding in HTTP/1.0.
  EXPECT_EQ(feed("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status, 400);
  // Two Host or Authorization fields.
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n").status, 400);
}

TEST(Http1, LineEndingOdditiesAndObsFoldAreRefused) {
  EXPECT_EQ(feed("GET / HTTP/1.1\nHost: h\r\n\r\n").status, 400);           // bare LF
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nHost: h\n\r\n").status, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nHost: h\r\r\n\r\n").status, 400);       // bare CR
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n").status, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nX: a\r\n  folded\r\n\r\n").status, 400);  // obs-fold
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nX: a\r\n\tfolded\r\n\r\n").status, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nX: a\x01\r\n\r\n").status, 400);         // control character
  EXPECT_EQ(feed(std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 27)).status, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nNo colon\r\n\r\n").status, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\n: empty name\r\n\r\n").status, 400);
  EXPECT_EQ(feed("GET / HTTP/1.1\r\nBad(name): v\r\n\r\n").status, 400);
  // Chunk framing: bare LF after the size, data not followed by CRLF, a non-hex size.
  const std::string te = "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(feed(te + "3\nabc\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(feed(te + "3\r\nabcd\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(feed(te + "zz\r\nabc\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(feed(te + "3 junk\r\nabc\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(feed(te + "0\r\nbad trailer\r\n\r\n").status, 400);
}

TEST(Http1, EmptyLinesBeforeTheRequestLineAreSkipped) {
  auto f = feed("\r\n\r\n" + kGet);
  ASSERT_EQ(f.requests.size(), 1u);
  EXPECT_EQ(feed("\n" + kGet).status, 400);
}

TEST(Http1, RequestLineMustBeMethodTargetVersionWithSingleSpaces) {
  for (const char* line : {"GET  / HTTP/1.1", "GET /  HTTP/1.1", "GET / HTTP/1.1 ", "GET /",
                           "GET / http/1.1", "GET / HTTP/1", "GET / HTTP/1.1x", "G@T / HTTP/1.1",
                           "GET x HTTP/1.1", "GET /a\x7f HTTP/1.1", " GET / HTTP/1.1",
                           "GET\t/ HTTP/1.1"})
    EXPECT_EQ(feed(std::string(line) + "\r\nHost: h\r\n\r\n").status, 400) << line;
  EXPECT_EQ(feed("GET / HTTP/2.0\r\nHost: h\r\n\r\n").status, 505);
  auto f = feed("DELETE /x HTTP/1.0\r\n\r\n");
  ASSERT_EQ(f.requests.size(), 1u);
  EXPECT_EQ(f.requests[0].minor, 0);
}

TEST(Http1, RequestLineOver8KiBIs414) {
  std::string target(8 * 1024, 'a');
  target[0] = '/';
  EXPECT_EQ(feed("GET " + target + " HTTP/1.1\r\n\r\n").status, 414);
  EXPECT_EQ(feed("GET " + target + " HTTP/1.1\r\n\r\n", 100).status, 414);
  std::string fits(8 * 1024 - 20, 'a');
  fits[0] = '/';
  EXPECT_EQ(feed("GET " + fits + " HTTP/1.1\r\n\r\n").requests.size(), 1u);
}

TEST(Http1, HeaderBlockOver64KiBIs431) {
  std::string head = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 70; ++i) head += "X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'p') + "\r\n";
  EXPECT_EQ(feed(head + "\r\n").status, 431);
  const std::string te = "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  std::string trailers;
  for (int i = 0; i < 70; ++i) trailers += "T: " + std::string(1000, 't') + "\r\n";
  EXPECT_EQ(feed(te + trailers + "\r\n").status, 431);
}

TEST(Http1, BodyOverTheLimitIs413BeforeItIsRead) {
  Limits l;
  l.max_body = 10;
  EXPECT_EQ(feed("PUT / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 0, l).status, 413);
  EXPECT_EQ(feed("PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, l).status, 413);
  auto ok = feed("PUT / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", 0, l);
  ASSERT_EQ(ok.requests.size(), 1u);
  // Chunked: the decoded size counts, across chunks, and a huge size line is refused at once.
  const std::string te = "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(feed(te + "6\r\n012345\r\n5\r\n01234\r\n0\r\n\r\n", 0, l).status, 413);
  EXPECT_EQ(feed(te + "ffffffffffffffffffffffff\r\n", 0, l).status, 413);
  EXPECT_EQ(feed(te + "5\r\n01234\r\n5\r\n01234\r\n0\r\n\r\n", 0, l).requests.size(), 1u);
  Parser p(l);
  std::size_t used = 0;
  ASSERT_EQ(p.feed("PUT / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", used), S::Error);
  EXPECT_NE(p.error_message().find("limit of 10 bytes"), std::string::npos);
}

TEST(Http1, ExpectInHttp10_IsIgnored) {
  // A 1.0 client would take an interim 100 for the answer and read every later answer one behind.
  auto f = feed("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_FALSE(f.continued);
  ASSERT_EQ(f.requests.size(), 1u);
}

TEST(Http1, AFewEmptyLinesBeforeARequestAreSkipped_AnEndlessStreamIsRefused) {
  EXPECT_EQ(feed("\r\n\r\nGET / HTTP/1.1\r\n\r\n").requests.size(), 1u);
  std::string flood;
  for (int i = 0; i < 1000; ++i) flood += "\r\n";
  auto f = feed(flood);
  EXPECT_EQ(f.status, 400);
  EXPECT_GT(f.left, 900u);  // refused early, not after reading the whole stream
}

TEST(Http1, ExpectContinueAsksForA100UnlessTheBodyIsTooLarge) {
  auto f = feed("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_TRUE(f.continued);
  ASSERT_EQ(f.requests.size(), 1u);
  EXPECT_EQ(f.requests[0].request.body.view(), "abc");
  EXPECT_TRUE(feed("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                  .continued);
  Limits l;
  l.max_body = 2;
  auto big = feed("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", 0, l);
  EXPECT_FALSE(big.continued);
  EXPECT_EQ(big.status, 413);
  // No body: nothing to continue to.
  auto none = feed("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_FALSE(none.continued);
  EXPECT_EQ(none.requests.size(), 1u);
}

TEST(Http1, ConnectionHeaderAndVersionDecideKeepAlive) {
  auto ka = [](const std::string& in) { return feed(in).requests.at(0).keep_alive; };
  EXPECT_TRUE(ka("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n"));
  EXPECT_FALSE(ka("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(ka("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
  EXPECT_TRUE(feed("HEAD / HTTP/1.1\r\n\r\n").requests.at(0).head_method);
}

TEST(Http1, IdleOnlyBeforeTheFirstByteOfARequest) {
  Parser p;
  EXPECT_TRUE(p.idle());
  std::size_t used = 0;
  p.feed("GE", used);
  EXPECT_FALSE(p.idle());
  ASSERT_EQ(p.feed("T / HTTP/1.1\r\n\r\n", used), S::Done);
  p.take();
  EXPECT_TRUE(p.idle());
}

TEST(Http1, AnErrorIsFinal) {
  Parser p;
  std::size_t used = 0;
  ASSERT_EQ(p.feed("GET / HTTP/1.1\nfoo", used), S::Error);
  EXPECT_EQ(p.feed(kGet, used), S::Error);
  EXPECT_EQ(used, 0u);
}

TEST(Http1Serialize, WritesStatusHeadersTypeLengthAndBody) {
  Response r{200, "{\"a\":1}", {{"x-ms-request-id", "7"}}};
  EXPECT_EQ(serialize(r, true, 1, false),
            "HTTP/1.1 200 OK\r\nx-ms-request-id: 7\r\nContent-Type: application/json; charset=utf-8\r\n"
            "Content-Length: 7\r\n\r\n{\"a\":1}");
  EXPECT_EQ(serialize(r, false, 1, false).find("Connection: close\r\n") != std::string::npos, true);
  EXPECT_NE(serialize(r, true, 0, false).find("Connection: keep-alive\r\n"), std::string::npos);
  std::string head = serialize(r, true, 1, true);
  EXPECT_NE(head.find("Content-Length: 7\r\n"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "HEAD: no body bytes";
}

TEST(Http1Serialize, NoContentHasNoBodyTypeOrLength) {
  Response r{204, "", {}};
  EXPECT_EQ(serialize(r, true, 1, false), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(Http1Serialize, RefusalsCarryKeyVaultsJsonEnvelope) {
  auto r = refusal(413, "too big");
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("\"RequestEntityTooLarge\""), std::string::npos);
  auto b = refusal(400, "The request has a bare LF.");
  EXPECT_NE(b.body.find("\"BadParameter\""), std::string::npos);
  EXPECT_NE(b.body.find("bare LF"), std::string::npos);
}

}  // namespace
}  // namespace cv::server::http1
