// Making and opening the encrypt-then-sign body of a blob with the token (docs/blob-format.md §2-5).
// Private to src/backup.
#pragma once

#include <optional>

#include "coldvault/backup.hpp"
#include "coldvault/vault.hpp"

namespace cv::backup {

// A blob being made: the CEK exists as a session object in the token from begin() until destruction, so
// key material can be wrapped under it before the payload is sealed.
class Sealer {
 public:
  static Result<Sealer> begin(vault::Service& svc, const vault::VaultKeys& vk);
  Sealer(Sealer&& o) noexcept : svc_(o.svc_), vk_(o.vk_), cek_(o.cek_) { o.cek_ = {}; }
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;
  ~Sealer();

  hsm::Handle cek() const { return cek_; }
  // Fills manifest.domain/created/signer/payloadSha256, encrypts `payload` under the CEK inside the token,
  // wraps the CEK to the domain key, signs, and returns the envelope bytes.
  Result<Bytes> finish(Manifest manifest, const SecureString& payload);

 private:
  Sealer(vault::Service& svc, const vault::VaultKeys& vk, hsm::Handle cek) : svc_(&svc), vk_(&vk), cek_(cek) {}
  vault::Service* svc_;
  const vault::VaultKeys* vk_;
  hsm::Handle cek_;
};

// An opened blob: signature checked, signer vouched for by the domain's registry, CEK unwrapped in the token (destroyed with this object), payload
// decrypted and checked against the manifest digest.
class Opened {
 public:
  static Result<Opened> open(vault::Service& svc, ByteView blob, const std::string& expected_type);
  Opened(Opened&& o) noexcept;
  Opened(const Opened&) = delete;
  Opened& operator=(const Opened&) = delete;
  ~Opened();

  Envelope envelope;
  Manifest manifest;
  std::string signer_fingerprint;
  std::string anchor;  // SHA-256 of the registry entry that vouched for the signer
  SecureString payload;
  hsm::Handle cek() const { return cek_; }

 private:
  Opened() = default;
  vault::Service* svc_ = nullptr;
  hsm::Handle cek_;
};

// The certificates of x5c (leaf first) that decode; an entry that is not base64 is left out.
std::vector<Bytes> x5c_chain(const Envelope& e);

// ES256 signature of the JWS with x5c[0]; BadParameter naming what failed.
Result<Bytes> check_signature(const Envelope& e);

}  // namespace cv::backup
