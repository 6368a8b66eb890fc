// A local CA and TLS server certificates for `coldvault serve` (software EC keys; see the header
// for why these are not token keys).
#include "coldvault/tls_certs.hpp"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "crypto/ossl.hpp"

namespace cv::crypto {
namespace {

Result<ossl::PkeyPtr> new_p256_key() {
  ossl::PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return ossl::fail_ossl(Errc::Internal, "cannot generate an EC P-256 key");
  return key;
}

Result<void> add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return ossl::fail_ossl(Errc::BadParameter,
                           std::string("cannot add certificate extension ") + OBJ_nid2sn(nid));
  return {};
}

Result<void> set_common(X509* cert, std::string_view cn, int days, EVP_PKEY* pub) {
  if (days < 1 || days > 36500)
    return fail(Errc::BadParameter, "certificate validity must be 1-36500 days");
  std::uint8_t serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1)
    return ossl::fail_ossl(Errc::Internal, "random generator failed");
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x40);  // positive, full length
  ossl::BnPtr bn = ossl::bn_from(serial);
  ossl::X509NamePtr name(X509_NAME_new());
  if (X509_set_version(cert, X509_VERSION_3) != 1 || !bn ||
      !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) || !name ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1 ||
      X509_set_subject_name(cert, name.get()) != 1 ||
      // Five minutes of slack for clients whose clock runs slightly behind ours.
      !X509_gmtime_adj(X509_getm_notBefore(cert), -300) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert), days, -300, nullptr) ||
      X509_set_pubkey(cert, pub) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build certificate");
  return {};
}

Result<PemPair> to_pem(X509* cert, EVP_PKEY* key) {
  ossl::BioPtr cb(BIO_new(BIO_s_mem())), kb(BIO_new(BIO_s_mem()));
  if (!cb || !kb || PEM_write_bio_X509(cb.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(kb.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot encode certificate or key as PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(cb.get(), &data);
  PemPair out;
  out.cert_pem.assign(data, static_cast<std::size_t>(n));
  n = BIO_get_mem_data(kb.get(), &data);
  out.key_pem.assign(data, static_cast<std::size_t>(n));
  // The memory BIO's buffer is freed by OpenSSL; wipe the key text first.
  OPENSSL_cleanse(data, static_cast<std::size_t>(n));
  return out;
}

}  // namespace

Result<PemPair> create_local_ca(std::string_view common_name, int days) {
  if (common_name.empty() || common_name.size() > 64)
    return fail(Errc::BadParameter, "CA common name must be 1 to 64 characters");
  auto key = new_p256_key();
  if (!key) return std::unexpected(key.error());
  ossl::X509Ptr cert(X509_new());
  if (!cert) return ossl::fail_ossl(Errc::Internal, "cannot create certificate");
  if (auto r = set_common(cert.get(), common_name, days, key->get()); !r)
    return std::unexpected(r.error());
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set issuer");
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}})
    if (auto r = add_ext(cert.get(), cert.get(), nid, value); !r) return std::unexpected(r.error());
  if (X509_sign(cert.get(), key->get(), EVP_sha256()) <= 0)
    return ossl::fail_ossl(Errc::Internal, "cannot sign CA certificate");
  return to_pem(cert.get(), key->get());
}

Result<PemPair> issue_tls_server_certificate(const PemPair& ca,
                                             const std::vector<std::string>& dns_names,
                                             const std::vector<std::string>& ip_addresses,
                                             int days) {
  if (dns_names.empty() && ip_addresses.empty())
    return fail(Errc::BadParameter,
                "a server certificate needs at least one DNS name or IP address");
  ossl::BioPtr cb(BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())));
  ossl::BioPtr kb(BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())));
  ossl::X509Ptr ca_cert(cb ? PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr) : nullptr);
  ossl::PkeyPtr ca_key(kb ? PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!ca_cert || !ca_key)
    return ossl::fail_ossl(Errc::BadParameter, "cannot read the local CA certificate or key");
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "the local CA key does not match its certificate");

  std::string san;
  for (const auto& d : dns_names) {
    // The SAN text is a config string: a comma in a name would smuggle in another entry.
    if (d.empty() || d.find_first_of(",: \t") != std::string::npos)
      return fail(Errc::BadParameter, "invalid host name '" + d + "'");
    san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  }
  for (const auto& ip : ip_addresses) {
    if (ip.empty() || ip.find_first_of(", \t") != std::string::npos)
      return fail(Errc::BadParameter, "invalid IP address '" + ip + "'");
    san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  }
  auto key = new_p256_key();
  if (!key) return std::unexpected(key.error());
  ossl::X509Ptr cert(X509_new());
  if (!cert) return ossl::fail_ossl(Errc::Internal, "cannot create certificate");
  std::string cn = dns_names.empty() ? ip_addresses.front() : dns_names.front();
  if (cn.size() > 64) cn.resize(64);
  if (auto r = set_common(cert.get(), cn, days, key->get()); !r) return std::unexpected(r.error());
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set issuer");
  for (auto [nid, value] : {std::pair{NID_basic_constraints, std::string("critical,CA:FALSE")},
                            std::pair{NID_key_usage, std::string("critical,digitalSignature")},
                            std::pair{NID_ext_key_usage, std::string("serverAuth")},
                            std::pair{NID_authority_key_identifier, std::string("keyid:always")},
                            std::pair{NID_subject_alt_name, san}}) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca_cert.get(), cert.get(), nullptr, nullptr, 0);
    ossl::X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1)
      return ossl::fail_ossl(Errc::BadParameter,
                             std::string("invalid certificate extension ") + OBJ_nid2sn(nid));
  }
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) <= 0)
    return ossl::fail_ossl(Errc::Internal, "cannot sign server certificate");
  return to_pem(cert.get(), key->get());
}

}  // namespace cv::crypto
