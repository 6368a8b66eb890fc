// Paging tokens, permission names, token ids, Host mapping, error mapping and the Service pool.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <type_traits>

#include "coldvault/access_tokens.hpp"
#include "coldvault/server.hpp"
#include "server/app.hpp"
#include "server/auth.hpp"
#include "server/body.hpp"
#include "server/errors.hpp"
#include "server/paging.hpp"
#include "server/pool.hpp"
#include "server/request_context.hpp"

using namespace cv;
using namespace cv::server;

TEST(ServerPaging, Skiptoken_RoundTripsAndRefusesForgeries) {
  EXPECT_EQ(*read_skiptoken(make_skiptoken("my-Secret-1")), "my-Secret-1");
  EXPECT_EQ(*read_skiptoken(make_skiptoken(std::string(32, 'f'))), std::string(32, 'f'));
  EXPECT_FALSE(read_skiptoken("zzz"));
  EXPECT_FALSE(read_skiptoken(""));
  EXPECT_FALSE(read_skiptoken(make_skiptoken("")));                   // no key
  EXPECT_FALSE(read_skiptoken(make_skiptoken(std::string(128, 'a'))));  // longer than any name
  EXPECT_FALSE(read_skiptoken(make_skiptoken("a/b")));                 // not a name
  EXPECT_FALSE(read_skiptoken(make_skiptoken("a'--")));
  EXPECT_FALSE(read_skiptoken("b2Zmc2V0OjI1"));  // "offset:25", the old form
}

TEST(AccessTokens, NormalizePermissions_AcceptsKeyVaultNames) {
  using vault::normalize_permissions;
  EXPECT_EQ(*normalize_permissions({"secrets/get,Secrets/GET", "keys/unwrapkey"}),
            "secrets/get,keys/unwrapKey");
  EXPECT_EQ(*normalize_permissions({"all"}), "all");
  EXPECT_EQ(*normalize_permissions({"keys/all"}), "keys/all");
  EXPECT_FALSE(normalize_permissions({"secrets/fly"}));
  EXPECT_FALSE(normalize_permissions({"vaults/get"}));
  EXPECT_FALSE(normalize_permissions({""}));
}

TEST(ServerAuth, Allowed_HonoursAllAndCollectionAll) {
  Principal p{"id", "v", {"secrets/get", "keys/all"}};
  EXPECT_TRUE(allowed(p, {"secrets", "get"}));
  EXPECT_FALSE(allowed(p, {"secrets", "set"}));
  EXPECT_TRUE(allowed(p, {"keys", "unwrapKey"}));
  EXPECT_TRUE(allowed(Principal{"id", "v", {"all"}}, {"secrets", "purge"}));
}

TEST(AccessTokens, TokenId_OnlyFromWellFormedTokens) {
  auto token_id_of = vault::access_token_id;
  EXPECT_EQ(*token_id_of("cv1_0123456789abcdef_secret"), "0123456789abcdef");
  EXPECT_FALSE(token_id_of("cv1_0123456789ABCDEF_secret"));
  EXPECT_FALSE(token_id_of("cv1_0123456789abcdef"));
  EXPECT_FALSE(token_id_of("bearer-junk"));
}

TEST(ServerAuth, Unauthorized_CarriesTheChallenge) {
  Response r = unauthorized("AKV10000: Request is missing a Bearer or PoP token.", "kv.vault.localhost:8443");
  EXPECT_EQ(r.status, 401);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(
      r.headers[0].second,
      "Bearer "
      "authorization=\"https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000\", "
      "resource=\"https://vault.localhost:8443\"");
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "Unauthorized");
}

// The SDKs accept the challenge only when the request host ends with "." + the resource's host (Python
// compares host:port): the resource drops the first label and keeps the port.
TEST(ServerAuth, ChallengeResource_IsADomainSuffixOfTheRequestHost) {
  EXPECT_EQ(challenge_resource("a.localhost:8443"), "https://localhost:8443");
  EXPECT_EQ(challenge_resource("A.Vault.Localhost:1"), "https://vault.localhost:1");
  EXPECT_EQ(challenge_resource("kv.example.test"), "https://example.test");
  EXPECT_EQ(challenge_resource("127.0.0.1:8443"), "https://0.0.1:8443");
  // No label to drop: the host itself (no suffix exists that any SDK accepts).
  EXPECT_EQ(challenge_resource("localhost:8443"), "https://localhost:8443");
  EXPECT_EQ(challenge_resource("[::1]:8443"), "https://[::1]:8443");
}

TEST(ServerContext, VaultFromHost) {
  VaultResolver r("main", {{"kv.example", "other"}});
  EXPECT_EQ(r.vault_for("127.0.0.1:8443"), "main");
  EXPECT_EQ(r.vault_for("localhost"), "main");
  EXPECT_EQ(r.vault_for("Second.vault.localhost:8443"), "second");
  EXPECT_EQ(r.vault_for("KV.example:1"), "other");
  EXPECT_EQ(r.vault_for("unknown.example:1"), "main");  // not strict: the default, as before
}

TEST(ServerContext, VaultFromLocalhostSubdomain_OnlyForKnownVaults) {
  VaultResolver r("a", {{"kv.example", "b"}}, {"a", "b"}, /*strict=*/true);
  EXPECT_EQ(r.vault_for("a.localhost:8443"), "a");
  EXPECT_EQ(r.vault_for("B.localhost"), "b");
  EXPECT_EQ(r.vault_for("c.localhost:8443"), "");
  EXPECT_EQ(r.vault_for("kv.example"), "b");
  EXPECT_EQ(r.vault_for("c.vault.localhost"), "c");  // any vault there, as before
  EXPECT_EQ(r.vault_for("localhost:8443"), "a");
  EXPECT_EQ(r.vault_for("127.0.0.1:8443"), "a");
  EXPECT_EQ(r.vault_for("[::1]:8443"), "a");
  EXPECT_EQ(r.vault_for("elsewhere.example"), "");  // strict: unknown names are refused
  EXPECT_EQ(r.known_list(), "a, b");
  EXPECT_TRUE(valid_host("[::1]:8443"));
  EXPECT_FALSE(valid_host("evil/path"));
  EXPECT_FALSE(valid_host(""));
  EXPECT_EQ(parse_hostname_option("h.example=v2", "main")->vault, "v2");
  EXPECT_EQ(parse_hostname_option("h.example", "main")->vault, "main");
  EXPECT_FALSE(parse_hostname_option("=v", "main"));
}

TEST(ServerErrors, HsmFaultsAre503AndClientMistakes4xx) {
  for (Errc c : kAllErrc) {
    Response r = error_response(Error{c, "m", {}, {}, {}});
    auto j = nlohmann::json::parse(r.body);
    EXPECT_TRUE(j["error"]["code"].is_string());
    if (c == Errc::HsmUnavailable || c == Errc::HsmFailure || c == Errc::HsmLoginFailed) {
      EXPECT_EQ(r.status, 503);
    }
  }
  EXPECT_EQ(error_response(Error{Errc::BadParameter, "x", {}, {}, {}}).status, 400);
  // Classified by code only: a message that merely names a CKR_ is not an outage.
  EXPECT_EQ(status_for(Error{Errc::BadParameter, "AES-GCM: CKR_OBJECT_HANDLE_INVALID", {}, {}, {}}), 400);
  EXPECT_EQ(status_for(Error{Errc::Corruption, "key row fails its integrity check", {}, {}, {}}), 500);
}

TEST(ServerBody, RejectsWrongTypes) {
  Request req;
  req.body = R"({"value":"v","attributes":{"exp":1.5}})";
  auto j = json_body(req, false);
  ASSERT_TRUE(j);
  EXPECT_FALSE(attributes_of(*j));
  req.body = "[]";
  EXPECT_FALSE(json_body(req, false));
  req.body = "";
  EXPECT_FALSE(json_body(req, false));
  EXPECT_TRUE(json_body(req, true));
  EXPECT_FALSE(opt_b64url(nlohmann::json{{"value", "a+b/"}}, "value"));
}

// Request bodies may carry secrets: the body, the parsed tree and the secret fields copied out of it
// all live in wiping buffers, an 8-byte value off the objects' inline buffers.
static_assert(std::is_same_v<decltype(Request::body), SecureString>);
static_assert(std::is_same_v<BodyJson::string_t, SecureString>);

TEST(ServerBody, SecretFieldsComeOutInWipedHeapBuffers) {
  Request req;
  req.body = R"({"value":"8bytes!!","key":"AAECAwQFBgc"})";
  auto j = json_body(req, false);
  ASSERT_TRUE(j);
  auto v = req_secret(*j, "value");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->view(), "8bytes!!");
  auto* lo = reinterpret_cast<const char*>(&*v);
  EXPECT_FALSE(v->data() >= lo && v->data() < lo + sizeof(SecureString));
  auto k = req_b64url_secret(*j, "key");
  ASSERT_TRUE(k);
  EXPECT_EQ(*k, (SecureBytes{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_FALSE(req_secret(*j, "missing"));
  EXPECT_FALSE(req_b64url_secret(BodyJson{{"key", "a+b/"}}, "key"));
}

TEST(ServerPool, DiscardedObjectsAreReopened) {
  int opened = 0;
  bool broken = false;
  Pool<int> pool(
      [&]() -> Result<int> {
        if (broken) return fail(Errc::HsmUnavailable, "token gone");
        return ++opened;
      },
      2);
  {
    auto a = pool.acquire();
    ASSERT_TRUE(a);
    EXPECT_EQ(**a, 1);
  }
  {
    auto a = pool.acquire();  // the idle one again
    EXPECT_EQ(**a, 1);
    a->discard();
  }
  broken = true;
  EXPECT_FALSE(pool.acquire());
  EXPECT_EQ(pool.live(), 0u);
  broken = false;
  auto b = pool.acquire();
  ASSERT_TRUE(b);
  EXPECT_EQ(**b, 2);
}

TEST(ServerPool, NeverMoreThanMax) {
  Pool<int> pool([]() -> Result<int> { return 7; }, 1, std::chrono::milliseconds(50));
  auto a = pool.acquire();
  ASSERT_TRUE(a);
  auto b = pool.acquire();
  EXPECT_FALSE(b);  // timed out waiting
}

// Module recycling (ADR 0022): once the retire predicate says so, no object is lent or opened until every
// object of the pool, busy ones included, has been destroyed.
TEST(ServerPool, RetireDrainsEveryObjectBeforeOpeningAnother) {
  struct Tracker {
    int id;
    std::atomic<int>* alive;
    ~Tracker() { --*alive; }
  };
  std::atomic<int> alive{0}, opened{0}, alive_at_open{-1};
  using Obj = std::unique_ptr<Tracker>;
  Pool<Obj> pool(
      [&]() -> Result<Obj> {
        alive_at_open = alive.load();
        ++alive;
        return Obj(new Tracker{++opened, &alive});
      },
      3, std::chrono::seconds(10), [](Obj& o) { return o->id == 2; });
  std::optional<Pool<Obj>::Lease> a, b, c;
  a.emplace(std::move(*pool.acquire()));
  b.emplace(std::move(*pool.acquire()));
  c.emplace(std::move(*pool.acquire()));
  c.reset();  // idle
  EXPECT_EQ(alive.load(), 3);
  b.reset();  // object 2 asks for retirement: it and the idle object 3 go at once
  EXPECT_EQ(alive.load(), 1);
  EXPECT_EQ(pool.drains(), 1u);
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto l = pool.acquire();
    EXPECT_TRUE(l);
    if (l) {
      EXPECT_EQ((**l)->id, 4);
    }
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_FALSE(got.load()) << "nothing may be lent while object 1 is still out";
  a.reset();  // given back during the drain: destroyed, not kept
  waiter.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(alive_at_open.load(), 0) << "the new object was opened only after every old one was gone";
  EXPECT_EQ(pool.live(), 1u);
}

TEST(ServerManagement, PathsUnderSubscriptionsAreTheManagementApis) {
  EXPECT_TRUE(is_management("/subscriptions/s/providers/Microsoft.KeyVault/deletedVaults?api-version=2023-07-01"));
  EXPECT_TRUE(is_management("//SUBSCRIPTIONS/s"));
  EXPECT_FALSE(is_management("/secrets/subscriptions?api-version=7.4"));
  EXPECT_FALSE(is_management("/subscriptionsx/s"));
  EXPECT_FALSE(is_management("/"));
}

TEST(ServerManagement, ApiVersionIsAnArmDate) {
  EXPECT_TRUE(supported_management_api_version("2023-07-01"));
  EXPECT_TRUE(supported_management_api_version("2021-04-01-preview"));
  EXPECT_FALSE(supported_management_api_version("7.4"));
  EXPECT_FALSE(supported_management_api_version("2023-07-1"));
  EXPECT_FALSE(supported_management_api_version("2023-07-01-beta"));
  EXPECT_FALSE(supported_management_api_version(""));
}
