// Reading certificates and CSRs back: the fields the certificate object type reports (subject,
// validity, SANs, usages, thumbprints) and the key a CSR asks to have certified.
#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>

#include "crypto/x509_internal.hpp"

namespace cv::crypto {
namespace detail {

std::string x509_name_text(const X509_NAME* name) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Result<ossl::X509Ptr> parse_x509_der(ByteView der, const std::string& what) {
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return ossl::fail_ossl(Errc::BadParameter, what + " is not a valid X.509 certificate");
  if (p != der.data() + der.size()) return fail(Errc::BadParameter, "trailing bytes after " + what);
  return cert;
}

}  // namespace detail

namespace {

using GenNamesPtr = std::unique_ptr<GENERAL_NAMES, ossl::Deleter<GENERAL_NAMES_free>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, ossl::Deleter<EXTENDED_KEY_USAGE_free>>;
using BitStrPtr = std::unique_ptr<ASN1_BIT_STRING, ossl::Deleter<ASN1_BIT_STRING_free>>;

constexpr std::array<const char*, 9> kKeyUsageNames = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly"};

std::int64_t unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string asn1_text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::string oid_text(const ASN1_OBJECT* obj) {
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return n > 0 && n < static_cast<int>(sizeof buf) ? std::string(buf, static_cast<std::size_t>(n))
                                                   : std::string();
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  const int len = ASN1_STRING_length(ip);
  const int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
  if (family == 0 || !inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof buf)) return {};
  return buf;
}

void read_alt_names(const X509* cert, CertFields& f) {
  GenNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  const ASN1_OBJECT* upn_oid = OBJ_txt2obj("1.3.6.1.4.1.311.20.2.3", 1);
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names.get(), i);
    switch (gen->type) {
      case GEN_DNS:
        f.dns_names.push_back(asn1_text(gen->d.dNSName));
        break;
      case GEN_EMAIL:
        f.emails.push_back(asn1_text(gen->d.rfc822Name));
        break;
      case GEN_IPADD:
        if (auto text = ip_text(gen->d.iPAddress); !text.empty()) f.ip_addresses.push_back(text);
        break;
      case GEN_OTHERNAME:
        if (upn_oid && OBJ_cmp(gen->d.otherName->type_id, upn_oid) == 0 &&
            gen->d.otherName->value->type == V_ASN1_UTF8STRING)
          f.upns.push_back(asn1_text(gen->d.otherName->value->value.utf8string));
        break;
      default:
        break;
    }
  }
  ASN1_OBJECT_free(const_cast<ASN1_OBJECT*>(upn_oid));
}

void read_usages(const X509* cert, CertFields& f) {
  if (EkuPtr eku{static_cast<EXTENDED_KEY_USAGE*>(
          X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr))})
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i)
      f.ekus.push_back(oid_text(sk_ASN1_OBJECT_value(eku.get(), i)));
  if (BitStrPtr ku{
          static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(cert, NID_key_usage, nullptr, nullptr))})
    for (std::size_t bit = 0; bit < kKeyUsageNames.size(); ++bit)
      if (ASN1_BIT_STRING_get_bit(ku.get(), static_cast<int>(bit)))
        f.key_usage.push_back(kKeyUsageNames[bit]);
}

}  // namespace

Result<CertFields> certificate_fields(ByteView cert_der) {
  auto cert = detail::parse_x509_der(cert_der, "the certificate");
  if (!cert) return std::unexpected(cert.error());
  X509* x = cert->get();
  CertFields f;
  f.subject = detail::x509_name_text(X509_get_subject_name(x));
  f.issuer = detail::x509_name_text(X509_get_issuer_name(x));
  f.not_before = unix_time(X509_get0_notBefore(x));
  f.not_after = unix_time(X509_get0_notAfter(x));
  if (ossl::BnPtr serial{ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr)}) {
    char* hex = BN_bn2hex(serial.get());
    if (hex) f.serial_hex = hex;
    OPENSSL_free(hex);
  }
  read_alt_names(x, f);
  read_usages(x, f);
  auto spki =
      ossl::to_der<X509_PUBKEY>(X509_get_X509_PUBKEY(x), i2d_X509_PUBKEY, "SubjectPublicKeyInfo");
  if (!spki) return std::unexpected(spki.error());
  f.spki_der = std::move(*spki);
  f.sha1 = digest(Hash::Sha1, cert_der);
  f.sha256 = digest(Hash::Sha256, cert_der);
  EVP_PKEY* key = X509_get0_pubkey(x);
  f.self_signed = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
                  key != nullptr && X509_verify(x, key) == 1;
  // Extensions that are absent, a key OpenSSL cannot load or a signature that does not verify are
  // answers here, not errors: leave no stale queue behind.
  ossl::drain_errors();
  return f;
}

Result<Bytes> csr_public_key(ByteView csr_der) {
  const unsigned char* p = csr_der.data();
  detail::X509ReqPtr csr(d2i_X509_REQ(nullptr, &p, static_cast<long>(csr_der.size())));
  if (!csr) return ossl::fail_ossl(Errc::BadParameter, "the CSR is not a valid PKCS#10 request");
  if (p != csr_der.data() + csr_der.size())
    return fail(Errc::BadParameter, "trailing bytes after the CSR");
  EVP_PKEY* key = X509_REQ_get0_pubkey(csr.get());
  if (!key) return ossl::fail_ossl(Errc::BadParameter, "the CSR's public key cannot be read");
  if (X509_REQ_verify(csr.get(), key) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "the CSR's signature does not verify");
  return ossl::to_der<EVP_PKEY>(key, i2d_PUBKEY, "SubjectPublicKeyInfo");
}

}  // namespace cv::crypto
