// The local CA and the server certificate it issues (crypto in src/crypto/tls_certs.cpp; files
// here).
#include "server/tls_setup.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "coldvault/atomic_file.hpp"
#include "coldvault/tls_certs.hpp"

namespace cv::server {
namespace {

namespace fs = std::filesystem;

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
    if (auto r = write_file_atomic(ca_key_path, as_bytes({ca.key_pem.data(), ca.key_pem.size()})); !r)
      return std::unexpected(r.error());
    if (auto r = write_file_atomic(f.ca, as_bytes(ca.cert_pem), 0644); !r) return std::unexpected(r.error());
  }
  auto leaf = crypto::issue_tls_server_certificate(ca, dns_names, ip_addresses, 397);
  if (!leaf) return std::unexpected(leaf.error());
  if (auto r = write_file_atomic(f.key, as_bytes({leaf->key_pem.data(), leaf->key_pem.size()})); !r)
    return std::unexpected(r.error());
  if (auto r = write_file_atomic(f.cert, as_bytes(leaf->cert_pem + ca.cert_pem), 0644); !r)
    return std::unexpected(r.error());
  return f;
}

}  // namespace cv::server
