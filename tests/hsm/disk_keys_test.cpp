// The KEK/BEK flow of Azure Disk Encryption: BEK secrets wrapped by a vault key, tags as ADE writes
// them, unwrap by the KEK named in the tag, and the failures.
#include "coldvault/disk_keys.hpp"
#include "hsm/keys_fixture.hpp"

using namespace cv;
using cvtest::KeysTest;

class DiskKeys : public KeysTest {
 protected:
  vault::DiskKeys disks(const std::string& vault = "main") { return {*svc, vault}; }
};

TEST_F(DiskKeys, Create_WithKekStoresWrappedBekWithAdeTags) {
  auto k = keys();
  auto kek = k.create("kek", spec("RSA-HSM", 2048));
  ASSERT_TRUE(kek);
  auto d = disks();
  auto b = d.create({"vm-web-01", std::string("kek"), "windows"});
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->name.size(), 36u) << "named by a GUID";
  EXPECT_EQ(*b->meta.content_type, "Wrapped BEK");
  EXPECT_EQ(b->meta.tags.at("DiskEncryptionKeyEncryptionAlgorithm"), "RSA-OAEP");
  EXPECT_EQ(b->meta.tags.at("DiskEncryptionKeyFileName"), b->name + ".BEK");
  EXPECT_EQ(b->meta.tags.at("DiskEncryptionKeyEncryptionKeyURL"),
            "https://main.vault.localhost/keys/kek/" + kek->meta.version);
  EXPECT_EQ(b->meta.tags.at("MachineName"), "vm-web-01");
  EXPECT_FALSE(b->value) << "the bundle returned by create carries no value";

  // The secret's value is what a wrapKey returns; the KEK's unwrapKey opens it to a 32-byte BEK.
  auto stored = secrets().get(b->name, "");
  ASSERT_TRUE(stored);
  std::string value(stored->value->begin(), stored->value->end());
  auto wrapped = base64url_decode(value);
  ASSERT_TRUE(wrapped) << "value is base64url";
  EXPECT_EQ(wrapped->size(), 256u);
  auto via_key = k.unwrap("kek", "", "RSA-OAEP", *wrapped);
  ASSERT_TRUE(via_key);
  auto bek = d.unwrap(b->name);
  ASSERT_TRUE(bek) << bek.error().message;
  EXPECT_EQ(bek->size(), 32u);
  EXPECT_EQ(bytes(*bek), bytes(via_key->value));
  auto second = d.create({"vm-web-01", std::string("kek"), "linux"});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->meta.tags.at("DiskEncryptionKeyFileName"), "LinuxPassPhraseFileName");
  EXPECT_NE(bytes(*d.unwrap(second->name)), bytes(*bek)) << "every BEK is new";
}

TEST_F(DiskKeys, Create_WithoutKekStoresTheBekItself) {
  auto d = disks();
  auto b = d.create({"vm-db", std::nullopt, "linux"});
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(*b->meta.content_type, "BEK");
  EXPECT_FALSE(b->meta.tags.contains("DiskEncryptionKeyEncryptionKeyURL"));
  auto stored = secrets().get(b->name, "");
  auto raw = base64_decode(std::string(stored->value->begin(), stored->value->end()));
  ASSERT_TRUE(raw) << "value is standard base64";
  auto bek = d.unwrap(b->name);
  ASSERT_TRUE(bek);
  EXPECT_EQ(bytes(*bek), *raw);
  EXPECT_EQ(bek->size(), 32u);
}

TEST_F(DiskKeys, List_ByMachineOnlyBekSecrets) {
  ASSERT_TRUE(keys().create("kek", spec("RSA")));
  auto d = disks();
  ASSERT_TRUE(d.create({"vm-a", std::string("kek"), "windows"}));
  ASSERT_TRUE(d.create({"vm-a", std::nullopt, "windows"}));
  ASSERT_TRUE(d.create({"vm-b", std::string("kek"), "linux"}));
  ASSERT_TRUE(secrets().set("not-a-bek", value("x")));
  EXPECT_EQ(d.list(std::nullopt)->size(), 3u);
  EXPECT_EQ(d.list(std::string("vm-a"))->size(), 2u);
  EXPECT_EQ(d.list(std::string("vm-c"))->size(), 0u);
}

TEST_F(DiskKeys, Create_RefusesUnusableKek) {
  auto d = disks();
  auto r = d.create({"vm", std::string("missing"), "windows"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::NotFound);
  ASSERT_TRUE(keys().create("eckey", spec("EC")));
  EXPECT_EQ(d.create({"vm", std::string("eckey"), "windows"}).error().code, Errc::Forbidden)
      << "an EC key has no wrapKey";
  auto s = spec("RSA");
  s.ops = std::vector<std::string>{"sign"};
  ASSERT_TRUE(keys().create("signonly", s));
  auto f = d.create({"vm", std::string("signonly"), "windows"});
  EXPECT_EQ(f.error().message, "Operation wrapKey is not permitted on this key.");
  EXPECT_EQ(d.create({"vm", std::nullopt, "solaris"}).error().code, Errc::BadParameter);
  EXPECT_EQ(d.create({"", std::nullopt, "linux"}).error().code, Errc::BadParameter);
  EXPECT_TRUE(d.list(std::nullopt)->empty()) << "refusals store nothing";
}

TEST_F(DiskKeys, Unwrap_KekDeletedNamesTheKekAndOlderKekVersionStillWorks) {
  auto k = keys();
  ASSERT_TRUE(k.create("kek", spec("RSA")));
  auto d = disks();
  auto b = d.create({"vm", std::string("kek"), "windows"});
  ASSERT_TRUE(b);
  auto bek = d.unwrap(b->name);
  ASSERT_TRUE(bek);
  ASSERT_TRUE(k.rotate("kek"));
  auto after = d.unwrap(b->name);
  ASSERT_TRUE(after) << "the tag names the version that wrapped it";
  EXPECT_EQ(bytes(*after), bytes(*bek));
  ASSERT_TRUE(k.remove("kek"));
  auto gone = d.unwrap(b->name);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::NotFound);
  EXPECT_NE(gone.error().message.find(b->meta.tags.at("DiskEncryptionKeyEncryptionKeyURL")), std::string::npos)
      << gone.error().message;
  ASSERT_TRUE(secrets().set("plain", value("x")));
  EXPECT_EQ(d.unwrap("plain").error().code, Errc::BadParameter);
}

TEST_F(DiskKeys, Unwrap_UrlNamingAnotherVaultResolvesInThisOne) {
  auto k = keys();
  auto kek = k.create("kek", spec("RSA"));
  ASSERT_TRUE(kek);
  auto d = disks();
  auto b = d.create({"vm", std::string("kek"), "windows"});
  ASSERT_TRUE(b);
  auto bek = d.unwrap(b->name);
  // As after a restore from another vault: the URL names a foreign host (and port), same key path.
  vault::UpdateSecret u;
  u.tags = b->meta.tags;
  (*u.tags)["DiskEncryptionKeyEncryptionKeyURL"] =
      "https://prod-kv.vault.azure.net:443/keys/kek/" + kek->meta.version;
  ASSERT_TRUE(secrets().update(b->name, "", u));
  auto again = d.unwrap(b->name);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(bytes(*again), bytes(*bek));
  (*u.tags)["DiskEncryptionKeyEncryptionKeyURL"] = "https://x/secrets/kek";
  ASSERT_TRUE(secrets().update(b->name, "", u));
  EXPECT_EQ(d.unwrap(b->name).error().code, Errc::BadParameter);
}
