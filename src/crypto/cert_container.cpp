// What PKCS#12 and PEM bundles have in common once OpenSSL has parsed them: a private key (maybe)
// and certificates, which must agree, leaf first.
#include <cstring>

#include "crypto/x509_internal.hpp"

namespace cv::crypto::detail {

int secure_password_cb(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pw = static_cast<const SecureString*>(user);
  if (pw->size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, pw->data(), pw->size());
  return static_cast<int>(pw->size());
}

Result<CertContainer> assemble_container(EVP_PKEY* key, std::vector<ossl::X509Ptr> certs,
                                         const char* no_cert_message) {
  if (certs.empty()) return fail(Errc::BadParameter, no_cert_message);
  CertContainer out;
  if (key) {
    // EVP_PKEY_eq compares public components only: the key's public half against each SPKI.
    std::size_t match = certs.size();
    for (std::size_t i = 0; i < certs.size() && match == certs.size(); ++i) {
      EVP_PKEY* pub = X509_get0_pubkey(certs[i].get());
      if (pub && EVP_PKEY_eq(pub, key) == 1) match = i;
    }
    ossl::drain_errors();  // mismatched types leave reasons behind; "no" is the answer here
    if (match == certs.size())
      return fail(Errc::BadParameter, "the private key does not match the certificate");
    if (match != 0) {
      auto leaf = std::move(certs[match]);
      certs.erase(certs.begin() + static_cast<std::ptrdiff_t>(match));
      certs.insert(certs.begin(), std::move(leaf));
    }
    auto parts = imported_private_parts_of(key);
    if (!parts) return std::unexpected(parts.error());
    out.key = std::move(*parts);
  }
  for (const auto& cert : certs) {
    auto der = ossl::to_der<X509>(cert.get(), i2d_X509, "certificate");
    if (!der) return std::unexpected(der.error());
    out.certificates.push_back(std::move(*der));
  }
  return out;
}

}  // namespace cv::crypto::detail
