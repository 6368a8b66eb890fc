// A home made with the security domain's key deferred (`serve --ephemeral`, InitOptions::defer_domain_key):
// vaults and secrets work at once; whatever needs the domain key waits until make_deferred_domain_key
// has made it, then works; a key that could not be made is reported to every waiter.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>

#include "coldvault/backup.hpp"
#include "coldvault/secrets.hpp"
#include "coldvault/vault.hpp"
#include "coldvault/vault_info.hpp"
#include "hsm/token_env.hpp"
#include "vault/domain_gate.hpp"

using namespace cv;
using namespace std::chrono_literals;

namespace {

class DeferredDomain : public ::testing::Test {
 protected:
  std::filesystem::path dir;
  vault::HomeOptions opts;
  std::string kid;

  void SetUp() override {
    if (cvtest::test_module() != cvtest::TestModule::SoftHsm2) GTEST_SKIP() << "embedded home (SoftHSM2)";
    char tmpl[] = "/tmp/cv-deferred-XXXXXX";
    dir = mkdtemp(tmpl);
    opts.home = (dir / "home").string();
    unsetenv("COLDVAULT_PIN");
    vault::InitOptions io;
    io.dev = true;
    io.defer_domain_key = true;
    auto r = vault::init(opts, {"main", 90, false}, io);
    ASSERT_TRUE(r) << r.error().message;
    kid = r->domain_kid;
  }
  void TearDown() override {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

TEST_F(DeferredDomain, SecretsWorkAtOnceAndABackupWaitsForTheKeyThenRoundTrips) {
  auto svc = vault::Service::open(opts);
  ASSERT_TRUE(svc) << svc.error().message;
  vault::SetSecret s;
  s.value = SecureString("before the domain key");
  ASSERT_TRUE(vault::Secrets(*svc, "main").set("early", s));

  // The backup needs the domain key: it must not return (neither a blob nor "not present") before the key
  // exists. Its own Service, as a server worker would have.
  auto backup = std::async(std::launch::async, [&]() -> Result<Bytes> {
    auto other = vault::Service::open(opts);
    if (!other) return std::unexpected(other.error());
    return backup::backup_secret(*other, "main", "early");
  });
  EXPECT_EQ(backup.wait_for(300ms), std::future_status::timeout) << "the backup did not wait for the domain key";

  auto made = vault::make_deferred_domain_key(opts, kid);
  ASSERT_TRUE(made) << made.error().message;
  auto blob = backup.get();
  ASSERT_TRUE(blob) << blob.error().message;

  // The blob opens: purge the secret and restore it.
  vault::Secrets secrets(*svc, "main");
  ASSERT_TRUE(secrets.remove("early"));
  ASSERT_TRUE(secrets.purge("early"));
  auto restored = backup::restore_secret(*svc, "main", *blob);
  ASSERT_TRUE(restored) << restored.error().message;
  auto back = secrets.get("early", "");
  ASSERT_TRUE(back && back->value) << (back ? "no value" : back.error().message);
  EXPECT_EQ(std::string(back->value->begin(), back->value->end()), "before the domain key");

  // The catalogue's domain row now carries the key, and it is never replaced.
  auto info = vault::domain_info(*svc);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_NE(info->public_key_pem.find("BEGIN PUBLIC KEY"), std::string::npos);
  auto again = svc->catalog().add_domain({kid, {1, 2, 3}, 0});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::Conflict);
}

TEST_F(DeferredDomain, AKeyThatCouldNotBeMadeIsTheErrorEveryWaiterGets) {
  auto svc = vault::Service::open(opts);
  ASSERT_TRUE(svc) << svc.error().message;
  auto waiting = std::async(std::launch::async, [&] { return svc->domain_key(kid); });
  EXPECT_EQ(waiting.wait_for(300ms), std::future_status::timeout);
  vault::domain_gate::settle(kid, fail(Errc::HsmFailure, "the security domain key could not be made: injected"));
  auto r = waiting.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::HsmFailure);
  EXPECT_NE(r.error().message.find("could not be made"), std::string::npos);
  // A later caller gets the same answer at once.
  auto later = svc->domain_key(kid);
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().code, Errc::HsmFailure);
}

}  // namespace
