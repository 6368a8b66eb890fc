// Fixture and OpenSSL helpers for the certificate tests: OpenSSL plays the outside world (a relying party
// parsing and verifying the certificate, a CA signing the CSR, a user holding a PFX or PEM to import).
#pragma once

#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "coldvault/certificates.hpp"
#include "hsm/keys_fixture.hpp"

namespace cvtest {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

inline X509Ptr x509_of(const cv::Bytes& der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

inline cv::Bytes der_of(X509* x) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(x, &buf);
  cv::Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

inline cv::Bytes spki_of(X509* x) {
  unsigned char* buf = nullptr;
  int len = i2d_PUBKEY(X509_get0_pubkey(x), &buf);
  cv::Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

inline std::vector<std::string> san_dns(X509* x) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS)
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                       static_cast<std::size_t>(ASN1_STRING_length(n->d.dNSName)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

inline std::vector<std::string> ekus_of(X509* x) {
  std::vector<std::string> out;
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, nullptr, nullptr));
  for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); ++i) {
    char buf[80];
    OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(eku, i), 1);
    out.emplace_back(buf);
  }
  EXTENDED_KEY_USAGE_free(eku);
  return out;
}

inline std::string subject_of(X509* x) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof buf);
  return buf;
}

// A certificate for `key` signed by `issuer_key` (self-signed when issuer is null).
inline X509Ptr make_cert(EVP_PKEY* key, const std::string& cn, EVP_PKEY* issuer_key, X509* issuer, bool ca,
                         const std::string& dns = "") {
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), static_cast<long>(std::rand() % 100000 + 1));
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400L * 30);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x.get(), e, -1);
    X509_EXTENSION_free(e);
  };
  add(NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (ca) add(NID_key_usage, "critical,keyCertSign,cRLSign");
  if (!dns.empty()) add(NID_subject_alt_name, ("DNS:" + dns).c_str());
  X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256());
  return x;
}

// The CA signs a CSR (DER): subject and public key from the request.
inline cv::Bytes ca_sign_csr(const cv::Bytes& csr_der, EVP_PKEY* ca_key, X509* ca) {
  const unsigned char* p = csr_der.data();
  X509_REQ* req = d2i_X509_REQ(nullptr, &p, static_cast<long>(csr_der.size()));
  if (!req) return {};
  X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4242);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400L * 60);
  X509_set_subject_name(x.get(), X509_REQ_get_subject_name(req));
  X509_set_issuer_name(x.get(), X509_get_subject_name(ca));
  X509_set_pubkey(x.get(), X509_REQ_get0_pubkey(req));
  X509_sign(x.get(), ca_key, EVP_sha256());
  X509_REQ_free(req);
  return der_of(x.get());
}

inline bool chain_verifies(X509* leaf, X509* ca) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

// A PFX of key + cert under password; legacy = 3DES/SHA-1 (pre-OpenSSL-3 defaults), else AES-256/PBKDF2.
inline cv::SecureBytes make_pfx(EVP_PKEY* key, X509* cert, const std::string& password, bool legacy = false) {
  int nid = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC : 0;
  PKCS12* p12 = PKCS12_create(password.c_str(), "imported", key, cert, nullptr, nid, nid, 0, 0, 0);
  unsigned char* buf = nullptr;
  int len = i2d_PKCS12(p12, &buf);
  cv::SecureBytes out(buf, buf + len);
  OPENSSL_free(buf);
  PKCS12_free(p12);
  return out;
}

struct Pfx {
  Pkey key;
  X509Ptr cert;
  int extra = 0;
};
inline Pfx open_pfx(const cv::Bytes& der, const std::string& password = "") {
  const unsigned char* p = der.data();
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(der.size()));
  Pfx out;
  if (!p12) return out;
  EVP_PKEY* k = nullptr;
  X509* c = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12, password.c_str(), &k, &c, &ca) == 1) {
    out.key.reset(k);
    out.cert.reset(c);
    out.extra = ca ? sk_X509_num(ca) : 0;
  }
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  return out;
}

class CertsTest : public KeysTest {
 protected:
  cv::vault::Certificates certs(const std::string& vault = "main") { return {*svc, vault}; }
  static cv::vault::CreateCertificate create_req(const std::string& subject, const std::string& kty = "RSA") {
    cv::vault::CreateCertificate c;
    c.policy.subject = subject;
    c.policy.kty = kty;
    if (kty.starts_with("RSA")) c.policy.key_size = 2048;
    else c.policy.crv = "P-256";
    return c;
  }
  // Whether any of certificate, key, secret exists (live or deleted) under name.
  bool any_object(const std::string& name) {
    using cv::store::ObjType;
    for (auto t : {ObjType::Certificate, ObjType::Key, ObjType::Secret})
      if (svc->catalog().object("main", t, name)) return true;
    return false;
  }
  cv::Bytes secret_bytes(const std::string& name, const std::string& version) {
    auto s = secrets().get(name, version);
    if (!s || !s->value) return {};
    return cv::Bytes(s->value->begin(), s->value->end());
  }
  static std::string str(const cv::Bytes& b) { return std::string(b.begin(), b.end()); }
};

}  // namespace cvtest
