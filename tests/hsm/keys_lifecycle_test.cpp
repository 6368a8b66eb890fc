// Keys' life cycle against a real SoftHSM token and catalogue: create, import, show, list, update,
// rotate, soft delete, recover, purge, download.
#include "hsm/keys_fixture.hpp"

using namespace cv;
using cvtest::KeysTest;

class Keys : public KeysTest {};

namespace {

nlohmann::json key_of(const vault::KeyBundle& b) { return vault::key_json(b, vault::Shape::Bundle)["key"]; }

}  // namespace

TEST_F(Keys, Create_EveryTypeKeepsKtyAsGivenAndPublicPartsOnly) {
  auto k = keys();
  struct Case {
    std::string kty;
    std::optional<unsigned> size;
    std::optional<std::string> crv;
  };
  for (const auto& c : {Case{"RSA", 2048, {}}, Case{"RSA-HSM", 3072, {}}, Case{"EC", {}, "P-256"},
                        Case{"EC-HSM", {}, "P-384"}, Case{"EC", {}, "P-521"}, Case{"oct", 128, {}},
                        Case{"oct-HSM", 192, {}}, Case{"oct", 256, {}}}) {
    auto r = k.create("k-" + std::to_string(rand()), spec(c.kty, c.size, c.crv));
    ASSERT_TRUE(r) << c.kty << ": " << r.error().message;
    auto j = key_of(*r);
    EXPECT_EQ(j["kty"], c.kty);
    EXPECT_TRUE(r->meta.ciphertext.empty()) << "bundles never carry the wrapped material";
    for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k"}) EXPECT_FALSE(j.contains(secret)) << secret;
    if (c.kty.starts_with("RSA")) {
      EXPECT_EQ(base64url_decode(j["n"].get<std::string>())->size() * 8, *c.size);
      EXPECT_EQ(j["e"], "AQAB");
    } else if (c.kty.starts_with("EC")) {
      EXPECT_EQ(j["crv"], *c.crv);
      EXPECT_TRUE(j.contains("x") && j.contains("y"));
    }
    auto attrs = vault::key_json(*r, vault::Shape::Bundle)["attributes"];
    EXPECT_EQ(attrs["exportable"], false);
    EXPECT_EQ(attrs["recoveryLevel"], "Recoverable+Purgeable");
  }
}

TEST_F(Keys, Create_Rsa4096AndDefaults) {
  auto k = keys();
  auto big = k.create("big", spec("RSA", 4096));
  ASSERT_TRUE(big) << big.error().message;
  EXPECT_EQ(base64url_decode(key_of(*big)["n"].get<std::string>())->size(), 512u);
  auto rsa = k.create("rsa-default", spec("RSA"));
  ASSERT_TRUE(rsa);
  EXPECT_EQ(base64url_decode(key_of(*rsa)["n"].get<std::string>())->size(), 256u);
  EXPECT_EQ(key_of(*rsa)["key_ops"].size(), 6u);
  auto ec = k.create("ec-default", spec("EC"));
  ASSERT_TRUE(ec);
  EXPECT_EQ(key_of(*ec)["crv"], "P-256");
  EXPECT_EQ(key_of(*ec)["key_ops"], nlohmann::json({"sign", "verify"}));
}

TEST_F(Keys, Create_RefusesUnsupportedSizeCurveTypeAndOpsNamingWhatIsAllowed) {
  auto k = keys();
  auto r = k.create("a", spec("RSA", 1024));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("2048, 3072, 4096"), std::string::npos) << r.error().message;
  r = k.create("a", spec("oct", 512));
  EXPECT_NE(r.error().message.find("128, 192, 256"), std::string::npos);
  r = k.create("a", spec("EC", {}, "P-255"));
  EXPECT_NE(r.error().message.find("P-256, P-384, P-521, P-256K"), std::string::npos);
  r = k.create("a", spec("DSA"));
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_EQ(k.create("a", spec("EC", 256)).error().code, Errc::BadParameter);
  EXPECT_EQ(k.create("a", spec("RSA", 2048, "P-256")).error().code, Errc::BadParameter);
  auto s = spec("EC");
  s.ops = std::vector<std::string>{"sign", "encrypt"};
  r = k.create("a", s);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("sign, verify"), std::string::npos);
  EXPECT_EQ(k.create("bad_name", spec("EC")).error().code, Errc::BadParameter);
  s = spec("EC");
  s.attributes.nbf = 2000;
  s.attributes.exp = 1000;
  EXPECT_EQ(k.create("a", s).error().code, Errc::BadParameter);
  auto all = k.list("", 100);
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty()) << "refusals write nothing";
}

TEST_F(Keys, Get_NotFoundTextsAndCodes) {
  auto k = keys();
  auto r = k.get("nope", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::NotFound);
  EXPECT_EQ(kv_error_code(r.error()), "KeyNotFound");
  EXPECT_EQ(r.error().message.rfind("A key with (name/id) nope was not found in this key vault.", 0), 0u);
  ASSERT_TRUE(k.create("a", spec("EC")));
  EXPECT_EQ(k.get("a", std::string(32, '0')).error().code, Errc::NotFound);
  EXPECT_EQ(k.get("a", "xyz").error().code, Errc::BadParameter);
  auto d = k.get_deleted("a");
  EXPECT_EQ(d.error().message, "Deleted Key not found: a");
  EXPECT_EQ(kv_error_code(d.error()), "KeyNotFound");
  EXPECT_EQ(keys("nosuch").get("a", "").error().code, Errc::NotFound);
}

TEST_F(Keys, ListAndListVersions_ShapesAndOrder) {
  auto k = keys();
  auto v1 = k.create("signer", spec("EC"));
  auto v2 = k.create("SIGNER", spec("EC", {}, "P-384"));
  ASSERT_TRUE(v1 && v2);
  ASSERT_TRUE(k.create("another", spec("oct")));
  auto all = k.list("", 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  auto item = vault::key_json((*all)[1], vault::Shape::Item);
  EXPECT_EQ(item["kid"], "https://main.vault.localhost/keys/signer");
  EXPECT_FALSE(item.contains("key"));
  auto versions = k.list_versions("signer", "", 100);
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].meta.version, v1->meta.version);
  EXPECT_EQ(vault::key_json((*versions)[1], vault::Shape::VersionItem)["kid"],
            "https://main.vault.localhost/keys/signer/" + v2->meta.version);
  EXPECT_EQ(key_of(*k.get("signer", ""))["crv"], "P-384");
}

TEST_F(Keys, Update_ChangesOpsAttributesTagsOfOneVersion) {
  auto k = keys();
  auto v1 = k.create("u", spec("RSA"));
  ASSERT_TRUE(v1);
  vault::UpdateKey u;
  u.ops = std::vector<std::string>{"verify"};
  u.tags = store::Tags{{"team", "ops"}};
  u.attributes.exp = 4070908800;
  auto r = k.update("u", v1->meta.version, u);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(key_of(*r)["key_ops"], nlohmann::json({"verify"}));
  EXPECT_EQ(r->meta.tags.at("team"), "ops");
  EXPECT_EQ(*r->meta.exp, 4070908800);
  auto again = k.get("u", "");
  EXPECT_EQ(key_of(*again)["key_ops"], nlohmann::json({"verify"}));
  EXPECT_EQ(key_of(*again)["n"], key_of(*v1)["n"]) << "public parts survive an update";
  u = {};
  u.ops = std::vector<std::string>{"frobnicate"};
  EXPECT_EQ(k.update("u", "", u).error().code, Errc::BadParameter);
  u = {};
  u.attributes.nbf = 4070908801;
  EXPECT_EQ(k.update("u", "", u).error().code, Errc::BadParameter) << "nbf after exp";
  EXPECT_EQ(k.update("nope", "", {}).error().code, Errc::NotFound);
}

TEST_F(Keys, DeleteRecoverPurge_SoftDeleteRulesAsSecrets) {
  auto k = keys();
  ASSERT_TRUE(k.create("d", spec("EC")));
  auto del = k.remove("d");
  ASSERT_TRUE(del) << del.error().message;
  auto j = vault::key_json(*del, vault::Shape::Bundle);
  EXPECT_EQ(j["recoveryId"], "https://main.vault.localhost/deletedkeys/d");
  EXPECT_TRUE(j.contains("deletedDate") && j.contains("scheduledPurgeDate"));
  EXPECT_EQ(k.get("d", "").error().code, Errc::NotFound);
  EXPECT_EQ(k.remove("d").error().code, Errc::NotFound);
  auto conflict = k.create("d", spec("EC"));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, Errc::Conflict);
  EXPECT_EQ(conflict.error().inner, "ObjectIsDeletedButRecoverable");
  EXPECT_EQ(conflict.error().message.rfind("Key d is currently in a deleted but recoverable state", 0), 0u);
  auto pem = cvtest::private_pem(cvtest::openssl_ec("P-256").get());
  EXPECT_EQ(k.import_pem("d", sec(pem), {}, {}).error().code, Errc::Conflict);
  EXPECT_EQ(k.rotate("d").error().code, Errc::NotFound);
  EXPECT_EQ(k.sign("d", "", "ES256", cvtest::digest(Hash::Sha256, "x")).error().code, Errc::NotFound);
  auto listed = k.list_deleted("", 10);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u);
  ASSERT_TRUE(k.get_deleted("d"));
  ASSERT_TRUE(k.recover("d"));
  EXPECT_TRUE(k.sign("d", "", "ES256", cvtest::digest(Hash::Sha256, "x"))) << "recovered key works";
  EXPECT_EQ(k.recover("d").error().code, Errc::NotFound);
  EXPECT_EQ(k.purge("d").error().code, Errc::NotFound) << "purge needs a deleted key";
  ASSERT_TRUE(k.remove("d"));
  ASSERT_TRUE(k.purge("d"));
  EXPECT_EQ(k.get_deleted("d").error().code, Errc::NotFound);
  EXPECT_TRUE(k.create("d", spec("EC"))) << "a purged name is free again";
}

TEST_F(Keys, Purge_ForbiddenUnderPurgeProtection) {
  ASSERT_TRUE(svc->create_vault({"locked", 7, true}));
  auto k = keys("locked");
  ASSERT_TRUE(k.create("p", spec("EC")));
  auto del = k.remove("p");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->recovery_level, "CustomizedRecoverable");
  EXPECT_EQ(k.purge("p").error().code, Errc::Forbidden);
}

TEST_F(Keys, Rotate_NewVersionSameTypeOldVersionsKeepWorking) {
  auto k = keys();
  auto s = spec("RSA-HSM", 2048);
  s.tags = {{"app", "billing"}};
  s.ops = std::vector<std::string>{"sign", "verify", "decrypt", "encrypt"};
  auto v1 = k.create("rot", s);
  ASSERT_TRUE(v1);
  auto dgst = cvtest::digest(Hash::Sha256, "hello");
  auto sig1 = k.sign("rot", "", "PS256", dgst);
  auto ct1 = k.encrypt("rot", "", "RSA-OAEP-256", b("old secret"));
  ASSERT_TRUE(sig1 && ct1);
  auto v2 = k.rotate("rot");
  ASSERT_TRUE(v2) << v2.error().message;
  EXPECT_NE(v2->meta.version, v1->meta.version);
  EXPECT_EQ(key_of(*v2)["kty"], "RSA-HSM");
  EXPECT_EQ(key_of(*v2)["key_ops"], key_of(*v1)["key_ops"]);
  EXPECT_EQ(v2->meta.tags.at("app"), "billing");
  EXPECT_NE(key_of(*v2)["n"], key_of(*v1)["n"]);
  EXPECT_EQ(k.get("rot", "")->meta.version, v2->meta.version);
  // The old version still decrypts and verifies; the latest does not know its material.
  auto pt = k.decrypt("rot", v1->meta.version, "RSA-OAEP-256", bytes(ct1->value));
  ASSERT_TRUE(pt) << pt.error().message;
  EXPECT_EQ(bytes(pt->value), b("old secret"));
  EXPECT_TRUE(*k.verify("rot", v1->meta.version, "PS256", dgst, bytes(sig1->value)));
  EXPECT_FALSE(*k.verify("rot", "", "PS256", dgst, bytes(sig1->value)));
  EXPECT_FALSE(k.decrypt("rot", "", "RSA-OAEP-256", bytes(ct1->value)));
  EXPECT_EQ(k.list_versions("rot", "", 10)->size(), 2u);
}

TEST_F(Keys, Download_PublicKeyDerMatchesShowAndOctHasNone) {
  auto k = keys();
  for (const char* kty : {"RSA", "EC"}) {
    auto c = k.create(std::string("dl-") + kty, spec(kty));
    ASSERT_TRUE(c);
    auto der = k.public_key_der(c->name, "");
    ASSERT_TRUE(der) << der.error().message;
    auto pub = cvtest::public_from_der(*der);
    ASSERT_TRUE(pub) << "OpenSSL parses the SubjectPublicKeyInfo";
    if (std::string(kty) == "RSA") {
      EXPECT_EQ(base64url_encode(cvtest::bn_param(pub.get(), OSSL_PKEY_PARAM_RSA_N)), key_of(*c)["n"].get<std::string>());
    }
  }
  ASSERT_TRUE(k.create("sym", spec("oct")));
  EXPECT_EQ(k.public_key_der("sym", "").error().code, Errc::BadParameter);
}
