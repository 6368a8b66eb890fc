// store::backup_file: SQLite's online backup into a hidden temp file, published under its name only when
// complete (coldvault/catalog_copy.hpp). SQLite writes the pages itself through its pager, so the atomic
// writer (which takes bytes) cannot do the writing; the temp-then-link discipline is the same as its.
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "coldvault/catalog_copy.hpp"
#include "store/sqlite_error.hpp"

namespace cv::store {
namespace {

// One sqlite3 connection, closed on every path.
struct Conn {
  sqlite3* db = nullptr;
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() { close(); }
  int close() {
    int rc = db ? sqlite3_close(db) : SQLITE_OK;
    db = nullptr;
    return rc;
  }
};

// Removes the temp copy and whatever journal SQLite left beside it, unless released.
struct TempCopy {
  std::string path;
  ~TempCopy() {
    if (path.empty()) return;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  }
};

Error storage(const std::string& what, const std::string& why) {
  return Error{Errc::StorageFailure, "cannot copy the catalogue " + what + ": " + why, why, {}, {}};
}

Result<std::string> temp_name_beside(const std::string& to) {
  std::filesystem::path p(to);
  unsigned char raw[8];
  if (::getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw))
    return fail(Errc::Internal, "cannot copy the catalogue to " + to + ": getrandom failed");
  static const char* hex = "0123456789abcdef";
  std::string suffix;
  for (unsigned char c : raw) suffix += {hex[c >> 4], hex[c & 15]};
  auto dir = p.parent_path();
  return (dir.empty() ? std::filesystem::path(".") : dir).string() + "/." + p.filename().string() + "." + suffix +
         ".tmp";
}

Result<void> fsync_dir_of(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(storage("to " + path, std::strerror(errno)));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return std::unexpected(storage("to " + path, std::strerror(err)));
  return {};
}

}  // namespace

Result<void> backup_file(const std::string& from, const std::string& to) {
  if (std::error_code ec; std::filesystem::symlink_status(to, ec).type() != std::filesystem::file_type::not_found)
    return fail(Errc::Conflict, "cannot copy the catalogue to " + to + ": it already exists");
  Conn src, dst;
  int rc = sqlite3_open_v2(from.c_str(), &src.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(src.db, rc, "open " + from));
  sqlite3_busy_timeout(src.db, 30000);

  auto tmp_name = temp_name_beside(to);
  if (!tmp_name) return std::unexpected(tmp_name.error());
  TempCopy tmp{*tmp_name};
  rc = sqlite3_open_v2(tmp.path.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(dst.db, rc, "create a copy beside " + to));
  ::chmod(tmp.path.c_str(), 0600);

  // All pages in one step: one read transaction on the source, so the copy is one instant of it.
  sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (!b) return std::unexpected(sqlite_error(dst.db, sqlite3_errcode(dst.db), "copy " + from));
  rc = sqlite3_backup_step(b, -1);
  int finish = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return std::unexpected(sqlite_error(dst.db, rc, "copy " + from));
  if (finish != SQLITE_OK) return std::unexpected(sqlite_error(dst.db, finish, "copy " + from));
  // Closing the copy checkpoints and removes its -wal (the source's WAL mode came with its header); the
  // backup's own commit fsync'd the pages (synchronous=FULL, SQLite's default for a new file).
  if (dst.close() != SQLITE_OK) return std::unexpected(storage("to " + to, "SQLite could not close the copy"));

  if (::link(tmp.path.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST) return fail(Errc::Conflict, "cannot copy the catalogue to " + to + ": it already exists");
    return std::unexpected(storage("to " + to, std::strerror(errno)));
  }
  return fsync_dir_of(to);  // the temp name goes with `tmp`; the new name must survive a crash
}

}  // namespace cv::store
