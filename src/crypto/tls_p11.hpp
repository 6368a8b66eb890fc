// libp11's handles for a TLS key in a token (src/crypto/tls_p11.cpp). Private to src/crypto: the
// only folder that includes OpenSSL, and so libp11.
#pragma once

#include <memory>

#include "coldvault/tls_server.hpp"
#include "crypto/ossl.hpp"

namespace cv::crypto::detail {

// One libp11 context with its slot list, torn down in the order libp11 needs (keys, slots, module,
// context). See tls_server.hpp for what that teardown does to other users of the module.
class P11Context;
struct P11ContextDeleter {
  void operator()(P11Context* c) const noexcept;
};
using P11ContextPtr = std::unique_ptr<P11Context, P11ContextDeleter>;

struct TokenKey {
  P11ContextPtr context;  // must outlive key: the EVP_PKEY's operations run through it
  ossl::PkeyPtr key;      // private key whose sign operation is C_Sign in the token
};

// Loads the module, finds the token by label, logs in and returns the private key labelled
// where.key_label.
Result<TokenKey> load_token_key(const TokenKeyLocation& where, const SecureBytes& pin);

}  // namespace cv::crypto::detail
