// The OpenSSL adapter's public face (src/crypto is the only OpenSSL user). No private key of a vault ever
// passes through here in clear except on its way *into* a token (import parsing); everything else is
// public-key encoding, hashing, certificate building and JOSE framing.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/key_parts.hpp"

namespace cv::crypto {

Bytes digest(Hash h, ByteView data);
inline Bytes sha256(ByteView data) { return digest(Hash::Sha256, data); }

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
struct PrivateKeyParts {
  bool is_rsa = false;
  RsaPrivate rsa;
  EcPrivate ec;
};
Result<PrivateKeyParts> parse_private_key_pem(std::string_view pem, const SecureString& password);

}  // namespace cv::crypto
