// Which catalogue a test home gets: the SQLite file in the home, or, when the run is under tests/pg/pg-env
// ($COLDVAULT_TEST_POSTGRES set), a new PostgreSQL database of its own on that throw-away cluster, so the
// same hsm tests run against both backends (ADR 0023).
#pragma once

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace cvtest {

inline bool postgres_run() {
  const char* url = std::getenv("COLDVAULT_TEST_POSTGRES");
  return url && *url;
}

// "" for SQLite; else the URL of a database made for this call.
inline std::string fresh_catalog() {
  if (!postgres_run()) return "";
  static std::atomic<int> next{0};
  std::string base = std::getenv("COLDVAULT_TEST_POSTGRES");
  std::string name = "cv_" + std::to_string(::getpid()) + "_" + std::to_string(next++);
  PGconn* c = PQconnectdb((base + "/postgres").c_str());
  std::string why = PQstatus(c) == CONNECTION_OK ? "" : PQerrorMessage(c);
  if (why.empty()) {
    PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) why = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  if (!why.empty()) throw std::runtime_error("cannot make a test database: " + why);
  return base + "/" + name;
}

}  // namespace cvtest
