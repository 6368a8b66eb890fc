// backup::verify_many on golden files (tests/data): many blobs against one anchor, each judged as verify()
// judges it, a bad one reported for itself, each distinct chain verified once. No token, PIN or network.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "coldvault/backup.hpp"
#include "unit/test_data.hpp"

using namespace cv;

namespace {

using test::slurp;
using test::text;

std::vector<backup::BlobInput> copies(int n) {
  std::vector<backup::BlobInput> in;
  for (int i = 0; i < n; ++i) in.push_back({"b" + std::to_string(i), slurp("golden_secret.blob")});
  return in;
}

}  // namespace

TEST(BlobBulkVerify, GoldenCopies_AllValidWithOneChainVerified) {
  auto v = backup::verify_many(copies(7), text("golden_signer.pem"), 3);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->ok) << v->report.dump();
  EXPECT_EQ(v->report["verdict"], "valid");
  EXPECT_EQ(v->report["blobs"], 7);
  EXPECT_EQ(v->report["valid"], 7);
  EXPECT_EQ(v->report["invalid"], 0);
  EXPECT_EQ(v->report["chains"], 1);
  ASSERT_EQ(v->report["results"].size(), 7u);
  EXPECT_EQ(v->report["results"][6]["file"], "b6");
}

TEST(BlobBulkVerify, EachResult_IsTheSingleFileReport) {
  Bytes blob = slurp("golden_secret.blob");
  auto one = backup::verify(blob, text("golden_signer.pem"));
  ASSERT_TRUE(one);
  auto many = backup::verify_many(copies(2), text("golden_signer.pem"));
  ASSERT_TRUE(many);
  EXPECT_EQ(many->report["results"][1]["report"], one->report);
}

TEST(BlobBulkVerify, ForgedTruncatedAndGarbageFiles_AreReportedForThemselvesOnly) {
  auto in = copies(6);
  in[1].content[in[1].content.size() - 10] ^= 0x01;            // altered near the end (signature)
  in[3].content.resize(in[3].content.size() / 2);              // truncated
  in[4].content = Bytes{'n', 'o', 't', ' ', 'a', ' ', 'b', 'l', 'o', 'b'};  // not a blob
  auto v = backup::verify_many(in, text("golden_signer.pem"), 2);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->report["verdict"], "invalid");
  EXPECT_EQ(v->report["valid"], 3);
  EXPECT_EQ(v->report["invalid"], 3);
  const auto& r = v->report["results"];
  for (int i : {0, 2, 5}) EXPECT_TRUE(r[i]["ok"].get<bool>()) << i;
  for (int i : {1, 3, 4}) {
    EXPECT_FALSE(r[i]["ok"].get<bool>()) << i;
    EXPECT_EQ(r[i]["report"]["verdict"], "invalid") << i;
  }
  EXPECT_EQ(r[3]["report"]["error"]["code"], "BadParameter");
  EXPECT_EQ(r[4]["report"]["error"]["code"], "BadParameter");
}

TEST(BlobBulkVerify, OneThreadAndManyThreads_GiveTheSameReport) {
  auto in = copies(5);
  in[2].content[40] ^= 0x20;
  auto a = backup::verify_many(in, text("golden_signer.pem"), 1);
  auto b = backup::verify_many(in, text("golden_signer.pem"), 4);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->report, b->report);
}

TEST(BlobBulkVerify, AnchorWithoutCertificate_IsRefusedBeforeAnyBlob) {
  auto v = backup::verify_many(copies(2), "-----BEGIN NOTHING-----\n-----END NOTHING-----\n");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, Errc::BadParameter);
}
