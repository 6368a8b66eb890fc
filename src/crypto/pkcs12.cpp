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

struct Pkcs7StackFree {
  void operator()(STACK_OF(PKCS7) * s) const { sk_PKCS7_pop_free(s, PKCS7_free); }
};
struct SafebagStackFree {
  void operator()(STACK_OF(PKCS12_SAFEBAG) * s) const { sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free); }
};

// A PFX names its own key-derivation iteration counts (the MAC's, each encryption's), and each is paid before
// anything can be refused: one of 2^31 keeps a core busy for minutes while its MAC fails (a REST import would hold
// a worker that long). Windows and OpenSSL write 2,000-2,048, the most generous tools 10^5-6 x 10^5; 10^6 costs
// about 0.1 s.
constexpr long kMaxIterations = 1'000'000;

// The iteration count of a PKCS#12 PBE or a PBES2 (PBKDF2) algorithm; 0 when it names none (another KDF, whose
// own limits OpenSSL keeps, or an algorithm that is no PBE); -1 when unreadable or beyond a long.
long iterations_of(const X509_ALGOR* alg) {
  const ASN1_OBJECT* oid = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(&oid, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE) return 0;
  const ASN1_TYPE* param = alg->parameter;
  long it = 0;
  if (OBJ_obj2nid(oid) == NID_pbes2) {
    PBE2PARAM* p2 = static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), param));
    if (!p2) return -1;
    if (OBJ_obj2nid(p2->keyfunc->algorithm) == NID_id_pbkdf2) {
      auto* kdf = static_cast<PBKDF2PARAM*>(
          ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), p2->keyfunc->parameter));
      it = kdf ? ASN1_INTEGER_get(kdf->iter) : -1;
      PBKDF2PARAM_free(kdf);
    }
    PBE2PARAM_free(p2);
    return it;
  }
  if (EVP_PBE_find(EVP_PBE_TYPE_OUTER, OBJ_obj2nid(oid), nullptr, nullptr, nullptr) != 1) return 0;  // no PBE
  PBEPARAM* pbe = static_cast<PBEPARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), param));
  if (!pbe) return -1;
  it = ASN1_INTEGER_get(pbe->iter);
  PBEPARAM_free(pbe);
  return it;
}

Result<void> check_iterations(long it, const char* what) {
  if (it < 0 || it > kMaxIterations)
    return fail(Errc::BadParameter, std::string("the PFX asks for ") +
                                        (it < 0 ? std::string("an unreadable number of")
                                                : std::to_string(it)) +
                                        " key-derivation iterations for its " + what + "; at most " +
                                        std::to_string(kMaxIterations) + " are accepted");
  return {};
}

// The shrouded keys of some bags (and of nested SafeContents), as far as `depth` allows.
Result<void> check_bags(const STACK_OF(PKCS12_SAFEBAG) * bags, int depth) {
  for (int i = 0; bags && i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
    const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
    if (PKCS12_SAFEBAG_get_nid(bag) == NID_pkcs8ShroudedKeyBag) {
      const X509_ALGOR* alg = nullptr;
      X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, nullptr);
      if (auto r = check_iterations(alg ? iterations_of(alg) : -1, "private key"); !r) return r;
    } else if (PKCS12_SAFEBAG_get_nid(bag) == NID_safeContentsBag) {
      if (depth == 0) return fail(Errc::BadParameter, "the PFX nests its contents too deeply");
      if (auto r = check_bags(PKCS12_SAFEBAG_get0_safes(bag), depth - 1); !r) return r;
    }
  }
  return {};
}

// Every iteration count the parse would pay, checked before it pays any: the MAC's, each encrypted
// content's, and each shrouded key's (inside encrypted contents too, decrypted here at a bounded cost with
// the same password; contents that do not decrypt are left to PKCS12_parse to refuse).
Result<void> check_pfx_iterations(const PKCS12* p12, const SecureString& password) {
  const ASN1_INTEGER* mac_iter = nullptr;
  PKCS12_get0_mac(nullptr, nullptr, nullptr, &mac_iter, p12);
  if (mac_iter)
    if (auto r = check_iterations(ASN1_INTEGER_get(mac_iter), "MAC"); !r) return r;
  std::unique_ptr<STACK_OF(PKCS7), Pkcs7StackFree> safes(PKCS12_unpack_authsafes(p12));
  for (int i = 0; safes && i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), SafebagStackFree> bags;
    if (PKCS7_type_is_data(p7)) {
      bags.reset(PKCS12_unpack_p7data(p7));
    } else if (PKCS7_type_is_encrypted(p7)) {
      const X509_ALGOR* alg = p7->d.encrypted && p7->d.encrypted->enc_data ? p7->d.encrypted->enc_data->algorithm
                                                                             : nullptr;
      if (auto r = check_iterations(alg ? iterations_of(alg) : -1, "certificates"); !r) return r;
      bags.reset(PKCS12_unpack_p7encdata(p7, password.c_str(), static_cast<int>(password.size())));
      // "No password" is either absent or empty (as PKCS12_parse tries both).
      if (!bags && password.empty()) bags.reset(PKCS12_unpack_p7encdata(p7, nullptr, 0));
    }
    if (auto r = check_bags(bags.get(), 4); !r) return r;
  }
  return {};
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
  auto counts = check_pfx_iterations(p12.get(), password);
  ossl::drain_errors();  // what did not unpack there is PKCS12_parse's to report
  if (!counts) return std::unexpected(counts.error());
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
