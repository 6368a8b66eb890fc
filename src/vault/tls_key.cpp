// The server's TLS key pair in the token and its self-signed certificate in the home (contract in
// include/coldvault/tls_key.hpp).
#include "coldvault/tls_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "coldvault/atomic_file.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/x509.hpp"
#include "vault/home.hpp"
#include "vault/labels.hpp"

namespace cv::vault {
namespace {

namespace fs = std::filesystem;

constexpr int kValidityMonths = 12;
constexpr std::int64_t kRenewBeforeSeconds = 30 * 24 * 3600;
constexpr const char* kServerAuthOid = "1.3.6.1.5.5.7.3.1";
// The earlier layout: a software CA and server key in 0600 files, and the CA certificate.
constexpr const char* kOldFiles[] = {"ca-key.pem", "server-key.pem", "ca-key.pem.tmp",
                                     "server-key.pem.tmp", "ca.pem"};

// The token key pair, made on first use. A public half without its private half is the trace of
// a creation cut short and is replaced; the opposite cannot be repaired (the certificate needs the
// public key) and is reported.
Result<hsm::KeyPair> key_pair(hsm::Token& t, const std::string& label) {
  auto priv = t.find(label, "private");
  auto pub = t.find(label, "public");
  if (priv && pub) return hsm::KeyPair{*pub, *priv};
  if (!priv && priv.error().code != Errc::NotFound) return std::unexpected(priv.error());
  if (!pub && pub.error().code != Errc::NotFound) return std::unexpected(pub.error());
  if (priv)
    return fail(Errc::Corruption, "the token holds the TLS private key '" + label +
                                      "' without its public key; destroy it to make a new one");
  if (pub)
    if (auto r = t.destroy(*pub); !r) return std::unexpected(r.error());
  return t.create_signing_key(label, Curve::P256, as_bytes(label));
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::ranges::sort(v);
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The stored certificate when it can serve as is: same key, same names, not about to expire.
std::optional<Bytes> reusable(const std::string& path, ByteView spki,
                              const std::vector<std::string>& dns,
                              const std::vector<std::string>& ips) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  auto der = crypto::pem_decode(text.str(), "CERTIFICATE");
  if (!der) return std::nullopt;
  auto f = crypto::certificate_fields(*der);
  if (!f || !f->self_signed || f->spki_der != Bytes(spki.begin(), spki.end()) ||
      sorted(f->dns_names) != sorted(dns) || sorted(f->ip_addresses) != sorted(ips) ||
      f->not_after - Service::now() < kRenewBeforeSeconds)
    return std::nullopt;
  return std::move(*der);
}

// Overwrites a file with zeros before unlinking it. Best effort: a journaling or copy-on-write
// file system may keep the old blocks, which is why the key no longer lives in a file at all.
Result<void> wipe_and_remove(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      const std::string zeros(static_cast<std::size_t>(st.st_size), '\0');
      (void)!::write(fd, zeros.data(), zeros.size());
      (void)::fsync(fd);
    }
    ::close(fd);
  }
  std::error_code ec;
  fs::remove(path, ec);
  if (ec) return fail(Errc::StorageFailure, "cannot remove " + path + ": " + ec.message());
  return {};
}

}  // namespace

std::string tls_key_label(const std::string& domain_kid) { return tls_label(domain_kid); }

Result<TlsCertificate> ensure_tls_certificate(Service& svc, const std::vector<std::string>& dns_names,
                                              const std::vector<std::string>& ip_addresses) {
  if (dns_names.empty() && ip_addresses.empty())
    return fail(Errc::BadParameter, "a TLS certificate needs at least one DNS name or IP address");
  crypto::X509Request req;
  req.subject = "CN=coldvault server, O=coldvault";
  req.dns_names = dns_names;
  req.ip_addresses = ip_addresses;
  req.ekus = {kServerAuthOid};
  // No keyUsage: with only digitalSignature OpenSSL would not count the certificate as
  // self-signed, and clients that trust the file itself would reject it.
  req.validity_months = kValidityMonths;

  TlsCertificate out;
  out.key_label = tls_label(svc.domain_kid());
  const std::string dir = svc.home() + "/tls";
  out.path = dir + "/server.pem";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::StorageFailure, "cannot create " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);

  auto& t = svc.token();
  auto kp = key_pair(t, out.key_label);
  if (!kp) return std::unexpected(kp.error());
  auto pub = t.ec_public(kp->pub);
  if (!pub) return std::unexpected(pub.error());
  auto spki = crypto::spki_der(*pub);
  if (!spki) return std::unexpected(spki.error());

  if (auto kept = reusable(out.path, *spki, dns_names, ip_addresses)) {
    out.der = std::move(*kept);
  } else {
    crypto::SigningKey key{std::nullopt, *pub, [&](ByteView digest) {
                             return t.sign(hsm::Mech::Ecdsa, kp->priv, digest);
                           }};
    auto der = crypto::self_signed_certificate(req, key);
    if (!der) return std::unexpected(der.error());
    // Public: clients read it to trust the server.
    if (auto r = write_file_atomic(out.path, as_bytes(crypto::pem_encode("CERTIFICATE", *der)), 0644); !r)
      return std::unexpected(r.error());
    out.der = std::move(*der);
    out.issued = true;
  }

  for (const char* name : kOldFiles) {
    const std::string old = dir + "/" + name;
    if (!fs::exists(fs::symlink_status(old, ec))) continue;
    if (auto r = wipe_and_remove(old); !r) return std::unexpected(r.error());
    out.removed.push_back(old);
  }
  return out;
}

}  // namespace cv::vault
