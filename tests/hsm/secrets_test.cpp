// Secrets against a real SoftHSM token and SQLite file, through the vault layer.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <unistd.h>

#include "hsm/vault_home.hpp"

using namespace cv;
using cvtest::VaultHome;

class Secrets : public VaultHome {};

static std::string str(const std::optional<SecureString>& s) { return s ? std::string(s->begin(), s->end()) : ""; }

TEST_F(Secrets, Set_ThreeVersionsLatestIsCurrent) {
  auto s = secrets();
  auto v1 = s.set("db-pass", value("one"));
  auto v2 = s.set("db-pass", value("two"));
  auto v3 = s.set("DB-PASS", value("three"));
  ASSERT_TRUE(v1 && v2 && v3);
  EXPECT_EQ(v1->meta.version.size(), 32u);
  EXPECT_NE(v1->meta.version, v2->meta.version);
  EXPECT_EQ(str(s.get("db-pass", "")->value), "three");
  EXPECT_EQ(str(s.get("db-pass", v1->meta.version)->value), "one");
  auto versions = s.list_versions("db-pass", "", 100);
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].meta.version, v1->meta.version);
  EXPECT_FALSE((*versions)[0].value);
}

TEST_F(Secrets, Get_DisabledVersionIsForbidden) {
  auto s = secrets();
  auto set = value("x");
  set.attributes.enabled = false;
  ASSERT_TRUE(s.set("off", set));
  auto r = s.get("off", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Disabled);
  EXPECT_EQ(http_status(r.error().code), 403);
  EXPECT_EQ(r.error().inner, "SecretDisabled");
}

// As Key Vault (about-secrets, "Date-time controlled operations"): get works outside nbf/exp and returns
// the attributes that say so; only a disabled secret is refused.
TEST_F(Secrets, Get_OutsideNbfOrExpReturnsTheValueWithItsDates) {
  auto s = secrets();
  auto future = value("early");
  future.attributes.nbf = vault::Service::now() + 3600;
  ASSERT_TRUE(s.set("later", future));
  auto early = s.get("later", "");
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_EQ(std::string(early->value->begin(), early->value->end()), "early");
  EXPECT_EQ(*early->meta.nbf, *future.attributes.nbf);
  auto past = value("late");
  past.attributes.exp = vault::Service::now() - 3600;
  ASSERT_TRUE(s.set("expired", past));
  auto late = s.get("expired", "");
  ASSERT_TRUE(late) << late.error().message;
  EXPECT_EQ(std::string(late->value->begin(), late->value->end()), "late");
  EXPECT_EQ(*late->meta.exp, *past.attributes.exp);
  auto off = value("off");
  off.attributes.exp = vault::Service::now() - 3600;
  off.attributes.enabled = false;
  ASSERT_TRUE(s.set("expired-off", off));
  EXPECT_EQ(s.get("expired-off", "").error().code, Errc::Disabled);
}

TEST_F(Secrets, Set_RefusesBadNameOversizeValueAndWritesNothing) {
  auto s = secrets();
  EXPECT_EQ(s.set("bad_name", value("x")).error().code, Errc::BadParameter);
  EXPECT_EQ(s.set(std::string(128, 'a'), value("x")).error().code, Errc::BadParameter);
  EXPECT_EQ(s.set("big", value(std::string(vault::kMaxSecretBytes + 1, 'x'))).error().code,
            Errc::BadParameter);
  EXPECT_TRUE(s.set("fits", value(std::string(vault::kMaxSecretBytes, 'x'))));
  auto all = s.list("", 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(Secrets, Get_UnknownNameOrVersionIsNotFound) {
  auto s = secrets();
  ASSERT_TRUE(s.set("a", value("x")));
  auto r = s.get("nope", "");
  EXPECT_EQ(r.error().code, Errc::NotFound);
  EXPECT_EQ(kv_error_code(r.error()), "SecretNotFound");
  EXPECT_EQ(s.get("a", std::string(32, '0')).error().code, Errc::NotFound);
  EXPECT_EQ(s.get("a", "xyz").error().code, Errc::BadParameter);
}

TEST_F(Secrets, Update_ChangesAttributesKeepsValue) {
  auto s = secrets();
  auto set = value("keep");
  set.tags = {{"a", "1"}};
  set.content_type = "text/plain";
  auto v = s.set("u", set);
  ASSERT_TRUE(v);
  vault::UpdateSecret u;
  u.attributes.exp = vault::Service::now() + 86400;
  auto r = s.update("u", v->meta.version, u);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->meta.tags.at("a"), "1");  // omitted fields unchanged
  EXPECT_EQ(*r->meta.content_type, "text/plain");
  EXPECT_EQ(*r->meta.exp, *u.attributes.exp);
  EXPECT_EQ(str(s.get("u", "")->value), "keep");
  vault::UpdateSecret bad;
  bad.attributes.nbf = *u.attributes.exp + 10;
  EXPECT_EQ(s.update("u", "", bad).error().code, Errc::BadParameter);
}

TEST_F(Secrets, Delete_RecoverPurgeLifeCycle) {
  auto s = secrets();
  ASSERT_TRUE(s.set("life", value("v1")));
  ASSERT_TRUE(s.set("life", value("v2")));
  auto d = s.remove("life");
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->deleted_date);
  EXPECT_EQ(*d->scheduled_purge - *d->deleted_date, 90 * 86400);
  EXPECT_EQ(s.get("life", "").error().code, Errc::NotFound);
  EXPECT_EQ(s.list_deleted("", 10)->size(), 1u);
  EXPECT_TRUE(s.get_deleted("life"));
  auto conflict = s.set("life", value("v3"));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, Errc::Conflict);
  EXPECT_EQ(conflict.error().inner, "ObjectIsDeletedButRecoverable");
  ASSERT_TRUE(s.recover("life"));
  EXPECT_EQ(str(s.get("life", "")->value), "v2");
  EXPECT_EQ(s.list_versions("life", "", 10)->size(), 2u);
  EXPECT_EQ(s.purge("life").error().code, Errc::NotFound);  // not deleted
  ASSERT_TRUE(s.remove("life"));
  ASSERT_TRUE(s.purge("life"));
  EXPECT_EQ(s.get_deleted("life").error().code, Errc::NotFound);
  EXPECT_TRUE(s.set("life", value("fresh")));
}

TEST_F(Secrets, Purge_ForbiddenUnderPurgeProtection) {
  ASSERT_TRUE(svc->create_vault({"locked", 7, true}));
  auto s = secrets("locked");
  ASSERT_TRUE(s.set("p", value("x")));
  auto d = s.remove("p");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d->scheduled_purge - *d->deleted_date, 7 * 86400);
  EXPECT_EQ(d->recovery_level, "CustomizedRecoverable");
  EXPECT_EQ(s.purge("p").error().code, Errc::Forbidden);
  EXPECT_TRUE(s.get_deleted("p"));
}

TEST_F(Secrets, Ciphertext_MovedToAnotherRowFailsAuthentication) {
  auto s = secrets();
  auto a = s.set("a", value("alpha"));
  auto b = s.set("b", value("beta"));
  ASSERT_TRUE(a && b);
  // Copy b's ciphertext over a's version: AAD binds name and version, so it must not decrypt as a.
  auto& cat = svc->catalog();
  auto va = *cat.version("main", store::ObjType::Secret, "a", "");
  auto vb = *cat.version("main", store::ObjType::Secret, "b", "");
  ASSERT_TRUE(cat.mark_deleted("main", store::ObjType::Secret, "a", 1, 2));
  ASSERT_TRUE(cat.purge("main", store::ObjType::Secret, "a"));
  va.iv = vb.iv;
  va.ciphertext = vb.ciphertext;
  ASSERT_TRUE(cat.insert_object("main", store::ObjType::Secret, "a", va.version, {va}));
  auto r = s.get("a", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Corruption);
}

TEST_F(Secrets, Vaults_AreSeparateNamespaces) {
  ASSERT_TRUE(svc->create_vault({"other", 90, false}));
  EXPECT_EQ(svc->create_vault({"other", 90, false}).error().code, Errc::Conflict);
  ASSERT_TRUE(secrets("main").set("same", value("in-main")));
  ASSERT_TRUE(secrets("other").set("same", value("in-other")));
  EXPECT_EQ(str(secrets("other").get("same", "")->value), "in-other");
  EXPECT_EQ(secrets("nosuch").get("same", "").error().code, Errc::NotFound);
  reopen();
  EXPECT_EQ(str(secrets("main").get("same", "")->value), "in-main");
}

TEST_F(Secrets, PlantedValue_AppearsInNoFileUnderHome) {
  const std::string planted = "planted-Secret-Value-7f3a9c0e51";
  ASSERT_TRUE(secrets().set("planted", value(planted)));
  ASSERT_TRUE(secrets().set("planted", value(planted + "-v2")));
  ASSERT_TRUE(secrets().update("planted", "", {}));
  EXPECT_EQ(str(secrets().get("planted", "")->value), planted + "-v2");
  // Scan while the catalogue is open (WAL present) and again after closing.
  for (int pass = 0; pass < 2; ++pass) {
    std::size_t files = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(opts.home)) {
      if (!e.is_regular_file()) continue;
      ++files;
      std::ifstream in(e.path(), std::ios::binary);
      std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(content.find(planted), std::string::npos) << e.path();
    }
    EXPECT_GE(files, 4u);  // catalogue, config, softhsm2.conf, token objects at least
    svc.reset();
  }
}

TEST_F(Secrets, ConcurrentProcesses_EveryVersionStored) {
  svc.reset();  // the children open their own token sessions and catalogue connections
  constexpr int kProcs = 4, kEach = 5;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int bad = 0;
      auto own = vault::Service::open(opts);
      if (!own) {
        std::fprintf(stderr, "child %d: open failed: %s\n", p, own.error().message.c_str());
        _exit(100);
      }
      vault::Secrets s(*own, "main");
      for (int i = 0; i < kEach; ++i)
        if (!s.set("shared", value("p" + std::to_string(p) + "-" + std::to_string(i)))) ++bad;
      _exit(bad);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  reopen();
  EXPECT_EQ(secrets().list_versions("shared", "", 1000)->size(), static_cast<std::size_t>(kProcs * kEach));
}

TEST_F(Secrets, Init_RefusesExistingHome) {
  auto r = vault::init(opts, {"main", 90, false});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
}

TEST_F(Secrets, Open_WrongPinFailsWithLoginError) {
  svc.reset();
  auto pin = dir / "wrong.pin";
  std::ofstream(pin) << "not-the-pin\n";
  auto o = opts;
  o.pin_file = pin.string();
  auto r = vault::Service::open(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::HsmLoginFailed);
  EXPECT_EQ(r.error().message.find("not-the-pin"), std::string::npos);
}
