// Authenticators of catalogue rows under the home's integrity key (src/vault/integrity.hpp).
#include "vault/integrity.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "coldvault/crypto.hpp"

namespace cv::vault {
namespace {
// GCM over a fixed 16-byte block rather than an empty plaintext: zero-length C_Encrypt/C_Decrypt are edge
// cases that tokens treat differently (NULL data pointers, size queries), and the block costs nothing.
constexpr std::size_t kIvBytes = 12, kSealedBytes = 32;
constexpr std::uint8_t kBlock[16] = {};
}  // namespace

Result<Bytes> Integrity::seal(std::string_view binding) {
  auto iv = token_->random(kIvBytes);
  if (!iv) return std::unexpected(iv.error());
  auto sealed = token_->gcm_encrypt(key_, *iv, as_bytes(binding), ByteView(kBlock, sizeof kBlock));
  if (!sealed) return std::unexpected(sealed.error());
  Bytes out = std::move(*iv);
  out.insert(out.end(), sealed->begin(), sealed->end());
  return out;
}

Result<void> Integrity::check(std::string_view binding, ByteView auth, const std::string& what) {
  auto corrupt = [&] {
    // Logged here, once: whoever sees the error may only see its code.
    std::cerr << "coldvault: integrity: " << what << " fails its integrity check\n";
    return fail(Errc::Corruption, what + " fails its integrity check: the catalogue was altered outside coldvault");
  };
  if (auth.size() != kIvBytes + kSealedBytes) return corrupt();
  Bytes both(binding.begin(), binding.end());
  both.insert(both.end(), auth.begin(), auth.end());
  std::string seen = to_hex(crypto::sha256(both));
  if (verified_.contains(seen)) return {};
  auto ok = token_->gcm_decrypt(key_, auth.subspan(0, kIvBytes), as_bytes(binding), auth.subspan(kIvBytes));
  if (!ok) return ok.error().code == Errc::Corruption ? corrupt() : std::unexpected(ok.error());
  if (order_.size() == kVerifiedMax) {
    verified_.erase(order_.front());
    order_.pop_front();
  }
  verified_.insert(seen);
  order_.push_back(std::move(seen));
  return {};
}

std::string key_row_binding(const std::string& vault, const std::string& name, const store::VersionRow& v) {
  nlohmann::json b = {"coldvault-key-row-v1", vault, name, v.version, v.meta_json,
                      to_hex(crypto::sha256(v.ciphertext)), v.enabled,
                      v.nbf ? nlohmann::json(*v.nbf) : nlohmann::json(nullptr),
                      v.exp ? nlohmann::json(*v.exp) : nlohmann::json(nullptr)};
  return b.dump();
}

Result<void> Integrity::seal(const std::string& vault, store::ObjType, const std::string& name,
                             store::VersionRow& v) {
  auto auth = seal(key_row_binding(vault, name, v));
  if (!auth) return std::unexpected(auth.error());
  v.iv = std::move(*auth);
  return {};
}

Result<void> Integrity::check(const std::string& vault, store::ObjType, const std::string& name,
                              const store::VersionRow& v) {
  return check(key_row_binding(vault, name, v), v.iv, "key row " + vault + "/" + name + "/" + v.version);
}

}  // namespace cv::vault
