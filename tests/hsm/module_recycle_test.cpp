// Module recycling (docs/adr/0022-module-recycling.md): with the bound lowered, the server's
// Service pool retires every Service when the shared module has made enough session objects, the
// last Token finalises the module, and the next Service initialises it afresh. Every answer must
// stay right across recycles, from one thread and from several, and a module shared by two Tokens
// must survive until both are gone.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "coldvault/backup.hpp"
#include "coldvault/keys.hpp"
#include "hsm/token_env.hpp"
#include "hsm/vault_home.hpp"
#include "server/pool.hpp"

using namespace cv;

namespace {

using ServicePool = server::Pool<vault::Service>;

// Restores the default bound whatever the test did.
struct BoundGuard {
  explicit BoundGuard(std::uint64_t n) { hsm::set_recycle_bound(n); }
  ~BoundGuard() { hsm::set_recycle_bound(hsm::kRecycleAfterSessionObjects); }
};

std::string str(const std::optional<SecureString>& s) {
  return s ? std::string(s->begin(), s->end()) : "";
}

class Recycle : public cvtest::VaultHome {
 protected:
  void SetUp() override {
    VaultHome::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(svc->create_vault({"second", 90, false}));
    vault::Keys k(*svc, "main");
    ASSERT_TRUE(k.create("ec", spec("EC")));
    ASSERT_TRUE(k.create("rsa", spec("RSA")));
  }
  static vault::KeySpec spec(const std::string& kty) {
    vault::KeySpec s;
    s.kty = kty;
    return s;
  }
  // The server's pool with the server's retire predicate (src/server/app.cpp, retire_for_recycle).
  std::unique_ptr<ServicePool> pool(std::size_t max) {
    svc.reset();  // the fixture's Service would hold the module open for the whole test
    return std::make_unique<ServicePool>(
        [this]() { return vault::Service::open(opts); }, max, std::chrono::seconds(30),
        [](vault::Service& s) { return s.token().claim_module_recycle(); });
  }
  // One round of work that makes session objects (a backup's CEK, a restore's unwrap, the key
  // cache's unwraps in a fresh Service) and checks each answer. Empty when all was right, else what
  // was wrong.
  static std::string round(vault::Service& s, const std::string& name, const Bytes& rsa_ct) {
    auto set = vault::Secrets(s, "main").set(name, VaultHome::value("value of " + name));
    if (!set) return "set: " + set.error().message;
    auto blob = backup::backup_secret(s, "main", name);
    if (!blob) return "backup: " + blob.error().message;
    auto restored = backup::restore_secret(s, "second", *blob);
    if (!restored) return "restore: " + restored.error().message;
    auto got = vault::Secrets(s, "second").get(name, "");
    if (!got) return "get: " + got.error().message;
    if (str(got->value) != "value of " + name) return "restored value differs";
    vault::Keys k(s, "main");
    Bytes digest(32, static_cast<std::uint8_t>(name.size()));
    auto sig = k.sign("ec", "", "ES256", digest);
    if (!sig) return "sign: " + sig.error().message;
    auto ok = k.verify("ec", "", "ES256", digest, Bytes(sig->value.begin(), sig->value.end()));
    if (!ok || !*ok) return "verify refused a signature just made";
    auto pt = k.decrypt("rsa", "", "RSA-OAEP", rsa_ct);
    if (!pt) return "decrypt: " + pt.error().message;
    if (std::string(pt->value.begin(), pt->value.end()) != "made before any recycle")
      return "decrypt differs";
    return {};
  }
  Bytes rsa_ciphertext() {
    auto ct = vault::Keys(*svc, "main")
                  .encrypt("rsa", "", "RSA-OAEP", as_bytes(std::string("made before any recycle")));
    EXPECT_TRUE(ct);
    return ct ? Bytes(ct->value.begin(), ct->value.end()) : Bytes{};
  }
};

TEST_F(Recycle, Pool_RetiresServicesAndAnswersStayRightAcrossRecycles) {
  const Bytes ct = rsa_ciphertext();
  ASSERT_TRUE(vault::Secrets(*svc, "main").set("early", value("kept across recycles")));
  auto early_blob = backup::backup_secret(*svc, "main", "early");
  ASSERT_TRUE(early_blob);

  BoundGuard bound(12);
  auto p = pool(2);
  const auto recycles_before = hsm::module_recycles();
  int rounds = 0;
  for (; rounds < 200 && hsm::module_recycles() < recycles_before + 4; ++rounds) {
    auto lease = p->acquire();
    ASSERT_TRUE(lease) << lease.error().message;
    ASSERT_EQ(round(**lease, "r" + std::to_string(rounds), ct), "") << "round " << rounds;
  }
  EXPECT_GE(hsm::module_recycles(), recycles_before + 4) << "after " << rounds << " rounds";
  EXPECT_GE(p->drains(), 4u);
  // A blob made before every recycle still restores; the module counts afresh after its last
  // recycle.
  auto lease = p->acquire();
  ASSERT_TRUE(lease);
  ASSERT_TRUE((*lease)->create_vault({"third", 90, false}));
  auto restored = backup::restore_secret(**lease, "third", *early_blob);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(str(vault::Secrets(**lease, "third").get("early", "")->value), "kept across recycles");
  EXPECT_LT((*lease)->token().module_session_objects(), 12u * 3);
}

TEST_F(Recycle, Pool_FourThreadsWhileRecyclesHappen) {
  const Bytes ct = rsa_ciphertext();
  BoundGuard bound(25);
  auto p = pool(4);
  const auto recycles_before = hsm::module_recycles();
  std::atomic<int> done{0};
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30 && errors[t].empty(); ++i) {
        auto lease = p->acquire();
        if (!lease) {
          errors[t] = "acquire: " + lease.error().message;
          break;
        }
        errors[t] = round(**lease, "t" + std::to_string(t) + "-" + std::to_string(i), ct);
        if (!errors[t].empty())
          errors[t] += " (thread " + std::to_string(t) + ", round " + std::to_string(i) + ")";
        ++done;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(done.load(), 120);
  EXPECT_GE(hsm::module_recycles(), recycles_before + 3);
}

// The registry's rule: a module two Tokens share is finalised only when both are gone, however
// early one of them claimed the recycle; the other keeps working meanwhile.
class RecycleTokens : public cvtest::TokenTest {};

TEST_F(RecycleTokens, SharedModule_FinalisedOnlyWhenTheLastTokenGoes) {
  if (!env_.softhsm()) GTEST_SKIP() << "recycling is measured on SoftHSM";
  BoundGuard bound(4);
  auto other = env_.open();
  hsm::KeyUsage u{.encrypt = true, .decrypt = true};
  auto kept = other.generate_secret_key(hsm::KeyType::Aes, 256, u);
  ASSERT_TRUE(kept);
  EXPECT_FALSE(other.claim_module_recycle()) << "one object made, the bound is 4";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(token().generate_secret_key(hsm::KeyType::Aes, 128, u));
  EXPECT_EQ(other.module_session_objects(), 4u) << "both Tokens count into their one module";
  EXPECT_TRUE(other.claim_module_recycle());
  EXPECT_FALSE(token().claim_module_recycle()) << "one claim per bound";

  const auto before = hsm::module_recycles();
  token_.reset();
  EXPECT_EQ(hsm::module_recycles(), before) << "the other Token still holds the module";
  Bytes iv(12, 7);
  auto sealed = other.gcm_encrypt(*kept, iv, {}, as_bytes(std::string("still here")));
  ASSERT_TRUE(sealed) << sealed.error().message;
  auto opened = other.gcm_decrypt(*kept, iv, {}, *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(std::string(opened->begin(), opened->end()), "still here");

  { auto gone = std::move(other); }
  EXPECT_EQ(hsm::module_recycles(), before + 1);
  auto fresh = env_.open();
  EXPECT_EQ(fresh.module_session_objects(), 0u) << "a new module counts from zero";
  EXPECT_TRUE(fresh.generate_secret_key(hsm::KeyType::Aes, 128, u));
  EXPECT_FALSE(fresh.claim_module_recycle());
}

TEST_F(RecycleTokens, BoundZero_NeverClaims) {
  BoundGuard bound(0);
  hsm::KeyUsage u{.encrypt = true};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(token().generate_secret_key(hsm::KeyType::Aes, 128, u));
  EXPECT_FALSE(token().claim_module_recycle());
}

}  // namespace
