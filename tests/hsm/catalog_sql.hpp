// Runs SQL on a home's catalogue file as someone with write access to the file (not to the token) would:
// the tests' way to tamper with rows or plant a failing trigger.
#pragma once

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

}  // namespace cvtest
