// Self-signed X.509 certificates for token-held EC keys, and reading certificates back.
//
// X509_sign needs the private key as an EVP_PKEY, but ours never leaves the token. So the
// certificate is assembled in the usual way, the signature algorithm is written into it by hand,
// the TBSCertificate is DER-encoded and hashed here, and only the 32-byte digest goes to the token
// (DigestSigner). The result is verified with its own public key before it is returned, so a bad
// token signature never escapes.
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "coldvault/crypto.hpp"
#include "crypto/public_keys.hpp"
#include "crypto/x509_internal.hpp"

namespace cv::crypto {
namespace {

// Writes ecdsa-with-SHA256 (no parameters, RFC 5758) into an AlgorithmIdentifier of the
// certificate. OpenSSL 3.0 hands both AlgorithmIdentifiers out only as const (X509_get0_tbs_sigalg,
// X509_get0_signature) and has no setter short of X509_sign with a real key. Both point into the
// X509 object we own and are plain fields, so writing through const_cast is sound; i2d_re_X509_tbs
// below then re-encodes the TBS part so the cached encoding does not go stale.
bool set_ecdsa_sha256(const X509_ALGOR* alg) {
  return X509_ALGOR_set0(const_cast<X509_ALGOR*>(alg), OBJ_nid2obj(NID_ecdsa_with_SHA256),
                         V_ASN1_UNDEF, nullptr) == 1;
}

Result<void> set_serial(X509* cert) {
  std::uint8_t buf[16];
  if (RAND_bytes(buf, sizeof buf) != 1)
    return ossl::fail_ossl(Errc::Internal, "random generator failed");
  // Positive (top bit clear) and a full 16 bytes (next bit set), as RFC 5280 asks for at most 20
  // octets.
  buf[0] = static_cast<std::uint8_t>((buf[0] & 0x7f) | 0x40);
  ossl::BnPtr bn = ossl::bn_from(buf);
  if (!BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)))
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate serial");
  return {};
}

Result<void> set_names(X509* cert, std::string_view common_name) {
  if (common_name.empty() || common_name.size() > 64)  // ub-common-name (RFC 5280)
    return fail(Errc::BadParameter, "certificate common name must be 1 to 64 characters");
  ossl::X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "invalid certificate common name");
  if (X509_set_subject_name(cert, name.get()) != 1 || X509_set_issuer_name(cert, name.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate names");
  return {};
}

// Attaches the token's r||s signature as the certificate's DER signature BIT STRING.
Result<void> set_signature(X509* cert, ByteView raw_sig) {
  auto der = ecdsa_raw_to_der(raw_sig);
  if (!der) return fail(Errc::HsmFailure, "token returned a malformed ECDSA signature");
  const ASN1_BIT_STRING* sig = nullptr;
  const X509_ALGOR* alg = nullptr;
  X509_get0_signature(&sig, &alg, cert);
  // Same reasoning as set_ecdsa_sha256: the BIT STRING is a field of our own X509.
  auto* bits = const_cast<ASN1_BIT_STRING*>(sig);
  if (ASN1_BIT_STRING_set(bits, der->data(), static_cast<int>(der->size())) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate signature");
  // Declare "0 unused bits" explicitly (as ASN1_item_sign does); otherwise the encoder would count
  // the trailing zero bits of the last byte as unused and the verifier would reject the signature.
  bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
  bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
  return {};
}

std::string name_text(const X509_NAME* name) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string iso_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Result<std::string> self_signed_ec_certificate(const EcPublic& pub, std::string_view common_name,
                                               int days, const DigestSigner& sign) {
  if (pub.curve != Curve::P256)
    return fail(Errc::Unsupported, "self-signed certificates need a P-256 key");
  if (days < 1 || days > 36500)
    return fail(Errc::BadParameter, "certificate validity must be 1 to 36500 days");
  auto pkey = detail::ec_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());

  ossl::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot create certificate");
  if (auto r = set_serial(cert.get()); !r) return std::unexpected(r.error());
  if (auto r = set_names(cert.get(), common_name); !r) return std::unexpected(r.error());
  // Five minutes of slack for clocks of relying parties that run slightly behind ours.
  constexpr long kSkewSeconds = -5 * 60;
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), kSkewSeconds) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, kSkewSeconds, nullptr) ||
      X509_set_pubkey(cert.get(), pkey->get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate validity or key");
  // subjectKeyIdentifier "hash" reads the public key set above, so the key must come first.
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign"},
                            std::pair{NID_subject_key_identifier, "hash"}})
    if (auto r = detail::add_conf_extension(cert.get(), nid, value); !r) return std::unexpected(r.error());

  const ASN1_BIT_STRING* unused_sig = nullptr;
  const X509_ALGOR* outer_alg = nullptr;
  X509_get0_signature(&unused_sig, &outer_alg, cert.get());
  if (!set_ecdsa_sha256(X509_get0_tbs_sigalg(cert.get())) || !set_ecdsa_sha256(outer_alg))
    return ossl::fail_ossl(Errc::Internal, "cannot set certificate signature algorithm");

  auto tbs = ossl::to_der<X509>(cert.get(), i2d_re_X509_tbs, "TBSCertificate");
  if (!tbs) return std::unexpected(tbs.error());
  auto raw_sig = sign(sha256(*tbs));
  if (!raw_sig) return std::unexpected(raw_sig.error());
  if (raw_sig->size() != 2 * curve_bytes(pub.curve))
    return fail(Errc::HsmFailure, "token returned an ECDSA signature of the wrong size");
  if (auto r = set_signature(cert.get(), *raw_sig); !r) return std::unexpected(r.error());

  if (X509_verify(cert.get(), pkey->get()) != 1)
    return ossl::fail_ossl(Errc::HsmFailure,
                           "token signature does not verify with the key's public half");
  auto der = ossl::to_der<X509>(cert.get(), i2d_X509, "certificate");
  if (!der) return std::unexpected(der.error());
  return pem_encode("CERTIFICATE", *der);
}

Result<CertInfo> inspect_certificate(std::string_view pem) {
  auto der = pem_decode(pem, "CERTIFICATE");
  if (!der) return std::unexpected(der.error());
  const unsigned char* p = der->data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
  if (!cert) return ossl::fail_ossl(Errc::BadParameter, "malformed certificate");
  if (p != der->data() + der->size())
    return fail(Errc::BadParameter, "trailing bytes after certificate");

  CertInfo info;
  info.subject = name_text(X509_get_subject_name(cert.get()));
  info.issuer = name_text(X509_get_issuer_name(cert.get()));
  info.not_before = iso_time(X509_get0_notBefore(cert.get()));
  info.not_after = iso_time(X509_get0_notAfter(cert.get()));
  info.sha256_fingerprint = to_hex(sha256(*der));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  info.self_signature_valid = key != nullptr && X509_verify(cert.get(), key) == 1;
  info.ca = X509_check_ca(cert.get()) == 1;  // basicConstraints CA:TRUE, not the v1 or keyUsage guesses
  // A failed verification is an answer, not an error: leave no queue behind.
  ossl::drain_errors();
  return info;
}

}  // namespace cv::crypto
