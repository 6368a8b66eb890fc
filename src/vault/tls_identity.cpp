// The server's TLS identity behind a domain type (coldvault/tls_key.hpp): chooses between the
// operator's files and the token key, and keeps the OpenSSL adapter's identity out of src/server.
#include "coldvault/tls_key.hpp"
#include "coldvault/tls_server.hpp"

#include <cstdint>
#include <string_view>

#include "coldvault/crypto.hpp"
#include "coldvault/hsm.hpp"

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

Result<Bytes> sign_with_tls_key(Service& svc, const std::string& key_label, ByteView digest) {
  auto key = svc.private_key(key_label);
  if (!key) {
    if (key.error().code != Errc::NotFound) return std::unexpected(key.error());
    return fail(Errc::NotFound, "token '" + svc.token().label() + "' holds no TLS private key '" + key_label + "'");
  }
  return svc.token().sign(hsm::Mech::Ecdsa, *key, digest);
}

Result<TlsSetup> prepare_tls(Service& svc, const std::string& cert_file, const std::string& key_file,
                             const std::vector<std::string>& dns_names,
                             const std::vector<std::string>& ip_addresses, TlsSigner sign) {
  if (!cert_file.empty()) {
    auto id = crypto::ServerTlsIdentity::from_files(cert_file, key_file);
    if (!id) return std::unexpected(id.error());
    return TlsSetup{wrap(std::move(*id)), {}, {}};
  }
  auto cert = ensure_tls_certificate(svc, dns_names, ip_addresses);
  if (!cert) return std::unexpected(cert.error());
  // One signature now, checked against the certificate, so a key that cannot sign (or a private half that is
  // not the certificate's) stops the start with its cause instead of failing every handshake.
  static constexpr std::string_view kProbe = "coldvault TLS key self-check";
  const ByteView probe(reinterpret_cast<const std::uint8_t*>(kProbe.data()), kProbe.size());
  auto sig = sign_with_tls_key(svc, cert->key_label, crypto::sha256(probe));
  if (!sig) return std::unexpected(sig.error());
  auto ok = crypto::verify_es256(cert->der, probe, *sig);
  if (!ok) return std::unexpected(ok.error());
  if (!*ok)
    return fail(Errc::Corruption, "the TLS private key '" + cert->key_label +
                                      "' does not sign for the public key of " + cert->path);
  auto id = crypto::ServerTlsIdentity::from_signer(cert->der, std::move(sign));
  if (!id) return std::unexpected(id.error());
  TlsSetup out{wrap(std::move(*id)), {}, cert->path};
  for (const auto& f : cert->removed)
    out.lines.push_back("removed " + f + " (earlier layout; the TLS key now lives in the token)");
  out.lines.push_back("TLS certificate (self-signed, key '" + cert->key_label +
                      "' in the token; clients must trust it): " + cert->path);
  return out;
}

}  // namespace cv::vault
