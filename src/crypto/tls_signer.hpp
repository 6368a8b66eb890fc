// An OpenSSL private key whose ECDSA signature is made by a callback (src/crypto/tls_signer.cpp):
// the server's TLS key in the token, signed through one of coldvault's own Tokens. Private to
// src/crypto, the only folder that includes OpenSSL.
#pragma once

#include <openssl/x509.h>

#include "coldvault/tls_server.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto::detail {

// An EVP_PKEY with the EC public key of `leaf` (P-256 only) and no private part: OpenSSL's ECDSA on
// it (TLS handshakes, X509_check_private_key's comparison of public halves) reaches `sign` for the
// signature itself. The key owns its copy of `sign`. BadParameter when the certificate's key is not
// EC P-256.
Result<ossl::PkeyPtr> callback_key(const X509* leaf, EcdsaSigner sign);

}  // namespace cv::crypto::detail
