// PEM bundles: CERTIFICATE blocks and at most one private key, as Key Vault stores certificates
// with content type application/x-pem-file.
#include <openssl/pem.h>

#include <cstring>
#include <string>

#include "crypto/x509_internal.hpp"

namespace cv::crypto {
namespace {

bool is_key_label(std::string_view name) {
  return name.size() >= 11 && name.substr(name.size() - 11) == "PRIVATE KEY";
}

// OpenSSL's PEM buffers; key blocks are wiped before they are freed.
struct PemBlock {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  ~PemBlock() {
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(data, static_cast<std::size_t>(len > 0 ? len : 0));
  }
};

}  // namespace

Result<CertContainer> parse_pem_bundle(std::string_view pem, const SecureString& password) {
  if (pem.size() > (16u << 20)) return fail(Errc::BadParameter, "the PEM bundle is too large");
  // First pass: the certificates, and how many keys there are.
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return ossl::fail_ossl(Errc::Internal, "cannot read PEM");
  std::vector<ossl::X509Ptr> certs;
  int keys = 0;
  for (;;) {
    PemBlock b;
    if (PEM_read_bio(bio.get(), &b.name, &b.header, &b.data, &b.len) != 1) break;
    const std::string_view name(b.name);
    if (name == "CERTIFICATE" || name == "X509 CERTIFICATE") {
      auto cert = detail::parse_x509_der(
          ByteView(b.data, static_cast<std::size_t>(b.len)),
          "certificate " + std::to_string(certs.size() + 1) + " of the PEM bundle");
      if (!cert) return std::unexpected(cert.error());
      certs.push_back(std::move(*cert));
    } else if (is_key_label(name)) {
      ++keys;
    }
  }
  ossl::drain_errors();  // the loop ends on "no start line"
  if (keys > 1) return fail(Errc::BadParameter, "the PEM bundle has more than one private key");
  if (certs.empty()) return fail(Errc::BadParameter, "no certificate in the PEM bundle");

  ossl::PkeyPtr key;
  if (keys == 1) {
    // PEM_read_bio_PrivateKey skips the CERTIFICATE blocks to the key, whatever its form (PKCS#8,
    // encrypted PKCS#8, PKCS#1, SEC1 with or without Proc-Type encryption).
    ossl::BioPtr kbio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!kbio) return ossl::fail_ossl(Errc::Internal, "cannot read PEM");
    key.reset(PEM_read_bio_PrivateKey(kbio.get(), nullptr, detail::secure_password_cb,
                                      const_cast<SecureString*>(&password)));
    if (!key)
      return ossl::fail_ossl(Errc::BadParameter,
                             "the private key in the PEM bundle cannot be read (wrong password?)");
  }
  return detail::assemble_container(key.get(), std::move(certs),
                                    "no certificate in the PEM bundle");
}

Result<SecureString> make_pem_bundle(const std::optional<PrivateKeyParts>& key,
                                     const std::vector<Bytes>& certs) {
  if (certs.empty()) return fail(Errc::BadParameter, "a PEM bundle needs at least one certificate");
  std::vector<ossl::X509Ptr> parsed;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    auto c = detail::parse_x509_der(certs[i], "certificate " + std::to_string(i + 1));
    if (!c) return std::unexpected(c.error());
    parsed.push_back(std::move(*c));
  }
  // secmem BIO: its buffer is wiped on every reallocation and on free, as it holds the key.
  ossl::BioPtr out(BIO_new(BIO_s_secmem()));
  if (!out) return ossl::fail_ossl(Errc::Internal, "cannot write PEM");
  if (key) {
    auto pkey = detail::pkey_from_parts(*key);
    if (!pkey) return std::unexpected(pkey.error());
    if (X509_check_private_key(parsed[0].get(), pkey->get()) != 1) {
      ossl::drain_errors();
      return fail(Errc::BadParameter, "the private key does not match the certificate");
    }
    // Unencrypted PKCS#8, "-----BEGIN PRIVATE KEY-----".
    if (PEM_write_bio_PKCS8PrivateKey(out.get(), pkey->get(), nullptr, nullptr, 0, nullptr,
                                      nullptr) != 1)
      return ossl::fail_ossl(Errc::Internal, "cannot write the private key");
  }
  for (const auto& cert : parsed)
    if (PEM_write_bio_X509(out.get(), cert.get()) != 1)
      return ossl::fail_ossl(Errc::Internal, "cannot write certificate");
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  if (len <= 0 || !data) return ossl::fail_ossl(Errc::Internal, "cannot write PEM");
  return SecureString(data, static_cast<std::size_t>(len));
}

}  // namespace cv::crypto
