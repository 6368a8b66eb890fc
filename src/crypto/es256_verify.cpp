// ES256 with a certificate's key (backup blob signatures). Every restore and `blob verify` checks a
// signature by one of a handful of signer certificates; parsing the certificate and building its
// key costs several times the verification itself, so the built key is kept by the certificate's
// SHA-256.
//
// Cache contract: keyed by SHA-256 of the whole DER, so an entry is a pure function of the bytes it
// was made from and nothing can make it stale (no invalidation). Only certificates that parsed and
// carry a P-256 key are entered; any other input takes the full path and gets the same error as
// before. Bounded (cleared when full). Thread safe: the map is behind a mutex; the EVP_PKEYs are
// only read (OpenSSL allows concurrent verification with one key, each with its own EVP_PKEY_CTX).
#include <memory>
#include <mutex>
#include <unordered_map>

#include "coldvault/crypto.hpp"
#include "crypto/public_keys.hpp"

namespace cv::crypto {
namespace {

using SharedPkey = std::shared_ptr<EVP_PKEY>;

class Es256KeyCache {
 public:
  SharedPkey find(const std::string& digest) {
    std::lock_guard lock(mu_);
    auto it = keys_.find(digest);
    return it == keys_.end() ? nullptr : it->second;
  }
  void put(const std::string& digest, SharedPkey key) {
    std::lock_guard lock(mu_);
    if (keys_.size() >= kMax)
      keys_.clear();  // a few signers in practice; a flood only costs re-parsing
    keys_.emplace(digest, std::move(key));
  }

 private:
  static constexpr std::size_t kMax = 256;
  std::mutex mu_;
  std::unordered_map<std::string, SharedPkey> keys_;
};

Es256KeyCache& cache() {
  static Es256KeyCache c;
  return c;
}

// The P-256 key of the certificate, built once per distinct certificate.
Result<SharedPkey> es256_key(ByteView cert_der) {
  const Bytes d = sha256(cert_der);
  const std::string digest(d.begin(), d.end());
  if (auto k = cache().find(digest)) return k;
  auto pub = certificate_ec_public(cert_der);
  if (!pub) return std::unexpected(pub.error());
  if (pub->curve != Curve::P256)
    return fail(Errc::BadParameter, "ES256 needs a certificate with a P-256 key");
  auto pkey = detail::ec_public_pkey(*pub);
  if (!pkey) return std::unexpected(pkey.error());
  SharedPkey shared(pkey->release(), EVP_PKEY_free);
  cache().put(digest, shared);
  return shared;
}

}  // namespace

Result<bool> verify_es256(ByteView cert_der, ByteView signing_input, ByteView sig_raw_rs) {
  auto key = es256_key(cert_der);
  if (!key) return std::unexpected(key.error());
  return detail::verify_ecdsa_raw(key->get(), 32, sha256(signing_input), sig_raw_rs);
}

}  // namespace cv::crypto
