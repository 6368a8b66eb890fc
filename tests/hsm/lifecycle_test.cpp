// Issue 12: the vault life cycle (soft delete, recover, purge, update), retention that expires on a test
// clock, and the one object life cycle shared by secrets, keys and certificates; real token and catalogue.

#include "coldvault/vault_lifecycle.hpp"
#include "hsm/catalog_env.hpp"
#include "hsm/catalog_sql.hpp"
#include "hsm/certificates_fixture.hpp"
#include "vault/key_cache.hpp"
#include "vault/labels.hpp"

using namespace cv;
using cvtest::CertsTest;
using store::ObjType;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1'800'000'000;  // the test clock's start

class Lifecycle : public CertsTest {
 protected:
  void SetUp() override {
    vault::set_test_clock(kT0);
    CertsTest::SetUp();
  }
  void TearDown() override {
    CertsTest::TearDown();
    vault::set_test_clock(std::nullopt);
  }
  static void at(std::int64_t t) { vault::set_test_clock(t); }
  // Runs SQL on the home's catalogue: `sqlite` on a SQLite catalogue, `pg` (the same change) on a PostgreSQL one.
  void sql(const std::string& sqlite, const std::string& pg) {
    ASSERT_EQ(cvtest::run_catalog_sql(vault::catalog_path((dir / "home").string()), sqlite, pg), "") << sqlite;
  }
  // A trigger that makes every `event` (e.g. "DELETE") on `table` fail, as a crash at that step would.
  void plant_crash(const std::string& event, const std::string& table) {
    sql("CREATE TRIGGER stop BEFORE " + event + " ON " + table +
            " BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;",
        "CREATE FUNCTION simulated_crash() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'simulated crash'; END$$; "
        "CREATE TRIGGER stop BEFORE " + event + " ON " + table + " FOR EACH ROW EXECUTE FUNCTION simulated_crash();");
  }
  void remove_crash(const std::string& table) {
    sql("DROP TRIGGER stop;", "DROP TRIGGER stop ON " + table + "; DROP FUNCTION simulated_crash();");
  }

  std::string value_of(const std::string& vault, const std::string& name, const std::string& version = "") {
    auto g = secrets(vault).get(name, version);
    if (!g || !g->value) return "<" + (g ? std::string("no value") : g.error().message) + ">";
    return std::string(g->value->begin(), g->value->end());
  }
  std::vector<std::string> labels() { return svc->token().object_labels().value_or(std::vector<std::string>{}); }
  bool has_label(const std::string& l) {
    auto all = labels();
    return std::find(all.begin(), all.end(), l) != all.end();
  }
  std::vector<std::string> events(const std::string& vault) {
    std::vector<std::string> out;
    auto all = vault::lifecycle_events(opts, vault, 100);
    EXPECT_TRUE(all);
    if (all)
      for (const auto& e : *all) out.push_back(e.event + " " + e.type + " " + e.name);
    return out;
  }
};

TEST_F(Lifecycle, VaultDeleteHidesEverything_RecoverBringsBackEveryVersionAndSetting) {
  ASSERT_TRUE(svc->create_vault({"seedvault", 30, false}));
  auto v1 = secrets("seedvault").set("db", value("one"));
  auto v2 = secrets("seedvault").set("db", value("two"));
  ASSERT_TRUE(v1 && v2);
  ASSERT_TRUE(keys("seedvault").create("kek", spec("RSA", 2048)));

  auto d = vault::delete_vault(*svc, "SeedVault");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(*d->deleted_date, kT0);
  EXPECT_EQ(*d->scheduled_purge, kT0 + 30 * kDay);
  auto gone = secrets("seedvault").get("db", "");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::NotFound);
  EXPECT_EQ(gone.error().kv_code, "VaultNotFound");
  EXPECT_EQ(keys("seedvault").get("kek", "").error().code, Errc::NotFound);
  auto live = svc->catalog().vaults();
  ASSERT_TRUE(live);
  EXPECT_EQ(std::count_if(live->begin(), live->end(), [](auto& v) { return v.name == "seedvault"; }), 0);
  auto listed = vault::list_deleted_vaults(*svc);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "seedvault");
  EXPECT_TRUE(vault::get_deleted_vault(*svc, "seedvault"));

  reopen();  // another process sees the same
  EXPECT_EQ(secrets("seedvault").get("db", "").error().code, Errc::NotFound);
  auto r = vault::recover_vault(*svc, "seedvault");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->deleted_date);
  EXPECT_EQ(r->retention_days, 30);
  EXPECT_EQ(value_of("seedvault", "db"), "two");
  EXPECT_EQ(value_of("seedvault", "db", v1->meta.version), "one");
  EXPECT_EQ(secrets("seedvault").list_versions("db", "", 10)->size(), 2u);
  EXPECT_TRUE(keys("seedvault").get("kek", ""));
  EXPECT_EQ(events("seedvault"), (std::vector<std::string>{"recover vault seedvault", "delete vault seedvault"}));
}

TEST_F(Lifecycle, VaultVerbs_RefuseUnknownLiveReusedAndBadInputAndChangeNothing) {
  EXPECT_EQ(vault::delete_vault(*svc, "nosuch").error().code, Errc::NotFound);
  EXPECT_EQ(vault::purge_vault(*svc, "main").error().code, Errc::NotFound);  // live: not deleted
  auto rec = vault::recover_vault(*svc, "main");
  ASSERT_FALSE(rec);
  EXPECT_EQ(rec.error().code, Errc::Conflict);
  EXPECT_EQ(vault::delete_vault(*svc, "x").error().code, Errc::BadParameter);  // not a vault name
  ASSERT_TRUE(vault::delete_vault(*svc, "main"));
  auto again = svc->create_vault({"MAIN", 90, false});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::Conflict);
  EXPECT_NE(again.error().message.find("soft deleted"), std::string::npos) << again.error().message;
  EXPECT_EQ(vault::delete_vault(*svc, "main").error().code, Errc::NotFound);  // already deleted
  EXPECT_TRUE(vault::get_deleted_vault(*svc, "main"));
}

TEST_F(Lifecycle, VaultUpdate_RetentionRangeAndPurgeProtectionOnlyGoesOn) {
  vault::VaultUpdate u;
  u.retention_days = 6;
  EXPECT_EQ(vault::update_vault(*svc, "main", u).error().code, Errc::BadParameter);
  u.retention_days = 91;
  EXPECT_EQ(vault::update_vault(*svc, "main", u).error().code, Errc::BadParameter);
  u.retention_days = 7;
  u.purge_protection = true;
  auto r = vault::update_vault(*svc, "main", u);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->retention_days, 7);
  EXPECT_TRUE(r->purge_protection);
  vault::VaultUpdate off;
  off.purge_protection = false;
  auto refused = vault::update_vault(*svc, "main", off);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::BadParameter);
  reopen();
  EXPECT_TRUE(svc->catalog().vault("main")->purge_protection);
  EXPECT_EQ(svc->catalog().vault("main")->retention_days, 7);
  // The new retention applies to the next delete.
  ASSERT_TRUE(secrets().set("s", value("v")));
  auto d = secrets().remove("s");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d->scheduled_purge, kT0 + 7 * kDay);
  EXPECT_EQ(d->recovery_level, "CustomizedRecoverable");  // 7 days, purge protection on
}

TEST_F(Lifecycle, VaultPurge_ProtectedUntilRetentionEnds_ThenRowsTokensAndKeysGoAndNameIsFree) {
  ASSERT_TRUE(svc->create_vault({"shielded", 7, true}));
  ASSERT_TRUE(secrets("shielded").set("s", value("v")));
  ASSERT_TRUE(vault::delete_vault(*svc, "shielded"));
  auto early = vault::purge_vault(*svc, "shielded");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::Forbidden);
  EXPECT_TRUE(has_label(vault::master_label("shielded")));
  at(kT0 + 7 * kDay);
  ASSERT_TRUE(vault::purge_vault(*svc, "shielded"));
  EXPECT_FALSE(has_label(vault::master_label("shielded")));
  EXPECT_FALSE(has_label(vault::signing_label("shielded")));
  EXPECT_EQ(vault::get_deleted_vault(*svc, "shielded").error().code, Errc::NotFound);
  EXPECT_FALSE(svc->catalog().object("shielded", ObjType::Secret, "s"));
  auto fresh = svc->create_vault({"shielded", 90, false});
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(secrets("shielded").get("s", "").error().code, Errc::NotFound);
  ASSERT_TRUE(secrets("shielded").set("s", value("new")));
  EXPECT_EQ(value_of("shielded", "s"), "new");
}

TEST_F(Lifecycle, VaultPurge_InterruptedAfterKeysGo_RecoverRefusedAndPurgeAgainFinishes) {
  ASSERT_TRUE(svc->create_vault({"halfway", 7, false}));
  ASSERT_TRUE(secrets("halfway").set("s", value("v")));
  ASSERT_TRUE(vault::delete_vault(*svc, "halfway"));
  // The catalogue step fails (as a crash would stop it) after the token keys were destroyed.
  plant_crash("DELETE", "vaults");
  ASSERT_FALSE(vault::purge_vault(*svc, "halfway"));
  EXPECT_TRUE(vault::get_deleted_vault(*svc, "halfway"));  // nothing of the catalogue went
  EXPECT_TRUE(svc->catalog().object("halfway", ObjType::Secret, "s"));
  remove_crash("vaults");
  auto rec = vault::recover_vault(*svc, "halfway");
  ASSERT_FALSE(rec);
  EXPECT_EQ(rec.error().code, Errc::Conflict);
  EXPECT_TRUE(vault::get_deleted_vault(*svc, "halfway"));  // still deleted, not half-recovered
  ASSERT_TRUE(vault::purge_vault(*svc, "halfway"));
  EXPECT_EQ(vault::get_deleted_vault(*svc, "halfway").error().code, Errc::NotFound);
}

TEST_F(Lifecycle, VaultDelete_FailingHalfWayChangesNothing) {
  ASSERT_TRUE(secrets().set("s", value("v")));
  plant_crash("INSERT", "lifecycle_events");
  ASSERT_FALSE(vault::delete_vault(*svc, "main"));
  EXPECT_EQ(value_of("main", "s"), "v");
  EXPECT_TRUE(vault::list_deleted_vaults(*svc)->empty());
  ASSERT_FALSE(secrets().remove("s"));
  EXPECT_EQ(value_of("main", "s"), "v");
  remove_crash("lifecycle_events");
}

TEST_F(Lifecycle, VaultDeletedByAnotherConnection_IsGoneForThisOneToo) {
  ASSERT_TRUE(secrets().set("s", value("v")));
  EXPECT_EQ(value_of("main", "s"), "v");  // this Service has the vault cached now
  auto other = vault::Service::open(opts);
  ASSERT_TRUE(other);
  ASSERT_TRUE(vault::delete_vault(*other, "main"));
  EXPECT_EQ(secrets().get("s", "").error().kv_code, "VaultNotFound");
  ASSERT_TRUE(vault::recover_vault(*other, "main"));
  EXPECT_EQ(value_of("main", "s"), "v");
}

TEST_F(Lifecycle, Expiry_PurgesObjectsAtTheirScheduledDate_PurgeProtectionIncluded) {
  vault::VaultUpdate u;
  u.retention_days = 7;
  u.purge_protection = true;
  ASSERT_TRUE(vault::update_vault(*svc, "main", u));
  ASSERT_TRUE(secrets().set("early", value("a")));
  ASSERT_TRUE(secrets().set("late", value("b")));
  ASSERT_TRUE(keys().create("k", spec("RSA", 2048)));
  ASSERT_TRUE(secrets().remove("early"));
  ASSERT_TRUE(keys().remove("k"));
  at(kT0 + kDay);
  ASSERT_TRUE(secrets().remove("late"));
  EXPECT_EQ(secrets().purge("early").error().code, Errc::Forbidden);

  at(kT0 + 7 * kDay - 1);  // one second before: nothing is due
  EXPECT_EQ(vault::purge_expired(*svc)->objects, 0);
  EXPECT_TRUE(secrets().get_deleted("early"));
  at(kT0 + 7 * kDay);
  auto r = vault::purge_expired(*svc);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->objects, 2);
  EXPECT_EQ(secrets().get_deleted("early").error().code, Errc::NotFound);
  EXPECT_EQ(keys().get_deleted("k").error().code, Errc::NotFound);
  EXPECT_TRUE(secrets().get_deleted("late"));
  // The name is free again.
  ASSERT_TRUE(secrets().set("early", value("again")));
  at(kT0 + 8 * kDay);
  EXPECT_EQ(vault::purge_expired(*svc)->objects, 1);
  auto ev = events("main");
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "expire secret early"), 1);
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "expire secret late"), 1);
  EXPECT_EQ(std::count(ev.begin(), ev.end(), "expire key k"), 1);
}

TEST_F(Lifecycle, Expiry_CertificateGoesWithItsKeyAndSecret) {
  ASSERT_TRUE(certs().create("web", create_req("CN=web", "EC")));
  ASSERT_TRUE(certs().remove("web"));
  at(kT0 + 90 * kDay);
  auto r = vault::purge_expired(*svc);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->objects, 1);
  EXPECT_FALSE(any_object("web"));
}

TEST_F(Lifecycle, Expiry_PurgesDeletedVaultsAtTheirScheduledDate) {
  ASSERT_TRUE(svc->create_vault({"shortlived", 7, true}));
  ASSERT_TRUE(secrets("shortlived").set("s", value("v")));
  ASSERT_TRUE(svc->create_vault({"kept", 7, false}));
  ASSERT_TRUE(vault::delete_vault(*svc, "shortlived"));
  at(kT0 + 7 * kDay - 1);
  EXPECT_EQ(vault::purge_expired(*svc)->vaults, 0);
  at(kT0 + 7 * kDay);
  auto r = vault::purge_expired(*svc);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->vaults, 1);
  EXPECT_EQ(vault::get_deleted_vault(*svc, "shortlived").error().code, Errc::NotFound);
  EXPECT_FALSE(has_label(vault::master_label("shortlived")));
  EXPECT_TRUE(svc->catalog().vault("kept"));
  auto ev = events("shortlived");
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev[0], "expire vault shortlived");
}

TEST_F(Lifecycle, OneLifeCycle_SameRulesAndWordsForEveryType) {
  ASSERT_TRUE(secrets().set("s", value("v")));
  ASSERT_TRUE(keys().create("k", spec("RSA", 2048)));
  ASSERT_TRUE(certs().create("c", create_req("CN=c", "EC")));
  // Deleting twice, recovering or purging a live object: NotFound in each type's words.
  ASSERT_TRUE(secrets().remove("s"));
  ASSERT_TRUE(keys().remove("k"));
  ASSERT_TRUE(certs().remove("c"));
  EXPECT_EQ(secrets().remove("s").error().kv_code, "SecretNotFound");
  EXPECT_EQ(keys().remove("k").error().kv_code, "KeyNotFound");
  EXPECT_EQ(certs().remove("c").error().kv_code, "CertificateNotFound");
  EXPECT_EQ(secrets().get_deleted("s")->name, "s");
  // A certificate's key and secret move only with it.
  EXPECT_EQ(keys().recover("c").error().code, Errc::Forbidden);
  EXPECT_EQ(secrets().purge("c").error().code, Errc::Forbidden);
  ASSERT_TRUE(certs().recover("c"));
  EXPECT_TRUE(keys().get("c", ""));
  EXPECT_TRUE(secrets().get("c", ""));
  auto d = secrets().recover("nosuch");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "Deleted Secret not found: nosuch");
  auto ev = events("main");
  EXPECT_EQ(ev[0], "recover certificate c");
}

}  // namespace

namespace {

TEST_F(Lifecycle, DeletedVault_RefusesEveryObjectVerbAndNothingChanges) {
  ASSERT_TRUE(secrets().set("s", value("v")));
  ASSERT_TRUE(keys().create("k", spec("RSA", 2048)));
  ASSERT_TRUE(keys().remove("k"));
  ASSERT_TRUE(vault::delete_vault(*svc, "main"));
  vault::UpdateSecret off;
  off.attributes.enabled = false;
  auto upd = secrets().update("s", "", off);
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().kv_code, "VaultNotFound");
  EXPECT_EQ(keys().recover("k").error().kv_code, "VaultNotFound");
  EXPECT_EQ(keys().get_deleted("k").error().kv_code, "VaultNotFound");
  EXPECT_EQ(secrets().list_deleted("", 10).error().kv_code, "VaultNotFound");
  EXPECT_EQ(secrets().remove("s").error().kv_code, "VaultNotFound");
  ASSERT_TRUE(vault::recover_vault(*svc, "main"));
  EXPECT_EQ(value_of("main", "s"), "v");  // still enabled: the refused update changed nothing
  EXPECT_TRUE(keys().get_deleted("k"));   // still deleted: the refused recover changed nothing
}

TEST_F(Lifecycle, VaultPurgedByAnotherConnection_LeavesNoUnwrappedKeyInThisOnesCache) {
  ASSERT_TRUE(svc->create_vault({"gone", 7, false}));
  ASSERT_TRUE(keys("gone").create("k", spec("EC", std::nullopt, "P-256")));
  auto sig = keys("gone").sign("k", "", "ES256", cv::Bytes(32, 7));
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_GE(svc->key_cache().size(), 1u);
  auto other = vault::Service::open(opts);
  ASSERT_TRUE(other);
  ASSERT_TRUE(vault::delete_vault(*other, "gone"));
  ASSERT_TRUE(vault::purge_vault(*other, "gone"));
  EXPECT_EQ(keys("gone").sign("k", "", "ES256", cv::Bytes(32, 7)).error().code, Errc::NotFound);
  EXPECT_EQ(svc->key_cache().size(), 0u);
}

}  // namespace
