// The local CA and the server certificate it issues (crypto in src/crypto/tls_certs.cpp; files
// here).
#include "server/tls_setup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "coldvault/tls_certs.hpp"

namespace cv::server {
namespace {

namespace fs = std::filesystem;

// temp name + fsync + rename, so a crash never leaves a half-written key or certificate.
Result<void> write_file(const std::string& path, std::string_view content, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return fail(Errc::StorageFailure, "cannot write " + path);
  ::fchmod(fd, mode);  // O_CREAT's mode does not apply to an existing temp file
  std::size_t off = 0;
  bool ok = true;
  while (ok && off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    ok = n > 0;
    if (ok) off += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(Errc::StorageFailure, "cannot write " + path);
  }
  return {};
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::StorageFailure, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Result<TlsFiles> issue_tls_files(const std::string& home, const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses) {
  std::string dir = home + "/tls";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::StorageFailure, "cannot create " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);

  TlsFiles f{dir + "/server.pem", dir + "/server-key.pem", dir + "/ca.pem"};
  std::string ca_key_path = dir + "/ca-key.pem";
  crypto::PemPair ca;
  if (fs::exists(f.ca) && fs::exists(ca_key_path)) {
    auto cert = read_text(f.ca);
    if (!cert) return std::unexpected(cert.error());
    auto key = read_text(ca_key_path);
    if (!key) return std::unexpected(key.error());
    ca.cert_pem = std::move(*cert);
    ca.key_pem.assign(key->begin(), key->end());
    secure_wipe(key->data(), key->size());
  } else {
    // The CA outlives server certificates so clients keep trusting one file across restarts.
    auto made = crypto::create_local_ca("coldvault local CA", 3650);
    if (!made) return std::unexpected(made.error());
    ca = std::move(*made);
    if (auto r = write_file(ca_key_path, {ca.key_pem.data(), ca.key_pem.size()}, 0600); !r)
      return std::unexpected(r.error());
    if (auto r = write_file(f.ca, ca.cert_pem, 0644); !r) return std::unexpected(r.error());
  }
  auto leaf = crypto::issue_tls_server_certificate(ca, dns_names, ip_addresses, 397);
  if (!leaf) return std::unexpected(leaf.error());
  if (auto r = write_file(f.key, {leaf->key_pem.data(), leaf->key_pem.size()}, 0600); !r)
    return std::unexpected(r.error());
  if (auto r = write_file(f.cert, leaf->cert_pem + ca.cert_pem, 0644); !r)
    return std::unexpected(r.error());
  return f;
}

}  // namespace cv::server
