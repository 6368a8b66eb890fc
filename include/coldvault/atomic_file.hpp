// The one way coldvault writes a file (docs/adr/0003-atomic-file-writer.md). Blob files, BEKs, exported
// keys and certificates, ADE files, TLS material, config.json and PIN files all go through it, so each
// of them is either the old file or the complete new one, never half written, never briefly readable
// by others, and never written through a link someone planted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"

namespace cv {

enum class IfExists {
  Replace,  // rename over the target (config.json, blobs, BEKs, TLS files)
  Refuse,   // Conflict if the target exists, as `az ... download` does (public keys, certificates)
};

// Writes `data` to `path`: a new temp file with a unique random name in the same folder, opened with
// O_CREAT|O_EXCL|O_NOFOLLOW (so nothing planted at that name is followed or reused), all bytes
// written, fsync'd, then renamed over `path` (or hard-linked to it under IfExists::Refuse), then the
// folder fsync'd so the new name survives a crash.
//
// `mode` is the file's permission bits, further narrowed by the umask: 0600 (owner only) unless the
// file is public (0644 for a certificate). A symlink at `path` is replaced by the file, not followed:
// the link itself is what rename swaps out.
//
// Errors (the temp file is removed on every one of them; the message names `path` and strerror):
//   BadParameter   `path` is empty or ends in '/';
//   Conflict       IfExists::Refuse and `path` already exists (any kind of entry, even a dangling link);
//   StorageFailure anything the file system refused: missing folder, permissions, disk full, I/O.
// Thread safety: safe to call concurrently; two writers of one path leave one complete file.
Result<void> write_file_atomic(const std::string& path, ByteView data, unsigned mode = 0600,
                               IfExists if_exists = IfExists::Replace);

// Whether `entry` (a name inside a folder, no '/') is the temp file a write of the file named `base` in that
// folder left when its process was killed before the rename: ".<base>.<16 hex>.tmp" (base cut to 200 bytes).
// Lets a caller that knows a write of its own was interrupted remove exactly those leftovers.
bool is_atomic_temp_of(std::string_view entry, std::string_view base);

// The same for a file written piece by piece (a vault bundle streams hundreds of MiB): open() makes the temp
// file, write() appends, commit() fsyncs, renames (or links, IfExists::Refuse) and fsyncs the folder. Until
// commit() succeeds nobody sees `path` change; destroying an uncommitted writer removes the temp file. A
// process killed before commit leaves only a hidden ".<name>.<16 hex>.tmp" beside `path`, never `path`.
// Errors as write_file_atomic's; after a failed write() only destruction is left.
class AtomicFile {
 public:
  static Result<AtomicFile> open(const std::string& path, unsigned mode = 0600,
                                 IfExists if_exists = IfExists::Replace);
  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  Result<void> write(ByteView data);
  Result<void> commit();
  std::uint64_t written() const { return written_; }

 private:
  AtomicFile(std::string path, std::string tmp, int fd, IfExists e)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd), if_exists_(e) {}
  std::string path_, tmp_;
  int fd_ = -1;
  IfExists if_exists_ = IfExists::Replace;
  std::uint64_t written_ = 0;
};

}  // namespace cv
