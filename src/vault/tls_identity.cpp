// The server's TLS identity behind a domain type (coldvault/tls_key.hpp): chooses between the
// operator's files and the token key, and keeps the OpenSSL adapter's identity out of src/server.
#include "coldvault/tls_key.hpp"
#include "coldvault/tls_server.hpp"

namespace cv::vault {

struct TlsIdentity::Impl {
  crypto::ServerTlsIdentity identity;
};

TlsIdentity::TlsIdentity(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsIdentity::TlsIdentity(TlsIdentity&&) noexcept = default;
TlsIdentity& TlsIdentity::operator=(TlsIdentity&&) noexcept = default;
TlsIdentity::~TlsIdentity() = default;

Result<void> TlsIdentity::apply(ssl_ctx_st* ctx) const { return impl_->identity.apply(ctx); }

namespace {
TlsIdentity wrap(crypto::ServerTlsIdentity id) {
  return TlsIdentity(std::make_unique<TlsIdentity::Impl>(TlsIdentity::Impl{std::move(id)}));
}
}  // namespace

Result<TlsSetup> prepare_tls(Service& svc, const SecureBytes& pin, const std::string& cert_file,
                             const std::string& key_file, const std::vector<std::string>& dns_names,
                             const std::vector<std::string>& ip_addresses) {
  if (!cert_file.empty()) {
    auto id = crypto::ServerTlsIdentity::from_files(cert_file, key_file);
    if (!id) return std::unexpected(id.error());
    return TlsSetup{wrap(std::move(*id)), {}, {}};
  }
  auto cert = ensure_tls_certificate(svc, dns_names, ip_addresses);
  if (!cert) return std::unexpected(cert.error());
  auto& token = svc.token();
  auto id = crypto::ServerTlsIdentity::from_token(
      cert->der, {token.module_path(), token.label(), cert->key_label}, pin);
  if (!id) return std::unexpected(id.error());
  TlsSetup out{wrap(std::move(*id)), {}, cert->path};
  for (const auto& f : cert->removed)
    out.lines.push_back("removed " + f + " (earlier layout; the TLS key now lives in the token)");
  out.lines.push_back("TLS certificate (self-signed, key '" + cert->key_label +
                      "' in the token; clients must trust it): " + cert->path);
  return out;
}

}  // namespace cv::vault
