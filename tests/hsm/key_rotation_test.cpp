// Issue 16 item 3: key rotation policies (Key Vault's rules for them) and the automatic rotation the server's
// timer runs, on the test clock (vault::set_test_clock), with a real token and catalogue.
#include "coldvault/key_rotation.hpp"
#include "coldvault/rng.hpp"
#include "hsm/keys_fixture.hpp"

using namespace cv;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1'800'000'000;

class KeyRotation : public cvtest::KeysTest {
 protected:
  void SetUp() override {
    vault::set_test_clock(kT0);
    KeysTest::SetUp();
  }
  void TearDown() override {
    KeysTest::TearDown();
    vault::set_test_clock(std::nullopt);
  }
  static void at(std::int64_t t) { vault::set_test_clock(t); }
  vault::RotationPolicy policy(const std::string& json) {
    auto p = vault::parse_rotation_policy(json);
    EXPECT_TRUE(p) << (p ? "" : p.error().message);
    return p ? *p : vault::RotationPolicy{};
  }
  std::size_t versions(const std::string& name) {
    auto v = keys().list_versions(name, "", 25);
    return v ? v->size() : 0;
  }
  // The message of a refused policy, or "" when it was accepted.
  static std::string refusal(const std::string& json) {
    auto p = vault::parse_rotation_policy(json);
    if (p) return "";
    EXPECT_EQ(p.error().code, Errc::BadParameter);
    return p.error().message;
  }
};

TEST_F(KeyRotation, AKeyWithoutPolicyAnswersKeyVaultsDefault_UnknownKeyIsNotFound) {
  ASSERT_TRUE(keys().create("k", spec("EC")));
  auto p = vault::get_rotation_policy(*svc, "main", "k");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->actions.size(), 1u);
  EXPECT_EQ(p->actions[0].type, "Notify");
  EXPECT_EQ(p->actions[0].duration, "P30D");
  EXPECT_FALSE(p->created);
  auto missing = vault::get_rotation_policy(*svc, "main", "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::NotFound);
  EXPECT_FALSE(vault::set_rotation_policy(*svc, "main", "nope", policy(R"({"lifetimeActions":[]})")));
}

TEST_F(KeyRotation, SetPolicyIsStoredAndReadBackWithItsTimes) {
  ASSERT_TRUE(keys().create("k", spec("RSA", 2048)));
  auto set = vault::set_rotation_policy(*svc, "main", "k", policy(R"({"lifetimeActions":[
      {"trigger":{"timeAfterCreate":"P90D"},"action":{"type":"rotate"}},
      {"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],
      "attributes":{"expiryTime":"P1Y"}})"));
  ASSERT_TRUE(set) << set.error().message;
  at(kT0 + 5);
  auto got = vault::get_rotation_policy(*svc, "main", "k");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->actions.size(), 2u);
  EXPECT_EQ(got->actions[0].type, "Rotate") << "the type is given back as Key Vault spells it";
  EXPECT_EQ(got->actions[0].seconds, 90 * kDay);
  EXPECT_EQ(got->expiry_time.value_or(""), "P1Y");
  EXPECT_EQ(got->created.value_or(0), kT0);
  auto json = nlohmann::json::parse(vault::rotation_policy_json(*got, "https://main.vault.localhost", "k"));
  EXPECT_EQ(json["id"], "https://main.vault.localhost/keys/k/rotationpolicy");
  EXPECT_EQ(json["lifetimeActions"][1]["trigger"]["timeBeforeExpiry"], "P30D");
  EXPECT_EQ(json["attributes"]["expiryTime"], "P1Y");
  // A replacement keeps `created` and moves `updated`.
  ASSERT_TRUE(vault::set_rotation_policy(*svc, "main", "k", policy(R"({"lifetimeActions":[]})")));
  got = vault::get_rotation_policy(*svc, "main", "k");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->created.value_or(0), kT0);
  EXPECT_EQ(got->updated.value_or(0), kT0 + 5);
  EXPECT_TRUE(got->actions.empty());
}

TEST_F(KeyRotation, ImpossiblePoliciesAreRefusedNamingTheField) {
  EXPECT_NE(refusal(R"({"attributes":{"expiryTime":"P10D"}})").find("attributes.expiryTime"), std::string::npos);
  EXPECT_NE(refusal(R"({"attributes":{"expiryTime":"90 days"}})").find("attributes.expiryTime"), std::string::npos);
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P1D"},"action":{"type":"Rotate"}}]})")
                .find("lifetimeActions[0].trigger.timeAfterCreate"),
            std::string::npos)
      << "under Key Vault's 7-day minimum";
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P0D"},"action":{"type":"Rotate"}}]})")
                .find("timeAfterCreate"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"PT"},"action":{"type":"Rotate"}}]})")
                .find("timeAfterCreate"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P1D2Y"},"action":{"type":"Rotate"}}]})")
                .find("timeAfterCreate"),
            std::string::npos)
      << "units out of order";
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Rotate"}}]})")
                .find("attributes.expiryTime"),
            std::string::npos)
      << "before expiry needs an expiry";
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P60D"},"action":{"type":"Rotate"}}],
                       "attributes":{"expiryTime":"P60D"}})")
                .find("lifetimeActions[0].trigger.timeAfterCreate"),
            std::string::npos)
      << "rotating only when the version has expired";
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D","timeBeforeExpiry":"P30D"},
                       "action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P1Y"}})")
                .find("lifetimeActions[0].trigger"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Delete"}}]})")
                .find("lifetimeActions[0].action.type"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Rotate"}},
                       {"trigger":{"timeAfterCreate":"P40D"},"action":{"type":"Rotate"}}]})")
                .find("lifetimeActions[1]"),
            std::string::npos);
  EXPECT_NE(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Notify"}}]})")
                .find("Notify"),
            std::string::npos);
  EXPECT_EQ(refusal(R"({"lifetimeActions":[{"trigger":{"timeAfterCreate":"P1Y2M3W4DT5H6M7S"},
                       "action":{"type":"Rotate"}}]})"),
            "");
}

TEST_F(KeyRotation, TheTimerRotatesADueKeyOnceWithThePolicysExpiry_NotBefore) {
  ASSERT_TRUE(keys().create("auto", spec("EC")));
  ASSERT_TRUE(keys().create("manual", spec("EC")));
  ASSERT_TRUE(vault::set_rotation_policy(*svc, "main", "auto", policy(R"({"lifetimeActions":[
      {"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P90D"}})")));
  ASSERT_TRUE(vault::set_rotation_policy(*svc, "main", "manual", policy(R"({"lifetimeActions":[
      {"trigger":{"timeBeforeExpiry":"P30D"},"action":{"type":"Notify"}}],"attributes":{"expiryTime":"P90D"}})")));

  at(kT0 + 30 * kDay - 1);
  auto r = vault::rotate_due(*svc);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rotated, 0) << "not due a second early";
  EXPECT_EQ(versions("auto"), 1u);

  at(kT0 + 30 * kDay);
  r = vault::rotate_due(*svc);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rotated, 1);
  EXPECT_EQ(versions("auto"), 2u);
  EXPECT_EQ(versions("manual"), 1u) << "a Notify action rotates nothing";
  auto latest = keys().get("auto", "");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->meta.created, kT0 + 30 * kDay);
  EXPECT_EQ(latest->meta.exp.value_or(0), kT0 + 120 * kDay) << "the new version lives for expiryTime";

  r = vault::rotate_due(*svc);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rotated, 0) << "the new version restarts the clock";
  at(kT0 + 60 * kDay);
  ASSERT_TRUE(vault::rotate_due(*svc));
  EXPECT_EQ(versions("auto"), 3u);
}

TEST_F(KeyRotation, BeforeExpiryTriggerFollowsTheVersionsExpiry_DeletedKeysWait) {
  ASSERT_TRUE(keys().create("k", spec("RSA", 2048)));
  ASSERT_TRUE(vault::set_rotation_policy(*svc, "main", "k", policy(R"({"lifetimeActions":[
      {"trigger":{"timeBeforeExpiry":"P10D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P60D"}})")));
  // On demand first: the rotated version gets exp = now + 60 days from the policy.
  ASSERT_TRUE(keys().rotate("k"));
  at(kT0 + 49 * kDay);
  auto r = vault::rotate_due(*svc);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rotated, 0);
  at(kT0 + 50 * kDay);
  ASSERT_TRUE(keys().remove("k"));
  r = vault::rotate_due(*svc);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rotated, 0) << "a soft-deleted key is not rotated";
  ASSERT_TRUE(keys().recover("k"));
  r = vault::rotate_due(*svc);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rotated, 1) << "its policy came back with it";
  EXPECT_EQ(versions("k"), 3u);
}

TEST_F(KeyRotation, PurgingAKeyDropsItsPolicy) {
  ASSERT_TRUE(keys().create("k", spec("EC")));
  ASSERT_TRUE(vault::set_rotation_policy(*svc, "main", "k", policy(R"({"lifetimeActions":[
      {"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Rotate"}}]})")));
  ASSERT_TRUE(keys().remove("k"));
  ASSERT_TRUE(keys().purge("k"));
  ASSERT_TRUE(keys().create("k", spec("EC")));
  auto p = vault::get_rotation_policy(*svc, "main", "k");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->created) << "a new key of the same name starts with the default policy";
}

TEST_F(KeyRotation, RandomBytesComeFromTheTokenWithinKeyVaultsBounds) {
  auto a = vault::random_bytes(*svc, 32);
  auto b = vault::random_bytes(*svc, 32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(vault::random_bytes(*svc, 128));
  for (std::int64_t bad : {0, -1, 129}) {
    auto r = vault::random_bytes(*svc, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("count"), std::string::npos);
  }
}

}  // namespace
