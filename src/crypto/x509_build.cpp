// Certificates and CSRs for the certificate object type, signed by a key that never leaves the
// token.
//
// As in certificate.cpp: the structure is assembled with OpenSSL, the signature algorithm is
// written into it by hand (X509_sign would need the private key), the TBS part is DER-encoded and
// hashed here, and only the digest (RSA: its DigestInfo) goes to the signer. The result must verify
// with its own public key before it is returned, so a bad token signature never escapes.
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "crypto/public_keys.hpp"
#include "crypto/x509_internal.hpp"

namespace cv::crypto {
namespace {

// How one signing key signs: the public key to check the result with, the algorithm to declare,
// the hash of the TBS part and the signature length the token must return.
struct SigPlan {
  ossl::PkeyPtr pkey;
  bool rsa = false;
  int sig_nid = NID_undef;
  Hash hash = Hash::Sha256;
  std::size_t sig_len = 0;
};

Result<SigPlan> plan_for(const SigningKey& key) {
  if (!key.sign) return fail(Errc::BadParameter, "signing key has no signer");
  if (key.rsa.has_value() == key.ec.has_value())
    return fail(Errc::BadParameter, "signing key must be exactly one of RSA or EC");
  SigPlan plan;
  if (key.rsa) {
    auto pkey = detail::rsa_public_pkey(*key.rsa);
    if (!pkey) return std::unexpected(pkey.error());
    plan.pkey = std::move(*pkey);
    plan.rsa = true;
    plan.sig_nid = NID_sha256WithRSAEncryption;
    plan.sig_len = static_cast<std::size_t>(EVP_PKEY_get_size(plan.pkey.get()));
    return plan;
  }
  auto pkey = detail::ec_public_pkey(*key.ec);
  if (!pkey) return std::unexpected(pkey.error());
  plan.pkey = std::move(*pkey);
  // The hash grows with the curve, as Key Vault's ES256/ES384/ES512 do.
  switch (key.ec->curve) {
    case Curve::P256:
      plan.sig_nid = NID_ecdsa_with_SHA256, plan.hash = Hash::Sha256;
      break;
    case Curve::P384:
      plan.sig_nid = NID_ecdsa_with_SHA384, plan.hash = Hash::Sha384;
      break;
    case Curve::P521:
      plan.sig_nid = NID_ecdsa_with_SHA512, plan.hash = Hash::Sha512;
      break;
    case Curve::P256K:  // ES256K: ECDSA with SHA-256 on secp256k1
      plan.sig_nid = NID_ecdsa_with_SHA256, plan.hash = Hash::Sha256;
      break;
  }
  plan.sig_len = 2 * curve_bytes(key.ec->curve);
  return plan;
}

// Writes the signature algorithm into an AlgorithmIdentifier of our own object. OpenSSL 3.0 hands
// them out only as const and has no setter short of signing with a real key; they are plain fields
// of the object we own, and the TBS part is re-encoded afterwards (i2d_re_*), so this is sound.
// RSA carries NULL parameters (RFC 4055), ECDSA none (RFC 5758).
bool set_alg(const X509_ALGOR* alg, const SigPlan& plan) {
  return X509_ALGOR_set0(const_cast<X509_ALGOR*>(alg), OBJ_nid2obj(plan.sig_nid),
                         plan.rsa ? V_ASN1_NULL : V_ASN1_UNDEF, nullptr) == 1;
}

// Hashes the TBS DER and has the signer sign it; returns the signature as it goes into the BIT
// STRING (RSA: as is; ECDSA: r||s converted to DER).
Result<Bytes> sign_tbs(const SigPlan& plan, const SigningKey& key, ByteView tbs) {
  const Bytes d = digest(plan.hash, tbs);
  auto sig = key.sign(plan.rsa ? digest_info(Hash::Sha256, d) : d);
  if (!sig) return std::unexpected(sig.error());
  if (sig->size() != plan.sig_len)
    return fail(Errc::HsmFailure, "token returned a signature of the wrong size");
  if (plan.rsa) return sig;
  auto der = ecdsa_raw_to_der(*sig);
  if (!der) return fail(Errc::HsmFailure, "token returned a malformed ECDSA signature");
  return der;
}

Result<void> set_sig_bits(const ASN1_BIT_STRING* sig, ByteView value) {
  auto* bits = const_cast<ASN1_BIT_STRING*>(sig);  // a field of our own object, as in set_alg
  if (ASN1_BIT_STRING_set(bits, const_cast<std::uint8_t*>(value.data()),
                          static_cast<int>(value.size())) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set signature");
  // "0 unused bits", as ASN1_item_sign declares; otherwise trailing zero bits would be dropped.
  bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
  bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
  return {};
}

Result<void> set_serial(X509* cert) {
  std::uint8_t buf[16];
  if (RAND_bytes(buf, sizeof buf) != 1)
    return ossl::fail_ossl(Errc::Internal, "random generator failed");
  // Positive (top bit clear) and a full 16 bytes (next bit set); RFC 5280 allows up to 20 octets.
  buf[0] = static_cast<std::uint8_t>((buf[0] & 0x7f) | 0x40);
  ossl::BnPtr bn = ossl::bn_from(buf);
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)))
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate serial");
  return {};
}

int days_in_month(int year, int month0) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month0 == 1 && leap ? 29 : kDays[month0];
}

// notBefore five minutes ago (relying parties whose clocks run behind), notAfter `months` calendar
// months later, the day clamped to the end of a shorter month (Jan 31 + 1 month = Feb 28/29).
Result<void> set_validity(X509* cert, int months) {
  if (months < 1 || months > 1200)
    return fail(Errc::BadParameter, "validity_months must be 1 to 1200");
  const std::time_t start = std::time(nullptr) - 5 * 60;
  std::tm tm{};
  if (!gmtime_r(&start, &tm)) return fail(Errc::Internal, "cannot read the clock");
  const int total = tm.tm_year * 12 + tm.tm_mon + months;
  tm.tm_year = total / 12;
  tm.tm_mon = total % 12;
  tm.tm_mday = std::min(tm.tm_mday, days_in_month(tm.tm_year + 1900, tm.tm_mon));
  const std::time_t end = timegm(&tm);
  if (!ASN1_TIME_set(X509_getm_notBefore(cert), start) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert), end))
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate validity");
  return {};
}

const char* const kNoVerify = "the token's signature does not verify with the key's public half";

}  // namespace

Result<Bytes> self_signed_certificate(const X509Request& req, const SigningKey& key) {
  auto plan = plan_for(key);
  if (!plan) return std::unexpected(plan.error());
  auto name = detail::parse_subject(req.subject);
  if (!name) return std::unexpected(name.error());
  auto exts = detail::policy_extensions(req);
  if (!exts) return std::unexpected(exts.error());

  ossl::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot create certificate");
  if (auto r = set_validity(cert.get(), req.validity_months); !r) return std::unexpected(r.error());
  if (auto r = set_serial(cert.get()); !r) return std::unexpected(r.error());
  if (X509_set_subject_name(cert.get(), name->get()) != 1 ||
      X509_set_issuer_name(cert.get(), name->get()) != 1 ||
      X509_set_pubkey(cert.get(), plan->pkey.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate names or key");
  for (int i = 0; i < sk_X509_EXTENSION_num(exts->get()); ++i)
    if (X509_add_ext(cert.get(), sk_X509_EXTENSION_value(exts->get(), i), -1) != 1)
      return ossl::fail_ossl(Errc::Internal, "cannot add certificate extension");
  // Both identifiers hash the public key set above; the authority's is our own (self-signed).
  if (auto r = detail::add_conf_extension(cert.get(), NID_subject_key_identifier, "hash"); !r)
    return std::unexpected(r.error());
  if (auto r = detail::add_conf_extension(cert.get(), NID_authority_key_identifier, "keyid:always"); !r)
    return std::unexpected(r.error());

  const ASN1_BIT_STRING* sig = nullptr;
  const X509_ALGOR* outer_alg = nullptr;
  X509_get0_signature(&sig, &outer_alg, cert.get());
  if (!set_alg(X509_get0_tbs_sigalg(cert.get()), *plan) || !set_alg(outer_alg, *plan))
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate signature algorithm");
  auto tbs = ossl::to_der<X509>(cert.get(), i2d_re_X509_tbs, "TBSCertificate");
  if (!tbs) return std::unexpected(tbs.error());
  auto value = sign_tbs(*plan, key, *tbs);
  if (!value) return std::unexpected(value.error());
  if (auto r = set_sig_bits(sig, *value); !r) return std::unexpected(r.error());
  if (X509_verify(cert.get(), plan->pkey.get()) != 1)
    return ossl::fail_ossl(Errc::HsmFailure, kNoVerify);
  return ossl::to_der<X509>(cert.get(), i2d_X509, "certificate");
}

Result<Bytes> certificate_signing_request(const X509Request& req, const SigningKey& key) {
  auto plan = plan_for(key);
  if (!plan) return std::unexpected(plan.error());
  auto name = detail::parse_subject(req.subject);
  if (!name) return std::unexpected(name.error());
  auto exts = detail::policy_extensions(req);
  if (!exts) return std::unexpected(exts.error());
  // The validity is the issuer's choice, but a bad value is still the caller's mistake to hear of.
  if (req.validity_months < 1 || req.validity_months > 1200)
    return fail(Errc::BadParameter, "validity_months must be 1 to 1200");

  detail::X509ReqPtr csr(X509_REQ_new());
  if (!csr || X509_REQ_set_version(csr.get(), 0) != 1 ||
      X509_REQ_set_subject_name(csr.get(), name->get()) != 1 ||
      X509_REQ_set_pubkey(csr.get(), plan->pkey.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot create certificate signing request");
  if (sk_X509_EXTENSION_num(exts->get()) > 0 &&
      X509_REQ_add_extensions(csr.get(), exts->get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot add CSR extensions");

  const ASN1_BIT_STRING* sig = nullptr;
  const X509_ALGOR* alg = nullptr;
  X509_REQ_get0_signature(csr.get(), &sig, &alg);
  if (!set_alg(alg, *plan))
    return ossl::fail_ossl(Errc::Internal, "cannot set CSR signature algorithm");
  auto tbs = ossl::to_der<X509_REQ>(csr.get(), i2d_re_X509_REQ_tbs, "CertificationRequestInfo");
  if (!tbs) return std::unexpected(tbs.error());
  auto value = sign_tbs(*plan, key, *tbs);
  if (!value) return std::unexpected(value.error());
  if (auto r = set_sig_bits(sig, *value); !r) return std::unexpected(r.error());
  if (X509_REQ_verify(csr.get(), plan->pkey.get()) != 1)
    return ossl::fail_ossl(Errc::HsmFailure, kNoVerify);
  return ossl::to_der<X509_REQ>(csr.get(), i2d_X509_REQ, "certificate signing request");
}

}  // namespace cv::crypto
