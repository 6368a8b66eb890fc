// `init --catalog`: a home whose catalogue is a PostgreSQL database (ADR 0023). The URL is checked before
// anything is made; a catalogue that already holds a domain is another home's, refused to a new init; a
// failed init drops the tables it made, so a retry on the same database works; and the catalogue's rows
// reach the database, not a file in the home. The checks that need a server run under tests/pg/pg-env.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <filesystem>
#include <fstream>

#include "coldvault/catalog.hpp"
#include "coldvault/secrets.hpp"
#include "coldvault/vault.hpp"
#include "hsm/catalog_env.hpp"
#include "hsm/token_env.hpp"

using namespace cv;
namespace fs = std::filesystem;

namespace {

class CataloguePostgres : public ::testing::Test {
 protected:
  fs::path dir;
  vault::HomeOptions opts;
  void SetUp() override {
    if (cvtest::test_module() != cvtest::TestModule::SoftHsm2) GTEST_SKIP() << "embedded home (SoftHSM2)";
    char tmpl[] = "/tmp/cv-pghome-XXXXXX";
    dir = mkdtemp(tmpl);
    opts.home = (dir / "home").string();
    unsetenv("COLDVAULT_PIN");
  }
  void TearDown() override {
    if (!dir.empty()) fs::remove_all(dir);
  }
  static vault::InitOptions with(const std::string& url) {
    vault::InitOptions io;
    io.catalog = url;
    return io;
  }
  // One value of a query on the database at `url`, as text.
  static std::string query(const std::string& url, const std::string& sql) {
    PGconn* c = PQconnectdb(url.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0)
                                                                                 : std::string("error: ") +
                                                                                       PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
    return out;
  }
};

TEST_F(CataloguePostgres, UrlWithAPasswordIsRefusedBeforeAnythingIsMade) {
  auto r = vault::init(opts, {"main", 90, false}, with("postgresql://u:s3cret-canary@127.0.0.1:1/x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("password"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("s3cret-canary"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(opts.home));
}

TEST_F(CataloguePostgres, UnparsableUrlOrSslPasswordIsRefusedWithoutQuotingIt) {
  // libpq's own parse error would quote the whole URL, password included.
  for (const char* url : {"postgresql://u:s3cret-canary@[::1]x/db", "postgresql://u@127.0.0.1:1/x?sslpassword=s3cret-canary"}) {
    auto r = vault::init(opts, {"main", 90, false}, with(url));
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, Errc::BadParameter) << url;
    EXPECT_EQ(r.error().message.find("s3cret-canary"), std::string::npos) << r.error().message;
    EXPECT_FALSE(fs::exists(opts.home));
  }
}

TEST_F(CataloguePostgres, NotAPostgresUrlIsRefused) {
  auto r = vault::init(opts, {"main", 90, false}, with("/tmp/elsewhere.db"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_FALSE(fs::exists(opts.home));
}

TEST_F(CataloguePostgres, UnreachableServerIsAStorageFailureNamingIt) {
  auto r = vault::init(opts, {"main", 90, false}, with("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StorageFailure);
  EXPECT_NE(r.error().message.find("cannot connect to PostgreSQL"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(opts.home));
}

TEST_F(CataloguePostgres, RowsLiveInTheDatabaseAndASecondHomeIsRefused) {
  if (!cvtest::postgres_run()) GTEST_SKIP() << "needs tests/pg/pg-env";
  std::string url = cvtest::fresh_catalog();
  auto r = vault::init(opts, {"main", 90, false}, with(url));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(fs::exists(opts.home + "/catalog.db"));
  EXPECT_EQ(vault::catalog_path(opts.home), url);
  {
    auto svc = vault::Service::open(opts);
    ASSERT_TRUE(svc) << svc.error().message;
    vault::Secrets s(*svc, "main");
    vault::SetSecret v;
    v.value = SecureString("pg-canary-value");
    ASSERT_TRUE(s.set("db", v));
    ASSERT_TRUE(s.set("db", v));
  }
  EXPECT_EQ(query(url, "SELECT count(*) FROM versions"), "2");
  EXPECT_EQ(query(url, "SELECT count(*) FROM versions WHERE position('pg-canary-value'::bytea in ciphertext) > 0"),
            "0");
  // Another home over the same catalogue without --join: refused, and the first home is untouched.
  vault::HomeOptions other = opts;
  other.home = (dir / "other").string();
  auto again = vault::init(other, {"main", 90, false}, with(url));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::Conflict);
  EXPECT_NE(again.error().message.find("docs/deployment.md"), std::string::npos) << again.error().message;
  EXPECT_EQ(query(url, "SELECT count(*) FROM vaults"), "1");
}

TEST_F(CataloguePostgres, TextWithANulIsRefusedNotCutShortAndAnotherHomesTablesAreNeverDropped) {
  if (!cvtest::postgres_run()) GTEST_SKIP() << "needs tests/pg/pg-env";
  std::string url = cvtest::fresh_catalog();
  auto r = vault::init(opts, {"main", 90, false}, with(url));
  ASSERT_TRUE(r) << r.error().message;
  {
    auto svc = vault::Service::open(opts);
    ASSERT_TRUE(svc) << svc.error().message;
    vault::Secrets s(*svc, "main");
    vault::SetSecret v;
    v.value = SecureString("x");
    v.content_type = std::string("text/plain\0hidden", 17);
    auto set = s.set("nul", v);
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().code, Errc::BadParameter) << set.error().message;
  }
  EXPECT_EQ(query(url, "SELECT count(*) FROM objects"), "0");
  // A failed init elsewhere that names another domain leaves this home's catalogue alone.
  auto dropped = store::drop_catalog(url, "not-this-catalogues-domain");
  ASSERT_FALSE(dropped);
  EXPECT_EQ(dropped.error().code, Errc::Conflict);
  EXPECT_EQ(query(url, "SELECT count(*) FROM vaults"), "1");
}

TEST_F(CataloguePostgres, FailedInitDropsItsTablesSoARetryWorks) {
  if (!cvtest::postgres_run()) GTEST_SKIP() << "needs tests/pg/pg-env";
  std::string url = cvtest::fresh_catalog();
  vault::InitOptions io = with(url);
  io.fault = [](std::string_view at) -> Result<void> {
    if (at == "vault") return fail(Errc::StorageFailure, "injected failure after vault");
    return {};
  };
  auto r = vault::init(opts, {"main", 90, false}, io);
  ASSERT_FALSE(r);
  EXPECT_EQ(query(url, "SELECT count(*) FROM pg_tables WHERE tablename='vaults'"), "0");
  EXPECT_FALSE(fs::exists(opts.home + "/catalog.url"));
  auto retry = vault::init(opts, {"main", 90, false}, with(url));
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_EQ(query(url, "SELECT count(*) FROM vaults"), "1");
}

TEST_F(CataloguePostgres, DroppingADatabaseWithoutTheSchema_DropsNothingAndSaysSo) {
  if (!cvtest::postgres_run()) GTEST_SKIP() << "needs tests/pg/pg-env";
  std::string url = cvtest::fresh_catalog();
  query(url, "CREATE TABLE not_coldvaults(id INTEGER)");
  auto dropped = store::drop_catalog(url, "a-kid");
  ASSERT_TRUE(dropped) << dropped.error().message;
  EXPECT_FALSE(*dropped);  // init's undo then does not report tables it never removed
  EXPECT_EQ(query(url, "SELECT count(*) FROM pg_tables WHERE tablename='not_coldvaults'"), "1");
  // With the schema made, the same call drops coldvault's tables (and only those).
  auto r = vault::init(opts, {"main", 90, false}, with(url));
  ASSERT_TRUE(r) << r.error().message;
  auto kid = query(url, "SELECT kid FROM domains");
  auto made = store::drop_catalog(url, kid);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_TRUE(*made);
  EXPECT_EQ(query(url, "SELECT count(*) FROM pg_tables WHERE tablename='vaults'"), "0");
  EXPECT_EQ(query(url, "SELECT count(*) FROM pg_tables WHERE tablename='not_coldvaults'"), "1");
}

}  // namespace
