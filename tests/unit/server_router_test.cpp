// Path splitting, query decoding and route matching of the REST server (no TLS, no HSM).
#include <gtest/gtest.h>

#include "server/bundle_jobs.hpp"
#include "server/router.hpp"

using namespace cv;
using namespace cv::server;

namespace {

std::vector<std::string> split(std::string_view p) { return *split_path(p); }

Router routes() {
  Router r;
  auto h = [](Ctx&) -> Result<Response> { return Response{}; };
  r.add("GET", "secrets", {"secrets", "list"}, h);
  r.add("GET", "secrets/{name}/versions", {"secrets", "list"}, h);
  r.add("GET", "secrets/{name}/{version?}", {"secrets", "get"}, h);
  r.add("PUT", "secrets/{name}", {"secrets", "set"}, h);
  r.add("POST", "secrets/restore", {"secrets", "restore"}, h);
  r.add("POST", "keys/{name}/{version?}/sign", {"keys", "sign"}, h);
  return r;
}

}  // namespace

TEST(ServerRouter, SplitPath_KeepsEmptySegments) {
  EXPECT_EQ(split("/secrets/n/"), (std::vector<std::string>{"secrets", "n", ""}));
  EXPECT_EQ(split("/keys/n//sign"), (std::vector<std::string>{"keys", "n", "", "sign"}));
  EXPECT_EQ(split("//secrets"), (std::vector<std::string>{"secrets"}));
  EXPECT_EQ(split("/a%2Db"), (std::vector<std::string>{"a-b"}));
  EXPECT_TRUE(split("/").empty());
  EXPECT_FALSE(split_path("/a%zz"));
  EXPECT_FALSE(split_path("/a%2"));
}

TEST(ServerRouter, ParseQuery_DecodesNames) {
  auto q = *parse_query("api%2Dversion=7.5&maxresults=2&$skiptoken=b2Zm&x");
  EXPECT_EQ(q.at("api-version"), "7.5");
  EXPECT_EQ(q.at("maxresults"), "2");
  EXPECT_EQ(q.at("$skiptoken"), "b2Zm");
  EXPECT_EQ(q.at("x"), "");
  EXPECT_FALSE(parse_query("a=%G0"));
}

TEST(ServerRouter, Match_TrailingSlashMeansLatest) {
  Router r = routes();
  auto m = r.match("GET", split("/secrets/n/"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->permissions.at(0).action, "get");
  EXPECT_EQ(m.params.name, "n");
  EXPECT_EQ(m.params.version, "");
  m = r.match("GET", split("/secrets/n"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.version, "");
  m = r.match("GET", split("/secrets/n/abc"));
  EXPECT_EQ(m.params.version, "abc");
}

TEST(ServerRouter, Match_LiteralBeatsParameter) {
  Router r = routes();
  auto m = r.match("GET", split("/secrets/n/versions"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern.back(), "versions");
  m = r.match("GET", split("/Secrets/n/versions/"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern.back(), "versions");
}

TEST(ServerRouter, Match_DoubleSlashIsVersionlessCrypto) {
  Router r = routes();
  auto m = r.match("POST", split("/keys/k//sign"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.name, "k");
  EXPECT_EQ(m.params.version, "");
  EXPECT_EQ(r.match("POST", split("/keys/k/sign")).route, nullptr);  // not collapsed
}

TEST(ServerRouter, Match_ReportsMethodMismatchAndUnknown) {
  Router r = routes();
  auto m = r.match("DELETE", split("/secrets"));
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.method_mismatch);
  m = r.match("GET", split("/nothing"));
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.method_mismatch);
  EXPECT_EQ(r.match("GET", split("/secrets//")).route, nullptr);  // empty name
}

// The life-cycle routes come from one implementation (routes_lifecycle.cpp) for every collection: each
// collection must still get all five, with the permission Key Vault names for it.
TEST(ServerRouter, LifecycleRoutes_EveryCollectionHasAllFiveWithItsPermission) {
  Router r;
  add_secret_routes(r);
  add_key_routes(r);
  add_certificate_routes(r);
  struct Expect {
    const char* method;
    std::string path, action;
  };
  for (std::string coll : {"secrets", "keys", "certificates"}) {
    for (const auto& e : {Expect{"DELETE", "/" + coll + "/n1", "delete"},
                          Expect{"GET", "/deleted" + coll, "list"},
                          Expect{"GET", "/deleted" + coll + "/n1", "get"},
                          Expect{"DELETE", "/deleted" + coll + "/n1", "purge"},
                          Expect{"POST", "/deleted" + coll + "/n1/recover", "recover"}}) {
      SCOPED_TRACE(std::string(e.method) + " " + e.path);
      auto m = r.match(e.method, split(e.path));
      ASSERT_NE(m.route, nullptr);
      EXPECT_EQ(m.route->permissions.at(0).collection, coll);
      EXPECT_EQ(m.route->permissions.at(0).action, e.action);
      if (e.action != "list") {
        EXPECT_EQ(m.params.name, "n1");
      }
    }
  }
}

// The bundle job routes: a whole-vault start needs its action on every collection, a selective restore only
// its own collection's, and the per-object blob restore (POST /keys/restore) is untouched by PUT .../restore.
TEST(ServerRouter, BundleRoutes_NeedTheirActionOnEveryCollectionOrTheirOwn) {
  Router r;
  add_backup_routes(r);
  BundleJobs jobs;
  add_bundle_routes(r, "", [] { return Result<vault::Service>(std::unexpected(Error{})); }, jobs);
  auto names = [](const Route* route) {
    std::string out;
    for (const auto& p : route->permissions) out += p.collection + "/" + p.action + " ";
    return out;
  };
  auto m = r.match("POST", split("/backup"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(names(m.route), "secrets/backup keys/backup certificates/backup ");
  m = r.match("PUT", split("/restore"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(names(m.route), "secrets/restore keys/restore certificates/restore ");
  for (std::string coll : {"keys", "secrets", "certificates"}) {
    m = r.match("PUT", split("/" + coll + "/n1/restore"));
    ASSERT_NE(m.route, nullptr) << coll;
    EXPECT_EQ(names(m.route), coll + "/restore ");
    EXPECT_EQ(m.params.name, "n1");
  }
  m = r.match("POST", split("/keys/restore"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, (std::vector<std::string>{"keys", "restore"}));
  // A job's status is checked by its handler against what started the job.
  m = r.match("GET", split("/restore/0123/pending"));
  ASSERT_NE(m.route, nullptr);
  EXPECT_TRUE(m.route->permissions.empty());
}
