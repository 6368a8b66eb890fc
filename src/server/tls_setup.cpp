// Chooses the server's TLS identity (see tls_setup.hpp).
#include "server/tls_setup.hpp"

#include "coldvault/tls_key.hpp"

namespace cv::server {

Result<TlsSetup> prepare_tls(vault::Service& svc, const SecureBytes& pin,
                             const std::string& cert_file, const std::string& key_file,
                             const std::vector<std::string>& dns_names,
                             const std::vector<std::string>& ip_addresses) {
  if (!cert_file.empty()) {
    auto id = crypto::ServerTlsIdentity::from_files(cert_file, key_file);
    if (!id) return std::unexpected(id.error());
    return TlsSetup{std::move(*id), {}};
  }
  auto cert = vault::ensure_tls_certificate(svc, dns_names, ip_addresses);
  if (!cert) return std::unexpected(cert.error());
  auto& token = svc.token();
  auto id = crypto::ServerTlsIdentity::from_token(
      cert->der, {token.module_path(), token.label(), cert->key_label}, pin);
  if (!id) return std::unexpected(id.error());
  TlsSetup out{std::move(*id), {}};
  for (const auto& f : cert->removed)
    out.lines.push_back("removed " + f + " (earlier layout; the TLS key now lives in the token)");
  out.lines.push_back("TLS certificate (self-signed, key '" + cert->key_label +
                      "' in the token; clients must trust it): " + cert->path);
  return out;
}

}  // namespace cv::server
