// The audit log's pure parts: RFC 9162 trees (frontier, roots, consistency proofs) checked against a
// direct recursive MTH written here, and the canonical record line (docs/audit.md §1-2).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "coldvault/api_tokens.hpp"
#include "coldvault/audit_log.hpp"
#include "coldvault/bytes.hpp"
#include "coldvault/crypto.hpp"

namespace {

using cv::merkle::Hash;

Hash leaf_of(int i) {
  std::string s = "record " + std::to_string(i);
  return cv::merkle::leaf_hash(cv::as_bytes(s));
}

// MTH(D[n]) straight from RFC 9162 §2.1.1, over leaf hashes.
Hash mth(std::span<const Hash> d) {
  if (d.empty()) return cv::merkle::empty_root();
  if (d.size() == 1) return d[0];
  std::size_t k = 1;
  while (k * 2 < d.size()) k *= 2;
  return cv::merkle::node_hash(mth(d.subspan(0, k)), mth(d.subspan(k)));
}

std::string hex(const Hash& h) { return cv::to_hex(cv::ByteView(h.data(), h.size())); }

TEST(AuditMerkle, HashesAreRfc9162s) {
  EXPECT_EQ(hex(cv::merkle::empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(cv::merkle::leaf_hash({})), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(AuditMerkle, FrontierRootIsTheTreeHeadAtEverySize) {
  std::vector<Hash> leaves;
  cv::merkle::Frontier f;
  EXPECT_EQ(f.root(), cv::merkle::empty_root());
  for (int i = 0; i < 70; ++i) {
    leaves.push_back(leaf_of(i));
    f.append(leaves.back());
    ASSERT_EQ(f.root(), mth(leaves)) << "size " << leaves.size();
    ASSERT_EQ(f.hashes().size(), static_cast<std::size_t>(std::popcount(leaves.size())));
    auto again = cv::merkle::Frontier::of(f.size(), f.hashes());
    ASSERT_TRUE(again);
    ASSERT_EQ(again->root(), f.root());
  }
  EXPECT_FALSE(cv::merkle::Frontier::of(5, {leaf_of(0)})) << "5 leaves need 2 subtree roots";
}

TEST(AuditMerkle, ConsistencyProofsVerifyAndTamperedOnesDoNot) {
  std::vector<Hash> leaves;
  for (int i = 0; i < 33; ++i) leaves.push_back(leaf_of(i));
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    std::span<const Hash> d(leaves.data(), n);
    Hash rn = mth(d);
    for (std::size_t m = 0; m <= n; ++m) {
      Hash rm = mth(d.subspan(0, m));
      auto proof = cv::merkle::consistency_proof(d, m);
      ASSERT_TRUE(cv::merkle::verify_consistency(m, n, rm, rn, proof)) << m << " -> " << n;
      if (m == 0 || m == n) continue;
      Hash wrong = rm;
      wrong[0] ^= 1;
      ASSERT_FALSE(cv::merkle::verify_consistency(m, n, wrong, rn, proof)) << "old root changed, " << m << " -> " << n;
      ASSERT_FALSE(cv::merkle::verify_consistency(m, n, rm, wrong == rn ? rm : leaf_of(99), proof));
      if (!proof.empty()) {
        auto bad = proof;
        bad.back()[5] ^= 0x40;
        ASSERT_FALSE(cv::merkle::verify_consistency(m, n, rm, rn, bad)) << "proof changed, " << m << " -> " << n;
        bad = proof;
        bad.pop_back();
        ASSERT_FALSE(cv::merkle::verify_consistency(m, n, rm, rn, bad)) << "proof cut, " << m << " -> " << n;
      }
    }
  }
  EXPECT_FALSE(cv::merkle::verify_consistency(5, 4, leaf_of(0), leaf_of(1), {})) << "a tree never shrinks";
}

TEST(AuditRecord, LineIsCanonicalAndHoldsOnlyItsFields) {
  cv::store::AuditRecord r;
  r.time = 1796000000;
  r.via = "rest";
  r.operation = "GetSecret";
  r.outcome = "refused";
  r.name = std::string("a\x01" "b\n\"q\"\\") + "\xC3\xA9";
  r.status = 404;
  r.error = "SecretNotFound";
  std::string line = cv::store::audit_line(r, 7);
  EXPECT_EQ(line,
            "{\"error\":\"SecretNotFound\",\"name\":\"a\\u0001b\\n\\\"q\\\"\\\\\xC3\xA9\",\"operation\":\"GetSecret\","
            "\"outcome\":\"refused\",\"seq\":7,\"status\":404,\"time\":\"2026-11-30T00:53:20Z\",\"v\":1,\"via\":\"rest\"}");
  EXPECT_EQ(nlohmann::json::parse(line).dump(), line) << "re-serialising gives the same bytes";
}

TEST(AuditRecord, LongFieldsAreCutAtACharacterBoundary) {
  cv::store::AuditRecord r;
  r.name = std::string(255, 'x') + "\xC3\xA9" + "tail";  // the 2-byte character straddles byte 256
  auto j = nlohmann::json::parse(cv::store::audit_line(r, 0));
  EXPECT_EQ(j["name"].get<std::string>(), std::string(255, 'x'));
  r.name = "bad\xFFutf8";
  EXPECT_NO_THROW((void)cv::store::audit_line(r, 0)) << "a bad byte is replaced, never thrown";
}

TEST(AuditLog, AppendKeepsFrontierAndLeavesAndAScopeRecordsItsCommit) {
  auto dir = std::filesystem::temp_directory_path() / ("cv-audit-" + cv::to_hex(cv::crypto::random_bytes(6)));
  std::filesystem::create_directories(dir);
  auto path = (dir / "catalog.db").string();
  auto cat = cv::store::Catalog::open(path);
  ASSERT_TRUE(cat);
  std::vector<Hash> leaves;
  for (int i = 0; i < 9; ++i) {
    cv::store::AuditRecord r;
    r.operation = "op" + std::to_string(i);
    auto seq = cv::store::audit_append(*cat, r);
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, static_cast<std::uint64_t>(i));
    leaves.push_back(cv::merkle::leaf_hash(cv::as_bytes(cv::store::audit_line(r, i))));
  }
  auto st = cv::store::audit_state(*cat);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->size, 9u);
  EXPECT_EQ(cv::merkle::Frontier::of(9, st->frontier)->root(), mth(leaves));
  auto stored = cv::store::audit_leaves(*cat, 9);
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, leaves);
  {
    // A change made while a scope is open carries its record in the same commit.
    cv::store::AuditRecord r;
    r.operation = "coldvault.test";
    cv::store::AuditScope scope(r, path);
    cv::store::DomainRow d{"kid-1", cv::Bytes{1, 2, 3}, 1};
    ASSERT_TRUE(cat->add_domain(d));
    EXPECT_TRUE(scope.recorded());
    ASSERT_TRUE(scope.finish(0));
  }
  EXPECT_EQ(cv::store::audit_state(*cat)->size, 10u) << "one record for the change, none more at finish";
  std::filesystem::remove_all(dir);
}

TEST(AuditLog, AScopesOwnRecordIsNotCountedAsTheStatementsChange) {
  // A write outside a transaction under a scope commits with its record; "no row changed" must still be seen as
  // such (a revoke of an unknown token, a domain added twice), not as the record's insert.
  auto dir = std::filesystem::temp_directory_path() / ("cv-audit-" + cv::to_hex(cv::crypto::random_bytes(6)));
  std::filesystem::create_directories(dir);
  auto path = (dir / "catalog.db").string();
  auto cat = cv::store::Catalog::open(path);
  ASSERT_TRUE(cat);
  cv::store::DomainRow d{"kid-1", cv::Bytes{1, 2, 3}, 1};
  ASSERT_TRUE(cat->add_domain(d));
  cv::store::AuditRecord r;
  r.operation = "coldvault.test";
  cv::store::AuditScope scope(r, path);
  auto revoked = cv::store::revoke_api_token(*cat, "main", "00112233445566778899aabbccddeeff", 5);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, cv::Errc::NotFound) << revoked.error().message;
  auto again = cat->add_domain(d);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, cv::Errc::Conflict) << again.error().message;
  (void)scope.finish(0);
  std::filesystem::remove_all(dir);
}

}  // namespace
