// Runs SQL on a home's catalogue as someone with write access to it (not to the token) would: the tests' way
// to tamper with rows or plant a failing trigger. A SQLite catalogue is the file in the home, a PostgreSQL one
// the URL the home records (vault::catalog_path gives either); each tamper is written in both dialects.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace cvtest {

// "" on success, else SQLite's message.
inline std::string run_catalog_sql(const std::filesystem::path& db_file, const std::string& stmt) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_file.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open " + db_file.string();
  }
  char* err = nullptr;
  int rc = sqlite3_exec(db, stmt.c_str(), nullptr, nullptr, &err);
  std::string why = rc == SQLITE_OK ? "" : (err ? err : "failed");
  sqlite3_free(err);
  sqlite3_close(db);
  return why;
}

// "" on success, else PostgreSQL's message; also an error when one of the statements is an UPDATE or DELETE
// that matched no row, so that a tamper which missed its row cannot let a test pass for the wrong reason.
inline std::string run_catalog_pg(const std::string& url, const std::string& stmts) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string why = PQstatus(c) == CONNECTION_OK ? "" : PQerrorMessage(c);
  // A tamper waiting for a lock that coldvault holds fails the test instead of hanging it. It moves the
  // catalogue's generation, as any commit moves SQLite's data_version: coldvault's read caches then see the
  // edit as they would another node's write (the statements run as one transaction).
  std::string all = "SET lock_timeout = '10s'; " + stmts +
                    "; UPDATE coldvault_state SET generation = generation + 1 WHERE id = 1";
  if (why.empty() && !PQsendQuery(c, all.c_str())) why = PQerrorMessage(c);
  if (why.empty()) {
    while (PGresult* r = PQgetResult(c)) {  // one result per statement, all read before the next query
      std::string cmd = PQcmdStatus(r);
      if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        if (why.empty()) why = PQresultErrorMessage(r);
      } else if (why.empty() && (cmd.starts_with("UPDATE") || cmd.starts_with("DELETE")) &&
                 std::string(PQcmdTuples(r)) == "0") {
        why = cmd + ": no row matched";
      }
      PQclear(r);
    }
  }
  PQfinish(c);
  return why;
}

// Where a home's catalogue is (vault::catalog_path): a libpq URL for PostgreSQL, else the SQLite file.
inline bool is_postgres_catalog(const std::string& where) {
  return where.starts_with("postgresql://") || where.starts_with("postgres://");
}

// The same tamper in each dialect: `sqlite` on a SQLite catalogue, `pg` on a PostgreSQL one.
inline std::string run_catalog_sql(const std::string& where, const std::string& sqlite, const std::string& pg) {
  return is_postgres_catalog(where) ? run_catalog_pg(where, pg) : run_catalog_sql(std::filesystem::path(where), sqlite);
}

// Every row of every table of the PostgreSQL catalogue at `url`, as text, with bytea values as their bytes
// where printable (bytea_output 'escape'): what anyone who can read the database has. "" and `why` set on
// failure.
inline std::string catalog_rows_pg(const std::string& url, std::string& why) {
  PGconn* c = PQconnectdb(url.c_str());
  why = PQstatus(c) == CONNECTION_OK ? "" : PQerrorMessage(c);
  auto query = [&](const std::string& q) {
    PGresult* r = why.empty() ? PQexec(c, q.c_str()) : nullptr;
    if (r && PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
      why = PQresultErrorMessage(r);
    return r;
  };
  std::string all;
  PQclear(query("SET bytea_output = 'escape'"));
  PGresult* tables = query(
      "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
      "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')");
  for (int t = 0; why.empty() && t < PQntuples(tables); ++t) {
    PGresult* rows = query(std::string("SELECT r::text FROM ") + PQgetvalue(tables, t, 0) + " r");
    for (int i = 0; why.empty() && i < PQntuples(rows); ++i) all += PQgetvalue(rows, i, 0) + std::string("\n");
    PQclear(rows);
  }
  PQclear(tables);
  PQfinish(c);
  return why.empty() ? all : "";
}

}  // namespace cvtest
