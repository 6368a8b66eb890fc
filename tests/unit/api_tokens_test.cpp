// The api_tokens table through store/api_tokens (real SQLite in a temp folder, no HSM).
#include "coldvault/api_tokens.hpp"

#include <gtest/gtest.h>

#include "unit/temp_dir.hpp"
#include <unistd.h>

#include <filesystem>

using namespace cv;
using namespace cv::store;

namespace {

using Dir = cvtest::TempDir;

class ApiTokens : public ::testing::Test {
 protected:
  Dir dir;
  Catalog cat = *Catalog::open((dir.path / "c.db").string());
  void SetUp() override {
    ASSERT_TRUE(cat.add_domain({"kid", {1}, 1}));
    ASSERT_TRUE(
        cat.add_vault({"Main", "kid", "https://main.vault.localhost", 90, false, "PEM", 1, {}, {}}));
  }
  ApiTokenRow row(std::string id) {
    return {id, "MAIN", Bytes(32, static_cast<std::uint8_t>(id[0])), "all", "l", 5, {}, {}};
  }
};

}  // namespace

TEST_F(ApiTokens, AddFindListRevoke) {
  ASSERT_TRUE(add_api_token(cat, row("a1")));
  ASSERT_TRUE(add_api_token(cat, row("b2")));
  auto t = api_token(cat, "a1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->vault, "Main");
  EXPECT_EQ(t->hash, Bytes(32, 'a'));
  EXPECT_FALSE(t->revoked);
  EXPECT_EQ(api_tokens(cat, "main")->size(), 2u);
  ASSERT_TRUE(revoke_api_token(cat, "main", "a1", 99));
  EXPECT_EQ(*api_token(cat, "a1")->revoked, 99);
  EXPECT_EQ(revoke_api_token(cat, "main", "a1", 100).error().code,
            Errc::NotFound);  // already revoked
}

TEST_F(ApiTokens, RefusesDuplicatesAndUnknownVaults) {
  ASSERT_TRUE(add_api_token(cat, row("a1")));
  EXPECT_EQ(add_api_token(cat, row("a1")).error().code, Errc::Conflict);
  auto r = row("c3");
  r.vault = "nope";
  EXPECT_EQ(add_api_token(cat, r).error().code, Errc::NotFound);
  EXPECT_EQ(api_token(cat, "zz").error().code, Errc::NotFound);
}
