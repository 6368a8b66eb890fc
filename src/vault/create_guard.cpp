// Vault create's crash guard (src/vault/create_guard.hpp, ADR 0019).
#include "vault/create_guard.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "coldvault/atomic_file.hpp"
#include "coldvault/vault.hpp"
#include "vault/labels.hpp"
#include "vault/trust_detail.hpp"

namespace cv::vault {
namespace {

std::unexpected<Error> storage(const std::string& what, const std::string& path) {
  return fail(Errc::StorageFailure, what + " " + path + ": " + std::strerror(errno));
}

// The pending file's content; empty when there is none.
Result<std::string> read_pending(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return storage("cannot read", path);
  }
  std::string s;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || s.size() > 4096) {
      auto e = storage("cannot read", path);
      ::close(fd);
      return e;
    }
    s.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return s;
}

Result<void> destroy_all(hsm::Token& t, const std::string& label, const std::string& object_class) {
  auto found = t.find_all(label, object_class);
  if (!found) return std::unexpected(found.error());
  for (auto h : *found)
    if (auto r = t.destroy(h); !r) return r;
  return {};
}

// The keys of a create that died before its row: destroyed unless a row (live or soft-deleted)
// holds the name.
Result<void> clean_up(Service& svc, const std::string& vault) {
  // Only a catalogue that answers "no such vault", twice, lets keys go; any other error stops the
  // create.
  for (auto row : {svc.catalog().vault(vault), svc.catalog().deleted_vault(vault)}) {
    if (row) return {};
    if (row.error().code != Errc::NotFound) return std::unexpected(row.error());
  }
  auto& t = svc.token();
  if (auto r = destroy_all(t, master_label(vault), "secret"); !r) return r;
  auto imported = imported_signer(svc, vault);
  if (imported && imported->has_value())
    return {};  // a domain import's signing key, vouched for: kept
  if (!imported && imported.error().code != Errc::Conflict)
    return std::unexpected(imported.error());
  if (auto r = destroy_all(t, signing_label(vault), "private"); !r) return r;
  return destroy_all(t, signing_label(vault), "public");
}

}  // namespace

Result<CreateGuard> CreateGuard::begin(Service& svc) {
  const std::string lock = svc.home() + "/vault-create.lock";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return storage("cannot open", lock);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    auto e = storage("cannot lock", lock);
    ::close(fd);
    return e;
  }
  CreateGuard g(svc.home() + "/vault-create.pending", fd);
  auto name = read_pending(g.pending_);
  if (!name) return std::unexpected(name.error());
  if (!name->empty())
    if (auto r = clean_up(svc, *name); !r) return std::unexpected(r.error());
  if (::unlink(g.pending_.c_str()) != 0 && errno != ENOENT)
    return storage("cannot remove", g.pending_);
  return g;
}

CreateGuard::CreateGuard(CreateGuard&& o) noexcept : pending_(std::move(o.pending_)), fd_(o.fd_) {
  o.fd_ = -1;
}

CreateGuard::~CreateGuard() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor releases the flock
}

Result<void> CreateGuard::mark(const std::string& vault) {
  return write_file_atomic(pending_, as_bytes(vault));
}

void CreateGuard::settled() { (void)::unlink(pending_.c_str()); }

}  // namespace cv::vault
