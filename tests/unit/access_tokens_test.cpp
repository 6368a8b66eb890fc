// vault::TokenVerifier against a real catalogue in a temp folder (no HSM): verdicts and its row
// cache. Rows are written with store:: directly, as the CLI's mint and revoke do from another
// process.
#include "coldvault/access_tokens.hpp"

#include <gtest/gtest.h>

#include "unit/temp_dir.hpp"
#include <unistd.h>

#include <filesystem>

#include "coldvault/api_tokens.hpp"
#include "coldvault/crypto.hpp"

using namespace cv;

namespace {

using Dir = cvtest::TempDir;

class TokenVerifierTest : public ::testing::Test {
 protected:
  Dir dir;
  std::string db = (dir.path / "c.db").string();
  store::Catalog cat = *store::Catalog::open(db);
  vault::TokenVerifier verifier{db};

  void SetUp() override {
    ASSERT_TRUE(cat.add_domain({"kid", {1}, 1}));
    ASSERT_TRUE(
        cat.add_vault({"Main", "kid", "https://main.vault.localhost", 90, false, "PEM", 1, {}, {}}));
    ASSERT_TRUE(
        cat.add_vault({"other", "kid", "https://other.vault.localhost", 90, false, "PEM", 1, {}, {}}));
  }
  // Stores a token for `vault` as mint does (hash of the whole text) and returns its text.
  std::string add(const std::string& id, const std::string& vault,
                  std::optional<std::int64_t> expires = {}) {
    std::string text = "cv1_" + id + "_c2VjcmV0";
    store::ApiTokenRow r{
        id, vault, crypto::sha256(as_bytes(text)), "secrets/get,keys/all", "l", 5, expires, {}};
    EXPECT_TRUE(store::add_api_token(cat, r));
    return text;
  }
  vault::TokenVerdict verdict(const std::string& text, const std::string& vault = "main") {
    auto c = verifier.verify(text, vault);
    EXPECT_TRUE(c) << c.error().message;
    return c ? c->verdict : vault::TokenVerdict::Invalid;
  }
};

}  // namespace

TEST_F(TokenVerifierTest, ValidToken_GrantsItsPermissionsLowerCase) {
  auto text = add("0123456789abcdef", "Main");
  auto c = verifier.verify(text, "MAIN");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->verdict, vault::TokenVerdict::Valid);
  EXPECT_EQ(c->token.vault, "Main");
  EXPECT_EQ(c->granted, (std::set<std::string>{"secrets/get", "keys/all"}));
  EXPECT_TRUE(vault::permits(c->granted, "keys", "unwrapKey"));
  EXPECT_FALSE(vault::permits(c->granted, "secrets", "set"));
}

TEST_F(TokenVerifierTest, WrongSecretMalformedUnknownOrOtherVault_AreInvalid) {
  auto text = add("0123456789abcdef", "Main");
  EXPECT_EQ(verdict(text + "x"), vault::TokenVerdict::Invalid);
  EXPECT_EQ(verdict("cv1_0123456789abcdef"), vault::TokenVerdict::Invalid);
  EXPECT_EQ(verdict("cv1_fedcba9876543210_c2VjcmV0"), vault::TokenVerdict::Invalid);
  EXPECT_EQ(verdict(text, "other"), vault::TokenVerdict::Invalid);
}

TEST_F(TokenVerifierTest, ExpiredToken_IsExpired) {
  auto text = add("0123456789abcdef", "Main", 1);
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Expired);
}

TEST_F(TokenVerifierTest, Revocation_IsSeenByTheNextVerify) {
  auto text = add("0123456789abcdef", "Main");
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Valid);
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Valid);  // now answered from the cache
  ASSERT_TRUE(store::revoke_api_token(cat, "Main", "0123456789abcdef", 10));
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Revoked);  // no window: the revocation moved data_version
}

TEST_F(TokenVerifierTest, AWriteToAnotherTable_DoesNotLeaveARevokedRowCached) {
  // The cache is emptied on every commit elsewhere, not only on token writes; a revocation right after an
  // unrelated write is still seen.
  auto text = add("0123456789abcdef", "Main");
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Valid);
  ASSERT_TRUE(cat.add_vault({"third", "kid", "https://third.vault.localhost", 90, false, "PEM", 1, {}, {}}));
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Valid);
  ASSERT_TRUE(store::revoke_api_token(cat, "Main", "0123456789abcdef", 10));
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Revoked);
}

TEST_F(TokenVerifierTest, NewToken_IsNeverHiddenByAnEarlierMiss) {
  std::string text = "cv1_0123456789abcdef_c2VjcmV0";
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Invalid);
  add("0123456789abcdef", "Main");
  EXPECT_EQ(verdict(text), vault::TokenVerdict::Valid);  // same instant: the miss was not cached
}

TEST_F(TokenVerifierTest, AdminToken_OpensOnlyTheManagementApi_AndVaultTokensNeverDo) {
  std::string admin = "cva1_0123456789abcdef_c2VjcmV0";
  store::ApiTokenRow r{"0123456789abcdef", "", crypto::sha256(as_bytes(admin)), "admin", "ops", 5, {}, {}};
  ASSERT_TRUE(store::add_admin_token(cat, r));
  auto data = add("0123456789abcdef", "Main");  // same id, other kind: the two never mix
  auto a = verifier.verify_admin(admin);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->verdict, vault::TokenVerdict::Valid);
  EXPECT_EQ(a->granted, (std::set<std::string>{"vaults/all"}));
  EXPECT_EQ(verifier.verify_admin(data)->verdict, vault::TokenVerdict::Invalid);
  EXPECT_EQ(verdict(admin), vault::TokenVerdict::Invalid);
  EXPECT_EQ(verdict(data), vault::TokenVerdict::Valid);
  EXPECT_EQ(verifier.verify_admin(admin + "x")->verdict, vault::TokenVerdict::Invalid);
  ASSERT_TRUE(store::revoke_admin_token(cat, "0123456789abcdef", 10));
  EXPECT_EQ(verifier.verify_admin(admin)->verdict, vault::TokenVerdict::Revoked);
  EXPECT_EQ(verdict(data), vault::TokenVerdict::Valid);  // revoking one kind leaves the other
}
