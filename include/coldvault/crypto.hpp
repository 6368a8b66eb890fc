// The OpenSSL adapter's public face (src/crypto is the only OpenSSL user). No private key of a vault ever
// passes through here in clear except on its way *into* a token (import parsing); everything else is
// public-key encoding, hashing, certificate building and JOSE framing.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/key_parts.hpp"

namespace cv::crypto {

Bytes digest(Hash h, ByteView data);
inline Bytes sha256(ByteView data) { return digest(Hash::Sha256, data); }

// HMAC-SHA256 (the domain transfer's commitment to its transfer key, docs/domain-transfer.md).
Bytes hmac_sha256(ByteView key, ByteView data);

// Constant-time equality (CRYPTO_memcmp); false when lengths differ.
bool equal_ct(ByteView a, ByteView b);

// SubjectPublicKeyInfo DER for public parts, and PEM armour.
Result<Bytes> spki_der(const RsaPublic& pub);
Result<Bytes> spki_der(const EcPublic& pub);
std::string pem_encode(std::string_view label, ByteView der);  // "PUBLIC KEY", "CERTIFICATE", ...
// Decodes the first PEM block with this label; BadParameter if none.
Result<Bytes> pem_decode(std::string_view pem, std::string_view label);

// EC_PARAMS DER (named-curve OID) for a curve, and the curve for given params.
Bytes ec_params_der(Curve c);
Result<Curve> curve_from_params(ByteView params_der);

// Signs a digest with a key held elsewhere (the token): returns r||s for EC keys.
using DigestSigner = std::function<Result<Bytes>(ByteView digest)>;

// A self-signed X.509 v3 certificate (ecdsa-with-SHA256) for an EC P-256 public key whose private half
// is in the token: subject = issuer = "CN=<common_name>", serial random 16 bytes, valid from now - 5 min
// for `days` days, basicConstraints CA:TRUE, keyUsage digitalSignature+keyCertSign. Returns PEM.
Result<std::string> self_signed_ec_certificate(const EcPublic& pub, std::string_view common_name,
                                               int days, const DigestSigner& sign);

// Information read back from a certificate PEM (for `vault show` and tests).
struct CertInfo {
  std::string subject;
  std::string issuer;
  std::string not_before;  // ISO-8601 UTC
  std::string not_after;
  std::string sha256_fingerprint;  // hex
  bool self_signature_valid = false;
  bool ca = false;  // basicConstraints CA:TRUE
};
Result<CertInfo> inspect_certificate(std::string_view pem);

// ECDSA signature conversions between JOSE r||s and DER.
Result<Bytes> ecdsa_raw_to_der(ByteView raw);
Result<Bytes> ecdsa_der_to_raw(ByteView der, std::size_t coord_bytes);

// PKCS#1 v1.5 DigestInfo prefix + digest, for RS* signing through CKM_RSA_PKCS.
Bytes digest_info(Hash h, ByteView digest);
// RSA-OAEP decoding of a raw RSA result (the token decrypts with CKM_RSA_X_509 when it lacks OAEP with
// SHA-2); BadParameter on a padding error, with one message whatever the cause.
Result<SecureBytes> oaep_decode(ByteView em, Hash h, std::size_t modulus_bytes);
// Public-key operations that need no token: RSA encryption and signature verification.
Result<Bytes> rsa_encrypt_oaep(const RsaPublic& pub, Hash h, ByteView data);
Result<Bytes> rsa_encrypt_pkcs1(const RsaPublic& pub, ByteView data);

// Parses a PEM private key (PKCS#1, PKCS#8, SEC1, encrypted PKCS#8 with password) into parts for import.
// BadParameter when the file's public half is not its private half's (OpenSSL's pairwise check).
struct PrivateKeyParts {
  bool is_rsa = false;
  RsaPrivate rsa;
  EcPrivate ec;
};
Result<PrivateKeyParts> parse_private_key_pem(std::string_view pem, const SecureString& password);

// ---- Signature verification with public parts (no token: a key's `verify` and offline blob
// checks).

// JOSE signature algorithms (RFC 7518, section 3.1).
enum class SigAlg { RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, ES256K };
// "RS256" ... "ES512", "ES256K" (ECDSA on secp256k1, RFC 8812), case-sensitive as in JOSE; BadParameter naming the allowed values otherwise.
Result<SigAlg> sig_alg_from_name(std::string_view name);
// The JOSE name of an algorithm ("PS384").
std::string_view sig_alg_name(SigAlg alg);
// The hash an algorithm signs with (SHA-256 for *256, ...).
Hash sig_alg_hash(SigAlg alg);

// Verifies a signature over a precomputed digest. A signature that does not match (including one of
// the wrong length) is `false`, not an error. BadParameter: the digest length is not the alg's hash
// length, the alg is not an RSA alg (RS*, PS*) for an RSA key or not an ES* alg for an EC key, the
// ES* alg does not name the key's curve (ES256 = P-256, ES384 = P-384, ES512 = P-521), or the key
// parts do not form a valid key. RS*: PKCS#1 v1.5; PS*: PSS with MGF1 over the same hash and a salt
// as long as the digest. `sig_raw_rs` is JOSE r||s, each half curve_bytes long.
Result<bool> verify_digest(const RsaPublic& pub, SigAlg alg, ByteView digest, ByteView sig);
Result<bool> verify_digest(const EcPublic& pub, SigAlg alg, ByteView digest, ByteView sig_raw_rs);

// ---- JWK (RFC 7517/7518) public keys, values base64url without padding.

// kty "RSA" fills n and e (minimal big-endian, no leading zeros); kty "EC" fills crv ("P-256",
// "P-384", "P-521"), x and y (each exactly curve_bytes long, left-padded). Unused fields are empty.
struct JwkPublic {
  std::string kty, n, e, crv, x, y;
};
// BadParameter when the parts do not form a valid key (off-curve point, even modulus, ...).
Result<JwkPublic> jwk_public(const RsaPublic& pub);
Result<JwkPublic> jwk_public(const EcPublic& pub);
// The reverse. BadParameter for invalid base64url, an unknown curve name, coordinates that are not
// exactly curve_bytes long, a point not on the curve, or a modulus/exponent OpenSSL refuses. The
// RsaPublic has leading zero bytes stripped; the EcPublic carries params (OID) and the point as the
// DER OCTET STRING a token reports for CKA_EC_POINT.
Result<RsaPublic> rsa_public_from_jwk(std::string_view n_b64u, std::string_view e_b64u);
Result<EcPublic> ec_public_from_jwk(std::string_view crv, std::string_view x_b64u,
                                    std::string_view y_b64u);

// Private JWK for import: kty RSA/RSA-HSM (n, e, d, p, q, dp, dq, qi all required) or EC/EC-HSM
// (crv, x, y, d). The parts are checked to form one consistent key (OpenSSL's full key check)
// before they are returned; secret parts are in SecureBytes. BadParameter for anything malformed or
// inconsistent; error messages never carry key material.
Result<PrivateKeyParts> parse_private_jwk(std::string_view json_text);
// A symmetric JWK for import: kty oct/oct-HSM with k of 16, 24 or 32 bytes.
Result<SecureBytes> parse_oct_jwk(std::string_view json_text);

// Public parts from SubjectPublicKeyInfo DER (the inverse of spki_der). BadParameter for malformed
// DER, trailing bytes, or a key of the other type; Unsupported for a curve other than
// P-256/384/521.
Result<RsaPublic> rsa_public_from_spki(ByteView der);
Result<EcPublic> ec_public_from_spki(ByteView der);

// ---- X.509 for offline blob verification.

// The DER of the first CERTIFICATE PEM block, checked to parse as one certificate with nothing
// after.
Result<Bytes> certificate_der_from_pem(std::string_view pem);
// PEM armour for certificate DER, after checking that it parses.
Result<std::string> certificate_pem_from_der(ByteView der);
// The leaf's EC public key; BadParameter if the certificate is malformed or its key is not EC.
Result<EcPublic> certificate_ec_public(ByteView cert_der);

struct ChainVerdict {
  bool chain_ok = false;
  std::string error;               // OpenSSL's reason when !chain_ok, empty otherwise
  std::string subject;             // the leaf's, RFC 2253
  std::string issuer;              // the leaf's, RFC 2253
  std::string sha256_fingerprint;  // the leaf's DER, lower-case hex
};
// Verifies chain_der (leaf first, then intermediates, which are used as untrusted) against the
// certificates in trust_pem (one or more CERTIFICATE PEM blocks) at the current time. Any trusted
// certificate may end the chain (partial chains), so a trusted intermediate or the leaf itself is
// an anchor. A chain that does not verify is chain_ok = false with the reason; BadParameter only
// for an empty chain, unparsable certificates or a trust_pem without certificates.
Result<ChainVerdict> verify_chain(const std::vector<Bytes>& chain_der, std::string_view trust_pem);
// ES256 over SHA-256(signing_input) with the certificate's P-256 key: false when the signature does
// not match, BadParameter when the certificate is malformed or its key is not P-256.
Result<bool> verify_es256(ByteView cert_der, ByteView signing_input, ByteView sig_raw_rs);

// ---- Randomness.

// n bytes from OpenSSL's DRBG, for tests and fuzz seeds only (keys and IVs come from the token).
// Aborts if the DRBG fails: a caller of this never wants predictable bytes instead.
Bytes random_bytes(std::size_t n);

}  // namespace cv::crypto
