// The drop-in mode's pieces without a token: session tokens, the managed-identity answers, seed
// files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "coldvault/session_tokens.hpp"
#include "server/identity_endpoint.hpp"
#include "server/seed.hpp"

using namespace cv;

TEST(SessionTokens, Mint_VerifiesUntilItsExpiry) {
  vault::SessionTokens t;
  SecureString forever = t.mint(std::nullopt), hour = t.mint(1000 + 3600);
  EXPECT_EQ(t.verify(forever, 1000), vault::SessionVerdict::Valid);
  EXPECT_EQ(t.verify(hour, 1000), vault::SessionVerdict::Valid);
  EXPECT_EQ(t.verify(hour, 1000 + 3600), vault::SessionVerdict::Expired);
  EXPECT_TRUE(vault::SessionTokens::looks_like(hour));
}

TEST(SessionTokens, Verify_RefusesAnotherServersTokenAndAnyEditedCharacter) {
  vault::SessionTokens a, b;
  SecureString tok = a.mint(5000);
  EXPECT_EQ(b.verify(tok, 1), vault::SessionVerdict::Invalid);
  for (std::size_t i = 5; i < tok.size(); ++i) {
    std::string edited(tok);
    edited[i] = edited[i] == '1' ? '2' : '1';
    EXPECT_EQ(a.verify(edited, 1), vault::SessionVerdict::Invalid) << "position " << i;
  }
  // A later expiry cannot be written in: the MAC covers it.
  std::string later(tok);
  later.replace(5, 4, "9999");
  EXPECT_EQ(a.verify(later, 6000), vault::SessionVerdict::Invalid);
  EXPECT_EQ(a.verify("cvs1_", 1), vault::SessionVerdict::Invalid);
  EXPECT_EQ(a.verify("cv1_0123456789abcdef_x", 1), vault::SessionVerdict::Invalid);
}

namespace {

server::IdentityConfig identity() {
  return {std::make_shared<vault::SessionTokens>(), SecureString("the-header"), 3600};
}

server::IdentityAnswer ask(const server::IdentityConfig& c, std::string target,
                           std::map<std::string, std::string> headers) {
  return server::answer_identity_request(
      c, "GET", target,
      [&headers](std::string_view n) {
        auto it = headers.find(std::string(n));
        return it == headers.end() ? std::string_view() : std::string_view(it->second);
      },
      1000);
}

}  // namespace

TEST(IdentityEndpoint, AppService2019_AnswersATokenThatExpires) {
  auto c = identity();
  auto a = ask(c, "/msi/token?resource=https%3A%2F%2Flocalhost%3A8443&api-version=2019-08-01",
               {{"x-identity-header", "the-header"}});
  ASSERT_EQ(a.status, 200) << a.body;
  auto j = nlohmann::json::parse(std::string(a.body));
  EXPECT_EQ(j["expires_on"], "4600");
  EXPECT_EQ(j["token_type"], "Bearer");
  EXPECT_EQ(j["resource"], "https://localhost:8443");
  EXPECT_EQ(c.tokens->verify(j["access_token"].get<std::string>(), 4599),
            vault::SessionVerdict::Valid);
  EXPECT_EQ(c.tokens->verify(j["access_token"].get<std::string>(), 4600),
            vault::SessionVerdict::Expired);
}

TEST(IdentityEndpoint, MsiSecret2017_TakesTheSecretHeaderAndAScope) {
  auto c = identity();
  auto a = ask(c, "/msi/token?api-version=2017-09-01&resource=https://a.example/.default",
               {{"secret", "the-header"}});
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(nlohmann::json::parse(std::string(a.body))["resource"], "https://a.example");
}

TEST(IdentityEndpoint, MissingOrWrongHeader_Is401) {
  auto c = identity();
  std::string t = "/msi/token?resource=https://localhost&api-version=2019-08-01";
  EXPECT_EQ(ask(c, t, {}).status, 401);
  EXPECT_EQ(ask(c, t, {{"x-identity-header", "the-headex"}}).status, 401);
  EXPECT_EQ(ask(c, t, {{"secret", "the-header"}}).status, 401);  // the other protocol's header
  EXPECT_EQ(ask(c, "/msi/token?resource=https://localhost&api-version=2017-09-01",
                {{"x-identity-header", "the-header"}})
                .status,
            401);
}

TEST(IdentityEndpoint, BadResourceVersionOrPath_Refused) {
  auto c = identity();
  std::map<std::string, std::string> h = {{"x-identity-header", "the-header"}};
  EXPECT_EQ(ask(c, "/msi/token?api-version=2019-08-01", h).status, 400);
  EXPECT_EQ(ask(c, "/msi/token?resource=http://x&api-version=2019-08-01", h).status, 400);
  EXPECT_EQ(ask(c, "/msi/token?resource=https://x&api-version=2018-02-01", h).status, 400);
  EXPECT_EQ(ask(c, "/other?resource=https://x&api-version=2019-08-01", h).status, 404);
}

namespace {

std::string write_temp(const std::string& text) {
  char name[] = "/tmp/cv-seed-XXXXXX";
  int fd = mkstemp(name);
  ::close(fd);
  std::ofstream(name) << text;
  return name;
}

}  // namespace

TEST(SeedFile, EntriesBecomeTheRestRequestsThatCreateThem) {
  auto path = write_temp(R"({"secrets":[{"name":"db","value":"pw","vault":"other"}],
    "keys":[{"name":"k1","kty":"EC","crv":"P-256"},{"name":"k2","key":{"kty":"oct","k":"AAAA"}}],
    "certificates":[{"name":"c1"}]})");
  auto s = server::load_seed_file(path);
  std::remove(path.c_str());
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->size(), 4u);
  EXPECT_EQ((*s)[0].method + " " + (*s)[0].path + " " + (*s)[0].vault, "PUT /secrets/db other");
  EXPECT_EQ(nlohmann::json::parse(std::string((*s)[0].body)), nlohmann::json({{"value", "pw"}}));
  EXPECT_EQ((*s)[1].method + " " + (*s)[1].path, "POST /keys/k1/create");
  EXPECT_EQ((*s)[2].method + " " + (*s)[2].path, "PUT /keys/k2");
  EXPECT_EQ((*s)[3].method + " " + (*s)[3].path, "POST /certificates/c1/create");
  auto body = nlohmann::json::parse(std::string((*s)[3].body));
  EXPECT_EQ(body["policy"]["x509_props"]["subject"], "CN=c1");
}

TEST(SeedFile, InvalidEntry_NamedAndNothingReturned) {
  for (auto [text, want] : std::vector<std::pair<std::string, std::string>>{
           {R"({"secrets":[{"name":"ok","value":"v"},{"name":"bad/name","value":"v"}]})",
            "secrets[1]"},
           {R"({"secrets":[{"name":"novalue"}]})", "secrets[0] 'novalue'"},
           {R"({"keys":[{"name":"k"}]})", "keys[0] 'k'"},
           {R"({"widgets":[]})", "'widgets'"},
           {R"({"secrets":{}})", "secrets"},
           {"{not json", "not valid JSON"}}) {
    auto path = write_temp(text);
    auto s = server::load_seed_file(path);
    std::remove(path.c_str());
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().code, Errc::BadParameter);
    EXPECT_NE(s.error().message.find(want), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.find("\"v\""), std::string::npos);  // never a value
  }
}
