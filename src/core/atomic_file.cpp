// write_file_atomic: temp file + fsync + rename + fsync of the folder. The only file writer of src/.
#include "coldvault/atomic_file.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace cv {
namespace {

std::unexpected<Error> os_fail(Errc code, const std::string& path, int err) {
  return fail(code, "cannot write " + path + ": " + std::generic_category().message(err));
}

// A temp file is ".<base>.<16 hex>.tmp", base cut to this many bytes (open() makes it, is_atomic_temp_of knows it).
constexpr std::size_t kTempBaseMax = 200;

// A random suffix makes the temp name unguessable, so no one can plant a file or link there in advance
// (O_EXCL|O_NOFOLLOW would refuse it anyway) and two writers of one path never share a temp file.
bool random_suffix(std::string& out) {
  std::uint8_t raw[8];
  std::size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  out = to_hex(ByteView(raw, sizeof raw));
  return true;
}

// Removes the temp file unless the rename took it.
class TempName {
 public:
  explicit TempName(std::string path) : path_(std::move(path)) {}
  TempName(const TempName&) = delete;
  TempName& operator=(const TempName&) = delete;
  ~TempName() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const char* c_str() const { return path_.c_str(); }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // close() reports delayed write errors (NFS); it is checked, and never retried.
  bool close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

bool write_all(int fd, ByteView data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

Result<void> sync_folder(const std::string& dir, const std::string& path) {
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0) return os_fail(Errc::StorageFailure, path, errno);
  // EINVAL: the file system cannot sync a folder (some FUSE ones); the rename is all we can have.
  if (::fsync(d.get()) != 0 && errno != EINVAL) return os_fail(Errc::StorageFailure, path, errno);
  return {};
}

}  // namespace

static std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

Result<AtomicFile> AtomicFile::open(const std::string& path, unsigned mode, IfExists if_exists) {
  if (path.empty() || path.back() == '/')
    return fail(Errc::BadParameter, "cannot write '" + path + "': not a file name");
  const auto slash = path.rfind('/');
  const std::string dir = folder_of(path);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.size() > kTempBaseMax) base.resize(kTempBaseMax);  // keep ".<base>.<16 hex>.tmp" under NAME_MAX

  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 4 && fd < 0; ++attempt) {
    std::string suffix;
    if (!random_suffix(suffix)) return fail(Errc::Internal, "cannot write " + path + ": getrandom failed");
    tmp = (dir == "/" ? "" : dir) + "/." + base + "." + suffix + ".tmp";
    fd = ::open(tmp.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC,
                static_cast<mode_t>(mode & 07777));
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return os_fail(Errc::StorageFailure, path, errno);
  return AtomicFile(path, tmp, fd, if_exists);
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), fd_(o.fd_), if_exists_(o.if_exists_),
      written_(o.written_) {
  o.fd_ = -1;
  o.tmp_.clear();
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

Result<void> AtomicFile::write(ByteView data) {
  if (fd_ < 0) return fail(Errc::Internal, "cannot write " + path_ + ": the file is closed");
  if (!write_all(fd_, data)) return os_fail(Errc::StorageFailure, path_, errno);
  written_ += data.size();
  return {};
}

Result<void> AtomicFile::commit() {
  if (fd_ < 0) return fail(Errc::Internal, "cannot write " + path_ + ": the file is closed");
  Fd file(fd_);
  fd_ = -1;
  if (::fsync(file.get()) != 0 || !file.close()) return os_fail(Errc::StorageFailure, path_, errno);
  TempName guard(tmp_);
  tmp_.clear();
  if (if_exists_ == IfExists::Refuse) {
    // link() fails with EEXIST on any existing entry, atomically, where rename would replace it.
    if (::link(guard.c_str(), path_.c_str()) != 0) {
      int err = errno;
      if (err == EEXIST) return fail(Errc::Conflict, "cannot write " + path_ + ": it already exists");
      return os_fail(Errc::StorageFailure, path_, err);
    }
    ::unlink(guard.c_str());  // before the folder's fsync, so that one sync covers both names
    guard.release();
  } else {
    if (::rename(guard.c_str(), path_.c_str()) != 0) return os_fail(Errc::StorageFailure, path_, errno);
    guard.release();
  }
  return sync_folder(folder_of(path_), path_);
}

Result<void> write_file_atomic(const std::string& path, ByteView data, unsigned mode, IfExists if_exists) {
  auto f = AtomicFile::open(path, mode, if_exists);
  if (!f) return std::unexpected(f.error());
  if (auto r = f->write(data); !r) return r;
  return f->commit();
}

bool is_atomic_temp_of(std::string_view entry, std::string_view base) {
  if (base.size() > kTempBaseMax) base = base.substr(0, kTempBaseMax);
  constexpr std::size_t kHex = 16;
  const std::size_t want = 1 + base.size() + 1 + kHex + 4;  // "." base "." hex ".tmp"
  if (entry.size() != want || entry[0] != '.' || entry.substr(1, base.size()) != base ||
      entry[1 + base.size()] != '.' || !entry.ends_with(".tmp"))
    return false;
  for (char c : entry.substr(2 + base.size(), kHex))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace cv
