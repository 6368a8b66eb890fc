// The catalogue row cache (issue 23) seen from the vault: a Service that already read a key or secret (so
// its next read would come from the cache) must see every change another Service (another server worker,
// or the CLI in another process) made since: set-attributes, rotation, a new value, delete, purge, restore.
#include <gtest/gtest.h>

#include "coldvault/backup.hpp"
#include "hsm/keys_fixture.hpp"

namespace {

using namespace cv;
using cv::vault::Keys;
using cv::vault::Secrets;

class RowCache : public cvtest::KeysTest {
 protected:
  std::optional<vault::Service> other;  // the writer
  void SetUp() override {
    KeysTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto s = vault::Service::open(opts);
    ASSERT_TRUE(s) << s.error().message;
    other.emplace(std::move(*s));
  }
  void TearDown() override {
    other.reset();
    KeysTest::TearDown();
  }
  Bytes digest32() { return Bytes(32, 7); }
  // Creates key "k", signs with the reader (rows cached), applies `u` through the other Service, signs again
  // with the reader: the error code of that sign (Errc::Internal if it wrongly succeeded).
  Errc sign_after_update(const vault::UpdateKey& u) {
    EXPECT_TRUE(keys().create("k", spec("EC", {}, "P-256")));
    warm_sign("k");
    EXPECT_TRUE(Keys(*other, "main").update("k", "", u));
    auto r = keys().sign("k", "", "ES256", digest32());
    return r ? Errc::Internal : r.error().code;
  }
  // Signs twice with the reader, so the key's rows are cached; returns the kid used.
  std::string warm_sign(const std::string& name) {
    std::string kid;
    for (int i = 0; i < 2; ++i) {
      auto r = keys().sign(name, "", "ES256", digest32());
      EXPECT_TRUE(r) << r.error().message;
      if (r) kid = r->kid;
    }
    return kid;
  }
};

TEST_F(RowCache, KeyDisabledByAnotherService_IsRefusedAtOnce) {
  vault::UpdateKey u;
  u.attributes.enabled = false;
  EXPECT_EQ(sign_after_update(u), Errc::Disabled);
}

TEST_F(RowCache, KeyOperationsNarrowedByAnotherService_AreRefusedAtOnce) {
  vault::UpdateKey u;
  u.ops = std::vector<std::string>{"verify"};
  EXPECT_EQ(sign_after_update(u), Errc::Forbidden);
}

TEST_F(RowCache, KeyRotatedByAnotherService_SignsWithTheNewVersion) {
  ASSERT_TRUE(keys().create("k", spec("EC", {}, "P-256")));
  std::string before = warm_sign("k");
  auto rotated = Keys(*other, "main").rotate("k");
  ASSERT_TRUE(rotated) << rotated.error().message;
  std::string after = warm_sign("k");
  EXPECT_NE(after, before);
  EXPECT_EQ(after.substr(after.rfind('/') + 1), rotated->meta.version);
}

TEST_F(RowCache, KeyDeletedAndPurgedByAnotherService_IsNotFound) {
  ASSERT_TRUE(keys().create("k", spec("EC", {}, "P-256")));
  warm_sign("k");
  ASSERT_TRUE(Keys(*other, "main").remove("k"));
  auto r = keys().sign("k", "", "ES256", digest32());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::NotFound);
  ASSERT_TRUE(Keys(*other, "main").purge("k"));
  EXPECT_EQ(keys().sign("k", "", "ES256", digest32()).error().code, Errc::NotFound);
}

TEST_F(RowCache, SecretValueAttributesDeleteAndRestoreByAnotherService_AreSeen) {
  ASSERT_TRUE(secrets().set("s", value("one")));
  auto got = [&] {
    auto g = secrets().get("s", "");
    return g && g->value ? std::string(g->value->begin(), g->value->end()) : std::string("error");
  };
  EXPECT_EQ(got(), "one");
  EXPECT_EQ(got(), "one");
  Secrets writer(*other, "main");
  ASSERT_TRUE(writer.set("s", value("two")));
  EXPECT_EQ(got(), "two");
  auto blob = backup::backup_secret(*other, "main", "s");
  ASSERT_TRUE(blob) << blob.error().message;
  vault::UpdateSecret u;
  u.attributes.enabled = false;
  ASSERT_TRUE(writer.update("s", "", u));
  EXPECT_EQ(secrets().get("s", "").error().code, Errc::Disabled);
  ASSERT_TRUE(writer.remove("s"));
  EXPECT_EQ(secrets().get("s", "").error().code, Errc::NotFound);
  ASSERT_TRUE(writer.purge("s"));
  ASSERT_TRUE(backup::restore_secret(*other, "main", *blob));
  EXPECT_EQ(got(), "two");
}

}  // namespace
