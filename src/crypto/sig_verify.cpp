// JOSE signature verification with public parts only: Key Vault's `verify` operation and offline
// checks of signed blobs need no token, so they run here in software. Verification over a digest
// (EVP_PKEY_verify with the signature hash set) rather than over the message, because the REST
// `verify` call receives a digest.
//
// "The signature does not match" is an answer (false), never an error: callers turn errors into
// HTTP 400s, and a wrong signature is a normal, expected outcome of `verify`.
#include <openssl/rsa.h>

#include <array>

#include "coldvault/crypto.hpp"
#include "crypto/public_keys.hpp"

namespace cv::crypto {
namespace {

struct AlgInfo {
  SigAlg alg;
  std::string_view name;
  Hash hash;
};

constexpr std::array<AlgInfo, 10> kAlgs{{
    {SigAlg::RS256, "RS256", Hash::Sha256},
    {SigAlg::RS384, "RS384", Hash::Sha384},
    {SigAlg::RS512, "RS512", Hash::Sha512},
    {SigAlg::PS256, "PS256", Hash::Sha256},
    {SigAlg::PS384, "PS384", Hash::Sha384},
    {SigAlg::PS512, "PS512", Hash::Sha512},
    {SigAlg::ES256, "ES256", Hash::Sha256},
    {SigAlg::ES384, "ES384", Hash::Sha384},
    {SigAlg::ES512, "ES512", Hash::Sha512},
    {SigAlg::ES256K, "ES256K", Hash::Sha256},
}};

const AlgInfo& info(SigAlg alg) {
  for (const AlgInfo& a : kAlgs)
    if (a.alg == alg) return a;
  return kAlgs[0];
}

bool is_pss(SigAlg a) { return a == SigAlg::PS256 || a == SigAlg::PS384 || a == SigAlg::PS512; }
bool is_rsa(SigAlg a) {
  return is_pss(a) || a == SigAlg::RS256 || a == SigAlg::RS384 || a == SigAlg::RS512;
}

// The curve each ES* alg is defined for (RFC 7518, section 3.4; RFC 8812, section 3.2 for ES256K).
Curve curve_for(SigAlg a) {
  if (a == SigAlg::ES256K) return Curve::P256K;
  return a == SigAlg::ES384 ? Curve::P384 : a == SigAlg::ES512 ? Curve::P521 : Curve::P256;
}

Result<void> check_digest(SigAlg alg, ByteView digest) {
  const std::size_t want = static_cast<std::size_t>(EVP_MD_get_size(ossl::md_for(info(alg).hash)));
  if (digest.size() != want)
    return fail(Errc::BadParameter, std::string("digest for ") + std::string(info(alg).name) +
                                        " must be " + std::to_string(want) + " bytes");
  return {};
}

// Runs EVP_PKEY_verify after `configure` has set padding and hashes. Failures while setting up are
// Internal (the key was already validated); any outcome of the verification itself other than
// success is a mismatch, since OpenSSL reports malformed signatures (wrong length, r >= n) as
// errors too. The queue is drained so a mismatch leaves nothing behind.
template <class Configure>
Result<bool> run_verify(EVP_PKEY* pkey, ByteView digest, ByteView sig, Configure configure) {
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || !configure(ctx.get()))
    return ossl::fail_ossl(Errc::Internal, "cannot set up signature verification");
  const int rc = EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size());
  ossl::drain_errors();
  return rc == 1;
}

}  // namespace

Result<SigAlg> sig_alg_from_name(std::string_view name) {
  for (const AlgInfo& a : kAlgs)
    if (a.name == name) return a.alg;
  std::string allowed;
  for (const AlgInfo& a : kAlgs) allowed.append(allowed.empty() ? "" : ", ").append(a.name);
  return fail(Errc::BadParameter, "unknown signature algorithm; allowed: " + allowed);
}

std::string_view sig_alg_name(SigAlg alg) { return info(alg).name; }

Hash sig_alg_hash(SigAlg alg) { return info(alg).hash; }

Result<bool> verify_digest(const RsaPublic& pub, SigAlg alg, ByteView digest, ByteView sig) {
  if (!is_rsa(alg))
    return fail(Errc::BadParameter,
                std::string(info(alg).name) + " is not a signature algorithm for an RSA key");
  if (auto r = check_digest(alg, digest); !r) return std::unexpected(r.error());
  auto pkey = detail::rsa_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  const EVP_MD* md = ossl::md_for(info(alg).hash);
  return run_verify(pkey->get(), digest, sig, [&](EVP_PKEY_CTX* ctx) {
    if (!is_pss(alg))
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
    // JOSE PS*: MGF1 with the signature hash and a salt exactly as long as the digest (RFC 7518,
    // section 3.5); an auto-detected salt length would accept signatures JOSE forbids.
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  });
}

Result<bool> verify_digest(const EcPublic& pub, SigAlg alg, ByteView digest, ByteView sig_raw_rs) {
  if (is_rsa(alg))
    return fail(Errc::BadParameter,
                std::string(info(alg).name) + " is not a signature algorithm for an EC key");
  if (curve_for(alg) != pub.curve)
    return fail(Errc::BadParameter, std::string(info(alg).name) + " needs a " +
                                        curve_name(curve_for(alg)) + " key, not " +
                                        curve_name(pub.curve));
  if (auto r = check_digest(alg, digest); !r) return std::unexpected(r.error());
  auto pkey = detail::ec_public_pkey(pub);
  if (!pkey) return std::unexpected(pkey.error());
  // JOSE fixes the length; a shorter or longer r||s is simply not a valid signature.
  if (sig_raw_rs.size() != 2 * curve_bytes(pub.curve)) return false;
  // Fails only for a zero r or s, which no valid signature has.
  auto der = ecdsa_raw_to_der(sig_raw_rs);
  if (!der) return false;
  return run_verify(pkey->get(), digest, *der, [](EVP_PKEY_CTX*) { return true; });
}

namespace detail {

Result<bool> verify_ecdsa_raw(EVP_PKEY* pkey, std::size_t coord_bytes, ByteView digest, ByteView sig_raw_rs) {
  if (sig_raw_rs.size() != 2 * coord_bytes) return false;
  auto der = ecdsa_raw_to_der(sig_raw_rs);
  if (!der) return false;
  return run_verify(pkey, digest, *der, [](EVP_PKEY_CTX*) { return true; });
}

}  // namespace detail

}  // namespace cv::crypto
