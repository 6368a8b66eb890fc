// PKCS#12 (PFX) in and out.
//
// Reading: PFX files from Windows and older OpenSSL use RC2-40/3DES with SHA-1 (PKCS#12 PBEs).
// RC2 lives only in OpenSSL 3's "legacy" provider, which is not loaded by default; it is loaded
// once (together with "default", since an explicit load turns off the implicit one). If it is
// missing, modern PFX files still work and legacy ones fail as "wrong password or corrupt".
//
// Writing: as OpenSSL 3 does by default, PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for key and
// certificates and a SHA-256 MAC, with the empty password Key Vault's unprotected PFX secrets use.
#include <openssl/provider.h>

#include <mutex>

#include "crypto/x509_internal.hpp"

namespace cv::crypto {
namespace {

constexpr int kIterations = 2048;  // PKCS12_DEFAULT_ITER, as `openssl pkcs12 -export` uses

// Loaded once per process and never unloaded: providers are process-wide state, and unloading
// while another thread uses one would be unsafe. Thread-safe through call_once.
void load_legacy_provider() {
  static std::once_flag once;
  std::call_once(once, [] {
    OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(nullptr, "legacy");
    if (legacy) OSSL_PROVIDER_load(nullptr, "default");
    ossl::drain_errors();  // a missing legacy module is not this call's failure
  });
}

}  // namespace

Result<CertContainer> parse_pkcs12(ByteView pfx, const SecureString& password) {
  if (pfx.empty()) return fail(Errc::BadParameter, "the PFX is empty");
  if (pfx.size() > (16u << 20)) return fail(Errc::BadParameter, "the PFX is too large");
  load_legacy_provider();
  const unsigned char* p = pfx.data();
  detail::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(pfx.size())));
  if (!p12)
    return ossl::fail_ossl(Errc::BadParameter, "the PFX password is wrong or the PFX is corrupt");
  EVP_PKEY* key_raw = nullptr;
  X509* cert_raw = nullptr;
  STACK_OF(X509)* ca_raw = nullptr;
  // PKCS12_parse verifies the MAC first; for an empty password it tries both the absent and the
  // empty password, as writers disagree on which "no password" means.
  const int ok = PKCS12_parse(p12.get(), password.c_str(), &key_raw, &cert_raw, &ca_raw);
  ossl::PkeyPtr key(key_raw);
  ossl::X509Ptr cert(cert_raw);
  detail::X509StackPtr ca(ca_raw);
  if (ok != 1)
    return ossl::fail_ossl(Errc::BadParameter, "the PFX password is wrong or the PFX is corrupt");
  std::vector<ossl::X509Ptr> certs;
  if (cert) certs.push_back(std::move(cert));
  while (ca && sk_X509_num(ca.get()) > 0) certs.emplace_back(sk_X509_shift(ca.get()));
  return detail::assemble_container(key.get(), std::move(certs), "no certificate in the PFX");
}

Result<SecureBytes> make_pkcs12(const std::optional<PrivateKeyParts>& key,
                                const std::vector<Bytes>& certs) {
  if (certs.empty()) return fail(Errc::BadParameter, "a PFX needs at least one certificate");
  ossl::PkeyPtr pkey;
  if (key) {
    auto k = detail::pkey_from_parts(*key);
    if (!k) return std::unexpected(k.error());
    pkey = std::move(*k);
  }
  std::vector<ossl::X509Ptr> parsed;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    auto c = detail::parse_x509_der(certs[i], "certificate " + std::to_string(i + 1));
    if (!c) return std::unexpected(c.error());
    parsed.push_back(std::move(*c));
  }
  if (pkey && X509_check_private_key(parsed[0].get(), pkey.get()) != 1) {
    ossl::drain_errors();
    return fail(Errc::BadParameter, "the private key does not match the certificate");
  }
  detail::X509StackPtr ca(sk_X509_new_null());
  if (!ca) return ossl::fail_ossl(Errc::Internal, "cannot build PFX");
  for (std::size_t i = 1; i < parsed.size(); ++i) {
    if (sk_X509_push(ca.get(), parsed[i].get()) <= 0)
      return ossl::fail_ossl(Errc::Internal, "cannot build PFX");
    parsed[i].release();  // now owned by the stack
  }
  // mac_iter -1: no MAC yet; it is added below with SHA-256 explicitly rather than relying on the
  // library's default digest.
  detail::Pkcs12Ptr p12(PKCS12_create_ex("", nullptr, pkey.get(), parsed[0].get(), ca.get(),
                                         NID_aes_256_cbc, NID_aes_256_cbc, kIterations, -1, 0,
                                         nullptr, nullptr));
  pkey.reset();  // the key is inside the (encrypted) PFX now; drop the clear copy early
  if (!p12) return ossl::fail_ossl(Errc::Internal, "cannot build PFX");
  if (PKCS12_set_mac(p12.get(), "", 0, nullptr, 0, kIterations, EVP_sha256()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot add the PFX MAC");
  const int len = i2d_PKCS12(p12.get(), nullptr);
  if (len <= 0) return ossl::fail_ossl(Errc::Internal, "cannot encode PFX");
  SecureBytes out(static_cast<std::size_t>(len));
  unsigned char* w = out.data();
  if (i2d_PKCS12(p12.get(), &w) != len) return ossl::fail_ossl(Errc::Internal, "cannot encode PFX");
  return out;
}

}  // namespace cv::crypto
