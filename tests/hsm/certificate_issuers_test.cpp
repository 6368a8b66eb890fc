// Issue 16 item 6: certificate contacts and issuers per vault; an issuer's password is sealed in the token and
// never written in clear; a vault purge takes them with it. Real token and catalogue.
#include <fstream>
#include <iterator>

#include "coldvault/certificate_issuers.hpp"
#include "coldvault/issuer_rows.hpp"
#include "coldvault/vault_lifecycle.hpp"
#include "hsm/catalog_sql.hpp"
#include "hsm/vault_home.hpp"

using namespace cv;

namespace {

class CertificateIssuers : public cvtest::VaultHome {
 protected:
  // Every byte of the catalogue's files (the database and its WAL), as an attacker with the disk has them; on
  // PostgreSQL every row of every table, as anyone who can read the database has them.
  std::string catalogue_bytes() {
    std::string where = vault::catalog_path((dir / "home").string());
    if (cvtest::is_postgres_catalog(where)) {
      std::string why;
      std::string rows = cvtest::catalog_rows_pg(where, why);
      EXPECT_EQ(why, "");
      EXPECT_NE(rows.find("digicert"), std::string::npos) << "the issuer's row is among those read";
      return rows;
    }
    std::string all;
    for (const char* f : {"catalog.db", "catalog.db-wal"}) {
      std::ifstream in(dir / "home" / f, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }
};

TEST_F(CertificateIssuers, PasswordIsSealedInTheTokenNeverStoredOrAnsweredInClear) {
  vault::IssuerChange c;
  c.provider = "DigiCert";
  c.account_id = "acct";
  c.password = SecureString("Pa55-issuer-canary-7731");
  auto i = vault::set_certificate_issuer(*svc, "main", "digicert", c, false);
  ASSERT_TRUE(i) << i.error().message;
  EXPECT_TRUE(i->has_password);
  auto row = store::certificate_issuer(svc->catalog(), "main", "digicert");
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->pwd_iv.size(), 12u);
  EXPECT_GT((*row)->pwd_ct.size(), 16u);
  EXPECT_EQ(catalogue_bytes().find("Pa55-issuer-canary-7731"), std::string::npos);
  EXPECT_EQ(vault::issuer_json(*i, "https://x").dump().find("Pa55"), std::string::npos);
  // A PATCH without a password keeps the sealed one; with an empty one it goes.
  vault::IssuerChange p;
  p.enabled = false;
  auto patched = vault::set_certificate_issuer(*svc, "main", "digicert", p, true);
  ASSERT_TRUE(patched);
  EXPECT_TRUE(patched->has_password);
  EXPECT_FALSE(patched->enabled);
  EXPECT_EQ(patched->account_id.value_or(""), "acct");
  p.password = SecureString("");
  patched = vault::set_certificate_issuer(*svc, "main", "digicert", p, true);
  ASSERT_TRUE(patched);
  EXPECT_FALSE(patched->has_password);
}

TEST_F(CertificateIssuers, BuiltInAndMalformedNamesAreRefused_UnknownIsNotFound) {
  vault::IssuerChange c;
  c.provider = "X";
  for (const char* name : {"Self", "unknown", "bad_name", ""}) {
    auto r = vault::set_certificate_issuer(*svc, "main", name, c, false);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, Errc::BadParameter) << name;
  }
  auto missing = vault::get_certificate_issuer(*svc, "main", "nosuch");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::NotFound);
  EXPECT_FALSE(vault::set_certificate_issuer(*svc, "main", "nosuch", c, true)) << "PATCH of an absent issuer";
  EXPECT_FALSE(vault::set_certificate_issuer(*svc, "main", "noprov", vault::IssuerChange{}, false)) << "no provider";
}

TEST_F(CertificateIssuers, ContactsArePerVaultAndGoWithAPurgedVault) {
  ASSERT_TRUE(svc->create_vault({"second", 7, false}));
  ASSERT_TRUE(vault::set_certificate_contacts(*svc, "second", {{"pki@example.com", "PKI", ""}}));
  vault::IssuerChange c;
  c.provider = "GlobalSign";
  ASSERT_TRUE(vault::set_certificate_issuer(*svc, "second", "gs", c, false));
  auto mine = vault::get_certificate_contacts(*svc, "main");
  ASSERT_FALSE(mine);
  EXPECT_EQ(mine.error().code, Errc::NotFound) << "another vault's contacts are not this one's";
  auto bad = vault::set_certificate_contacts(*svc, "main", {{"no-at", "", ""}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("contacts[0].email"), std::string::npos);
  EXPECT_FALSE(vault::set_certificate_contacts(*svc, "main", {})) << "no contacts at all";

  ASSERT_TRUE(vault::delete_vault(*svc, "second"));
  ASSERT_TRUE(vault::recover_vault(*svc, "second"));
  auto back = vault::get_certificate_contacts(*svc, "second");
  ASSERT_TRUE(back) << "a recovered vault has its contacts";
  EXPECT_EQ(back->at(0).email, "pki@example.com");
  ASSERT_TRUE(vault::delete_vault(*svc, "second"));
  ASSERT_TRUE(vault::purge_vault(*svc, "second"));
  ASSERT_TRUE(svc->create_vault({"second", 7, false}));
  EXPECT_FALSE(vault::get_certificate_contacts(*svc, "second")) << "a purged vault's contacts are gone";
  auto issuers = vault::list_certificate_issuers(*svc, "second");
  ASSERT_TRUE(issuers);
  EXPECT_TRUE(issuers->empty());
}

}  // namespace
