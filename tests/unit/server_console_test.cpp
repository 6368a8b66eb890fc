// The web console's front door (src/server/console.cpp, docs/adr/0020-web-console.md): the embedded files,
// their headers, and which origins CORS answers. The browser test (tests/sdk/browser) drives the whole page.
#include <gtest/gtest.h>

#include <string>

#include "server/console.hpp"
#include "server/console_assets.hpp"
#include "server/http1.hpp"

namespace cv::server {
namespace {

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

Request get(const std::string& target, const std::string& method = "GET") {
  Request r;
  r.method = method;
  r.target = target;
  r.host = "localhost:8443";
  return r;
}

TEST(ServerConsole, IsConsole_OnlyTheConsolesPaths) {
  EXPECT_TRUE(is_console("/console"));
  EXPECT_TRUE(is_console("/console/"));
  EXPECT_TRUE(is_console("/console/app.mjs?x=1"));
  EXPECT_FALSE(is_console("/consoles"));
  EXPECT_FALSE(is_console("/secrets/console"));
  EXPECT_FALSE(is_console("/"));
}

TEST(ServerConsole, ServesEmbeddedFilesWithTheirTypeAndSecurityHeaders) {
  ASSERT_FALSE(console_assets().empty());
  Response index = console_response(get("/console/"), "https");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"app.mjs\"></script>"), std::string::npos);
  EXPECT_EQ(header(index, "Content-Type"), "text/html; charset=utf-8");
  const std::string csp = header(index, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_NE(csp.find("connect-src 'self' https://*.localhost:8443;"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  EXPECT_EQ(header(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(index, "X-Frame-Options"), "DENY");
  EXPECT_EQ(header(index, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");

  Response js = console_response(get("/console/app.mjs"), "https");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(header(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(console_response(get("/console/console.css"), "https"), "Content-Type"), "text/css; charset=utf-8");
}

TEST(ServerConsole, RedirectsRefusesAndNotFound) {
  Response bare = console_response(get("/console"), "https");
  EXPECT_EQ(bare.status, 301);
  EXPECT_EQ(header(bare, "Location"), "/console/");
  EXPECT_EQ(console_response(get("/console/nothere.mjs"), "https").status, 404);
  EXPECT_EQ(console_response(get("/console/../secrets"), "https").status, 404);
  EXPECT_EQ(console_response(get("/console/sub/app.mjs"), "https").status, 404);
  Response post = console_response(get("/console/", "POST"), "https");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
  EXPECT_EQ(header(post, "X-Content-Type-Options"), "nosniff");
}

TEST(ServerConsole, SerializeKeepsTheFilesContentType) {
  Response js = console_response(get("/console/app.mjs"), "https");
  std::string wire = http1::serialize(js, true, 1, false);
  EXPECT_NE(wire.find("Content-Type: text/javascript; charset=utf-8\r\n"), std::string::npos);
  EXPECT_EQ(wire.find("application/json"), std::string::npos);
  std::string head = http1::serialize(js, true, 1, true);
  EXPECT_NE(head.find("Content-Length: " + std::to_string(js.body.size()) + "\r\n"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
}

TEST(ServerCors, OwnOrigin_OnlyThisServersNamesSchemeAndPort) {
  VaultResolver res("main", {{"vault.corp.example", "main"}}, {"main", "other"});
  EXPECT_TRUE(own_origin("https://localhost:8443", "other.vault.localhost:8443", "https", res));
  EXPECT_TRUE(own_origin("https://main.localhost:8443", "other.vault.localhost:8443", "https", res));
  EXPECT_TRUE(own_origin("https://127.0.0.1:8443", "localhost:8443", "https", res));
  EXPECT_TRUE(own_origin("https://vault.corp.example:8443", "localhost:8443", "https", res));
  EXPECT_FALSE(own_origin("https://evil.example:8443", "localhost:8443", "https", res));
  EXPECT_FALSE(own_origin("https://localhost:9443", "localhost:8443", "https", res)) << "another port";
  EXPECT_FALSE(own_origin("http://localhost:8443", "localhost:8443", "https", res)) << "another scheme";
  EXPECT_FALSE(own_origin("https://localhost", "localhost:8443", "https", res));
  EXPECT_FALSE(own_origin("https://localhost:8443/path", "localhost:8443", "https", res));
  EXPECT_FALSE(own_origin("null", "localhost:8443", "https", res));
  EXPECT_FALSE(own_origin("", "localhost:8443", "https", res));
}

TEST(ServerCors, PreflightAllowsOwnOriginsOnlyAndNeverAWildcard) {
  Request pre = get("/secrets?api-version=7.5", "OPTIONS");
  pre.origin = "https://main.localhost:8443";
  Response ok = preflight_response(pre, true);
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(header(ok, "Access-Control-Allow-Origin"), "https://main.localhost:8443");
  EXPECT_EQ(header(ok, "Vary"), "Origin");
  EXPECT_NE(header(ok, "Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  Response refused = preflight_response(pre, false);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(header(refused, "Access-Control-Allow-Origin"), "");
}

}  // namespace
}  // namespace cv::server
