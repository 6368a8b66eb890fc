// Private to src/crypto: the pieces the certificate files share (x509_build.cpp, x509_fields.cpp,
// pkcs12.cpp, pem_bundle.cpp, keygen.cpp). Private keys cross between PrivateKeyParts and EVP_PKEY
// only here; both directions keep secret parts in SecureBytes or BN_clear_free'd BIGNUMs.
#pragma once

#include <openssl/pkcs12.h>

#include <vector>

#include "coldvault/x509.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto::detail {

using X509ReqPtr = std::unique_ptr<X509_REQ, ossl::Deleter<X509_REQ_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, ossl::Deleter<PKCS12_free>>;
struct X509StackFree {
  void operator()(STACK_OF(X509) * sk) const noexcept { sk_X509_pop_free(sk, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

// The parts of a private RSA or EC key OpenSSL holds (private_key_parse.cpp). BadParameter when a
// part is missing, Unsupported for other key types, multi-prime RSA or curves other than
// P-256/384/521.
// REQUIRES: a key OpenSSL made itself (key generation); a key read from a file goes through the next one.
Result<PrivateKeyParts> private_parts_of(const EVP_PKEY* pkey);
// The same for a key read from a caller's file (PEM, PEM bundle, PKCS#12), after OpenSSL's pairwise check:
// BadParameter when the file's public half is not its private half's.
Result<PrivateKeyParts> imported_private_parts_of(const EVP_PKEY* pkey);
// The reverse (keygen.cpp): a key pair from parts, checked with OpenSSL's pairwise key check.
// BadParameter when the parts do not form a consistent key. Free the result promptly.
Result<ossl::PkeyPtr> pkey_from_parts(const PrivateKeyParts& parts);

// The request's policy (x509_policy.cpp). Each returns BadParameter naming the field.
// Subject (x509_subject.cpp): "CN=a, O=b" is RFC 4514 text (most specific first, so it is encoded in
// reverse); "/O=b/CN=a" is OpenSSL's form, already in encoding order. Attribute names in any case
// ("cn", "Ou"), multi-valued RDNs ("OU=a+CN=b"), quoted values ("O=\"Contoso, Ltd\"") and backslash
// escapes ("\,", "\2C").
Result<ossl::X509NamePtr> parse_subject(std::string_view subject);
struct ExtStackFree {
  void operator()(STACK_OF(X509_EXTENSION) * sk) const noexcept {
    sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
  }
};
using ExtStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtStackFree>;
// subjectAltName, extendedKeyUsage and keyUsage (critical) as the request asks; absent when empty.
Result<ExtStackPtr> policy_extensions(const X509Request& req);
// Adds one extension given in OpenSSL config syntax, with the certificate as subject and issuer
// (subjectKeyIdentifier "hash", authorityKeyIdentifier "keyid:always", basicConstraints ...).
Result<void> add_conf_extension(X509* cert, int nid, const char* value);

// One-line RFC 2253 form of a name ("CN=a.example,O=Contoso"); empty if it cannot be printed.
std::string x509_name_text(const X509_NAME* name);

// Parses certificate DER, rejecting trailing bytes; BadParameter naming `what` otherwise.
Result<ossl::X509Ptr> parse_x509_der(ByteView der, const std::string& what);

// Turns what a container held into a CertContainer: with a key, the certificate whose public key
// equals the key's moves to the front (BadParameter "the private key does not match the
// certificate" if none does); the others keep their order. BadParameter `no_cert_message` when
// `certs` is empty.
Result<CertContainer> assemble_container(EVP_PKEY* key, std::vector<ossl::X509Ptr> certs,
                                         const char* no_cert_message);

// pem_password_cb handing over a SecureString (user data); an empty password yields 0, which
// OpenSSL takes as "no passphrase" instead of prompting on a terminal.
int secure_password_cb(char* buf, int size, int rwflag, void* user);

}  // namespace cv::crypto::detail
