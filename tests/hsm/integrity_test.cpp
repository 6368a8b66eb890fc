// Rows that gate trust and key use are authenticated by the token (issue 11, items 1 and 2): key rows are
// bound to vault, name and version; the signer registry is tamper-evident; restore checks a key's described
// public parts against its material; a home made before all this is adopted once.

#include "backup/payload.hpp"
#include "backup/seal.hpp"
#include "coldvault/backup.hpp"
#include "coldvault/trust.hpp"
#include "hsm/catalog_env.hpp"
#include "hsm/catalog_sql.hpp"
#include "hsm/keys_fixture.hpp"
#include "vault/key_material.hpp"
#include "vault/key_meta.hpp"
#include "vault/labels.hpp"

using namespace cv;
using cvtest::KeysTest;

class Integrity : public KeysTest {
 protected:
  // Runs SQL on the home's catalogue as someone with write access to it (not to the token) would: `sqlite` on
  // a SQLite catalogue, `pg` (the same edit) on a PostgreSQL one; one statement when both read it alike.
  void sql(const std::string& sqlite, const std::string& pg) {
    ASSERT_EQ(cvtest::run_catalog_sql(vault::catalog_path((dir / "home").string()), sqlite, pg), "") << sqlite;
  }
  void sql(const std::string& both) { sql(both, both); }

  // The version row of key `name` (each key here has one version). Not SQLite's rowid: PostgreSQL has none.
  static std::string row_of(const std::string& name) {
    return "object_id=(SELECT id FROM objects WHERE name='" + name + "' AND type='key')";
  }
  // Empties the authenticator (iv) of key `name`'s row.
  void blank_authenticator(const std::string& name) {
    sql("UPDATE versions SET iv=x'' WHERE " + row_of(name),
        "UPDATE versions SET iv='\\x'::bytea WHERE " + row_of(name));
  }
  void expect_corruption(const std::string& name) {
    auto g = keys().get(name, "");
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, Errc::Corruption);
    EXPECT_NE(g.error().message.find("key row main/" + name + "/"), std::string::npos) << g.error().message;
  }
};

TEST_F(Integrity, KeyRow_EditedKeyOpsIsCorruptionOnReadAndUse) {
  ASSERT_TRUE(keys().create("k", spec("EC", {}, "P-256")));
  sql(R"(UPDATE versions SET meta=replace(meta, '"sign"', '"sign","encrypt"') WHERE meta LIKE '%"sign"%' AND )" +
      row_of("k"));
  expect_corruption("k");
  auto s = keys().sign("k", "", "ES256", Bytes(32, 7));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::Corruption);
}

TEST_F(Integrity, KeyRow_EditedPublicPartsAreCorruption) {
  ASSERT_TRUE(keys().create("k", spec("RSA", 2048)));
  // Another modulus (what a client would then encrypt to): the row no longer matches its authenticator. On
  // PostgreSQL a text edit of that one member (jsonb would also re-space and re-order the whole text).
  sql("UPDATE versions SET meta=json_set(meta, '$.n', 'AAAA') WHERE " + row_of("k"),
      R"(UPDATE versions SET meta=regexp_replace(meta, '"n":"[^"]*"', '"n":"AAAA"') WHERE meta ~ '"n":"' AND )" +
          row_of("k"));
  expect_corruption("k");
}

TEST_F(Integrity, KeyRow_SwappedBetweenNamesIsCorruption) {
  ASSERT_TRUE(keys().create("a", spec("EC", {}, "P-256")));
  ASSERT_TRUE(keys().create("b", spec("EC", {}, "P-256")));
  sql("UPDATE versions SET (meta, ciphertext, iv) = (SELECT meta, ciphertext, iv FROM versions WHERE " +
      row_of("b") + ") WHERE " + row_of("a"));
  expect_corruption("a");
  EXPECT_TRUE(keys().get("b", ""));
}

TEST_F(Integrity, KeyRow_MissingAuthenticatorIsCorruption) {
  ASSERT_TRUE(keys().create("k", spec("oct", 256)));
  blank_authenticator("k");
  expect_corruption("k");
}

TEST_F(Integrity, KeyRow_UpdateNeverLaundersAnEditedRow) {
  vault::UpdateKey disable;
  disable.attributes.enabled = false;
  ASSERT_TRUE(keys().create("k", spec("EC", {}, "P-256")));
  ASSERT_TRUE(keys().update("k", "", disable));
  sql("UPDATE versions SET enabled=1 WHERE " + row_of("k"));  // re-enable behind coldvault's back
  vault::UpdateKey tag;
  tag.tags = store::Tags{{"t", "1"}};
  auto u = keys().update("k", "", tag);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, Errc::Corruption);
}

TEST_F(Integrity, KeyRow_UpdateAndRotateStayValid) {
  ASSERT_TRUE(keys().create("k", spec("RSA", 2048)));
  vault::UpdateKey u;
  u.ops = std::vector<std::string>{"sign", "verify"};
  u.attributes.exp = vault::Service::now() + 86400;
  ASSERT_TRUE(keys().update("k", "", u));
  ASSERT_TRUE(keys().rotate("k"));
  auto all = keys().list_versions("k", "", 10);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->size(), 2u);
  reopen();
  EXPECT_TRUE(keys().get("k", (*all)[0].meta.version));
}

TEST_F(Integrity, Registry_VaultSignersAreListedAndAnEditedRowIsCorruption) {
  ASSERT_TRUE(svc->create_vault({"second", 90, false}));
  auto list = vault::trusted_signers(*svc);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].kind, "vault");
  EXPECT_FALSE((*list)[0].ca) << "a vault's own certificate is matched exactly, never used as a CA";
  sql("UPDATE trusted_signers SET ca=1 WHERE label='second'");
  auto bad = vault::trusted_signers(*svc);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Corruption);
}

TEST_F(Integrity, Registry_RowMovedToAnotherCertificateIsCorruption) {
  ASSERT_TRUE(svc->create_vault({"second", 90, false}));
  sql("UPDATE trusted_signers SET cert=(SELECT cert FROM trusted_signers WHERE label='second') WHERE label='main'");
  auto bad = vault::trusted_signers(*svc);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Corruption);
}

TEST_F(Integrity, Adoption_AHomeWithoutIntegrityKeyIsSealedOnceAtOpen) {
  ASSERT_TRUE(keys().create("old", spec("EC", {}, "P-256")));
  // The state a home of the first wave is in: no integrity key, no registry, key rows without authenticator.
  auto key = svc->token().find(vault::integrity_label(svc->domain_kid()), "secret");
  ASSERT_TRUE(key);
  ASSERT_TRUE(svc->token().destroy(*key));
  svc.reset();
  sql("DELETE FROM trusted_signers");
  blank_authenticator("old");
  reopen();
  EXPECT_TRUE(keys().get("old", "")) << "adopted";
  auto list = vault::trusted_signers(*svc);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->size(), 1u);
  // Adoption happens once: after it, a blanked authenticator is Corruption again.
  svc.reset();
  blank_authenticator("old");
  reopen();
  expect_corruption("old");
}

TEST_F(Integrity, Restore_RefusesAKeyBlobWhoseDescribedPublicKeyIsNotItsMaterial) {
  ASSERT_TRUE(keys().create("real", spec("EC", {}, "P-256")));
  ASSERT_TRUE(keys().create("other", spec("EC", {}, "P-256")));
  auto vk = svc->vault("main");
  ASSERT_TRUE(vk);
  auto real = svc->catalog().version("main", store::ObjType::Key, "real", "");
  auto other = svc->catalog().version("main", store::ObjType::Key, "other", "");
  ASSERT_TRUE(real && other);
  // A blob sealed by this very vault (so signer and domain are right) whose payload pairs the material of
  // "real" with the public key of "other".
  auto sealer = backup::Sealer::begin(*svc, **vk);
  ASSERT_TRUE(sealer);
  auto h = vault::unwrap_stored_key(*svc, **vk, *real, true);
  ASSERT_TRUE(h);
  backup::SessionKey material{svc->token(), *h};
  auto wrapped = svc->token().wrap(hsm::Mech::AesKeyWrapPad, sealer->cek(), material.h);
  ASSERT_TRUE(wrapped);
  backup::SecureJson entry = backup::version_json(*real);
  auto meta = backup::SecureJson::parse(other->meta_json);
  std::string w = base64url_encode(*wrapped);
  entry["key"] = {{"meta", meta}, {"wrapped", SecureString(w.begin(), w.end())}};
  backup::Manifest m;
  m.type = "key";
  m.name = "lying";
  m.versions = {real->version};
  m.current = real->version;
  m.vault = "main";
  m.vault_url = (*vk)->row.base_url;
  backup::SecureJson payload = {{"format", 1}, {"type", "key"}, {"name", "lying"},
                                {"current", SecureString(m.current.begin(), m.current.end())},
                                {"versions", backup::SecureJson::array({entry})}};
  auto blob = sealer->finish(m, payload.dump());
  ASSERT_TRUE(blob) << blob.error().message;
  auto r = backup::restore_key(*svc, "main", *blob);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("does not belong to its key material"), std::string::npos) << r.error().message;
  EXPECT_FALSE(svc->catalog().object("main", store::ObjType::Key, "lying"));
}
