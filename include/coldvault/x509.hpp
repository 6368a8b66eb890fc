// X.509 certificates, CSRs and certificate containers (PKCS#12, PEM bundles) for the certificate object
// type. Part of the OpenSSL adapter (src/crypto is the only OpenSSL user).
//
// Certificates and CSRs are signed by a key held in the token: the TBS structure is built and hashed here
// and only the digest goes to the token (DigestSigner, as for the vault signing certificate). The result
// is checked with its own public key before it is returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/error.hpp"
#include "coldvault/key_parts.hpp"

namespace cv::crypto {

// What goes into a new certificate or CSR (Key Vault's x509_props).
struct X509Request {
  std::string subject;                    // "CN=a.example, O=Contoso, C=US" (RFC 4514 order, ',' or '/' separated)
  std::vector<std::string> dns_names;     // subjectAltName dNSName
  std::vector<std::string> ip_addresses;  // subjectAltName iPAddress (IPv4 or IPv6 text)
  std::vector<std::string> emails;        // subjectAltName rfc822Name
  std::vector<std::string> upns;          // subjectAltName otherName 1.3.6.1.4.1.311.20.2.3 (UTF8String)
  std::vector<std::string> ekus;          // dotted OIDs, e.g. 1.3.6.1.5.5.7.3.1
  // Key Vault's names: digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement,
  // keyCertSign, cRLSign, encipherOnly, decipherOnly. Empty: no keyUsage extension.
  std::vector<std::string> key_usage;
  int validity_months = 12;               // 1..1200; notBefore = now - 5 min
};

// The public half of the signing key, and how the token signs: RSA keys sign PKCS#1 v1.5 DigestInfo
// (sha256WithRSAEncryption), EC keys ECDSA r||s over SHA-256/384/512 for P-256/384/521.
struct SigningKey {
  std::optional<RsaPublic> rsa;
  std::optional<EcPublic> ec;
  // For RSA the signer receives digest_info(SHA-256, digest) and returns the raw PKCS#1 signature; for
  // EC it receives the digest and returns r||s (the token's CKM_ECDSA output).
  DigestSigner sign;
};

// Subject: "CN=a, O=b" is RFC 4514 text (most specific first, encoded in reverse, so it reads back the
// same); "/O=b/CN=a" is OpenSSL's form, already in encoding order. "\," escapes a separator; "E" and
// "S" are accepted for emailAddress and ST. Certificates carry subjectKeyIdentifier and
// authorityKeyIdentifier, keyUsage (critical) only when asked for, and no basicConstraints.
// Signature: sha256WithRSAEncryption, or ecdsa-with-SHA256/384/512 for P-256/384/521.
// BadParameter for an empty or unparsable subject, a bad SAN, an unknown key usage name, a malformed EKU OID
// or validity out of range (the message names the field).
Result<Bytes> self_signed_certificate(const X509Request& req, const SigningKey& key);  // DER
Result<Bytes> certificate_signing_request(const X509Request& req, const SigningKey& key);  // DER (PKCS#10)

// What a certificate says, for bundles, CLI output and tests.
struct CertFields {
  std::string subject, issuer;      // RFC 2253-ish one-line ("CN=a.example,O=Contoso")
  std::int64_t not_before = 0, not_after = 0;  // Unix seconds
  std::string serial_hex;           // upper-case hex of the serial's bytes (BN_bn2hex)
  std::vector<std::string> dns_names, ip_addresses, emails, upns, ekus, key_usage;
  Bytes spki_der;                   // the subject public key
  Bytes sha1, sha256;               // of the DER (x5t is base64url(sha1))
  bool self_signed = false;         // issuer == subject and the signature verifies with its own key
};
Result<CertFields> certificate_fields(ByteView cert_der);
// The subject public key of a CSR, after checking the CSR's self-signature.
Result<Bytes> csr_public_key(ByteView csr_der);

// Contents of a PFX or PEM bundle. `key` is present when the container had a private key (checked to
// match the leaf, and its private half its own public half); certificates are leaf first (the one matching
// the key, if any), then the rest.
struct CertContainer {
  std::optional<PrivateKeyParts> key;
  std::vector<Bytes> certificates;  // DER
};
// PKCS#12 with a password (empty allowed), OpenSSL 3 defaults (AES-256-CBC/PBKDF2) or legacy
// (RC2/3DES/SHA-1, via OpenSSL's legacy provider). BadParameter "the PFX password is wrong or the PFX is
// corrupt" / "no certificate in the PFX" / "the private key does not match the certificate".
Result<CertContainer> parse_pkcs12(ByteView pfx, const SecureString& password);
// PEM text with CERTIFICATE blocks and at most one private key (PKCS#8, PKCS#1, SEC1, encrypted PKCS#8).
Result<CertContainer> parse_pem_bundle(std::string_view pem, const SecureString& password);

// The PFX parser loads OpenSSL's "legacy" provider (with "default") once per process, thread-safely.
// Building the secret of a certificate: PKCS#12 without a password (AES-256-CBC, as OpenSSL 3 writes it)
// or PEM (PKCS#8 key, then certificates leaf first). Without key: certificates only.
Result<SecureBytes> make_pkcs12(const std::optional<PrivateKeyParts>& key, const std::vector<Bytes>& certs);
Result<SecureString> make_pem_bundle(const std::optional<PrivateKeyParts>& key, const std::vector<Bytes>& certs);

// A fresh key pair in software for exportable certificate keys (Key Vault's exportable keys are software
// keys): RSA 2048/3072/4096 or EC P-256/384/521. The parts are imported into the token and the PFX is made
// from them; the caller's buffers are SecureBytes.
Result<PrivateKeyParts> generate_rsa_parts(unsigned bits);
Result<PrivateKeyParts> generate_ec_parts(Curve crv);

}  // namespace cv::crypto
