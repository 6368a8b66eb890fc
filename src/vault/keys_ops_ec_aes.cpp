// EC signing and oct (AES) key operations, all in the token on the key's cached session object.
#include "vault/key_material.hpp"
#include "vault/keys_ops.hpp"

namespace cv::vault::keys_detail {
namespace {

constexpr std::size_t kIvBytes = 12, kTagBytes = 16, kCbcIvBytes = 16, kBlock = 16;

SecureBytes secure(ByteView b) { return SecureBytes(b.begin(), b.end()); }

std::string cbc_alg(const LoadedKey& k, bool pad) {
  return "A" + std::to_string(k.meta.key_size) + (pad ? "CBCPAD" : "CBC");
}

// The token's refusal of an HMAC key shorter than the hash (SoftHSM's minimum is the hash length; PKCS#11
// leaves it to the token: C_GetMechanismInfo's ulMinKeySize) said in terms of the key and the alg.
Error hmac_refused(Error e, const LoadedKey& k, const std::string& alg) {
  if (e.native != "CKR_KEY_SIZE_RANGE") return e;
  return Error{Errc::Unsupported,
               "This HSM token refuses " + alg + " with a " + std::to_string(k.meta.key_size) +
                   "-bit key (CKR_KEY_SIZE_RANGE): it takes HMAC keys at least as long as the hash. Use a " +
                   "shorter hash (HS256 with a 256-bit key) or a token that accepts the key.",
               e.native, {}, {}};
}

}  // namespace

Result<KeyOpResult> ec_sign(Service& svc, const LoadedKey& k, crypto::SigAlg, ByteView digest) {
  auto& t = svc.token();
  // CKM_ECDSA signs a digest; SoftHSM lacks CKM_ECDSA_SHA256 and friends, and a digest is what we have.
  if (auto r = t.require(hsm::Mech::Ecdsa); !r) return std::unexpected(r.error());
  auto h = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  auto sig = t.sign(hsm::Mech::Ecdsa, *h, digest);
  if (!sig) return std::unexpected(sig.error());
  if (sig->size() != 2 * curve_bytes(k.meta.crv))
    return fail(Errc::HsmFailure, "the token returned an ECDSA signature of " + std::to_string(sig->size()) +
                                      " bytes, not r||s");
  return KeyOpResult{k.kid, secure(*sig), {}, {}, {}};
}

Result<KeyOpResult> aes_gcm_encrypt(Service& svc, const LoadedKey& k, ByteView plaintext, ByteView iv_in,
                                    ByteView aad) {
  // A GCM nonce used twice under one key gives away the XOR of the plaintexts and the authentication
  // key; an oct key is shared by every caller allowed to encrypt with it, and no caller can know which
  // nonces the others chose. So the token picks every nonce, as Azure Managed HSM does.
  if (!iv_in.empty())
    return std::unexpected(bad("iv must not be supplied for AES-GCM encryption: the HSM generates it."));
  auto& t = svc.token();
  auto iv = t.random(kIvBytes);
  if (!iv) return std::unexpected(iv.error());
  auto h = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  auto ct = t.gcm_encrypt(*h, *iv, aad, plaintext);
  if (!ct) return std::unexpected(ct.error());
  if (ct->size() < kTagBytes) return fail(Errc::HsmFailure, "AES-GCM output shorter than its tag");
  // Key Vault returns the tag apart from the ciphertext.
  auto split = ct->end() - static_cast<std::ptrdiff_t>(kTagBytes);
  KeyOpResult r{k.kid, SecureBytes(ct->begin(), split), std::move(*iv), Bytes(split, ct->end()),
                Bytes(aad.begin(), aad.end())};
  return r;
}

Result<KeyOpResult> aes_gcm_decrypt(Service& svc, const LoadedKey& k, ByteView ciphertext, ByteView iv,
                                    ByteView aad, ByteView tag) {
  if (iv.size() != kIvBytes)
    return std::unexpected(bad("The iv is " + std::to_string(iv.size()) + " bytes; AES-GCM takes 12."));
  if (tag.size() != kTagBytes)
    return std::unexpected(bad("The tag is " + std::to_string(tag.size()) + " bytes; AES-GCM takes 16."));
  auto h = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  Bytes joined(ciphertext.begin(), ciphertext.end());
  joined.insert(joined.end(), tag.begin(), tag.end());
  auto pt = svc.token().gcm_decrypt(*h, iv, aad, joined);
  if (!pt) {
    if (pt.error().code == Errc::Corruption)
      return std::unexpected(bad("Decryption failed: the ciphertext, iv, aad or tag does not authenticate."));
    return std::unexpected(pt.error());
  }
  return KeyOpResult{k.kid, std::move(*pt), Bytes(iv.begin(), iv.end()), Bytes(tag.begin(), tag.end()),
                     Bytes(aad.begin(), aad.end())};
}

Result<KeyOpResult> aes_cbc_encrypt(Service& svc, const LoadedKey& k, bool pad, ByteView plaintext,
                                    ByteView iv_in) {
  if (!iv_in.empty() && iv_in.size() != kCbcIvBytes)
    return std::unexpected(bad("The iv is " + std::to_string(iv_in.size()) + " bytes; AES-CBC takes 16."));
  if (!pad && plaintext.size() % kBlock != 0)
    return std::unexpected(bad(cbc_alg(k, pad) + " encrypts whole 16-byte blocks; the plaintext is " +
                               std::to_string(plaintext.size()) + " bytes. Use " + cbc_alg(k, true) +
                               " to have it padded."));
  auto& t = svc.token();
  auto mech = pad ? hsm::Mech::AesCbcPad : hsm::Mech::AesCbc;
  if (auto r = t.require(mech); !r) return std::unexpected(r.error());
  Bytes iv(iv_in.begin(), iv_in.end());
  if (iv.empty()) {  // the caller may leave the iv to the service, which returns it
    auto r = t.random(kCbcIvBytes);
    if (!r) return std::unexpected(r.error());
    iv = std::move(*r);
  }
  auto h = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  auto ct = t.cbc_encrypt(mech, *h, iv, plaintext);
  if (!ct) return std::unexpected(ct.error());
  return KeyOpResult{k.kid, secure(*ct), std::move(iv), {}, {}};
}

Result<KeyOpResult> aes_cbc_decrypt(Service& svc, const LoadedKey& k, bool pad, ByteView ciphertext, ByteView iv) {
  if (iv.size() != kCbcIvBytes)
    return std::unexpected(bad("The iv is " + std::to_string(iv.size()) + " bytes; AES-CBC takes 16."));
  if (ciphertext.empty() || ciphertext.size() % kBlock != 0)
    return std::unexpected(bad("The ciphertext is " + std::to_string(ciphertext.size()) + " bytes; " +
                               cbc_alg(k, pad) + " ciphertext is whole 16-byte blocks."));
  auto& t = svc.token();
  auto mech = pad ? hsm::Mech::AesCbcPad : hsm::Mech::AesCbc;
  if (auto r = t.require(mech); !r) return std::unexpected(r.error());
  auto h = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  auto pt = t.cbc_decrypt(mech, *h, iv, ciphertext);
  if (!pt) {
    // SoftHSM reports a padding that does not check out as CKR_ENCRYPTED_DATA_INVALID or CKR_GENERAL_ERROR.
    if (hsm::input_rejected(pt.error()))
      return std::unexpected(bad("Decryption failed: the padding does not check out (wrong key, iv or ciphertext)."));
    return std::unexpected(pt.error());
  }
  return KeyOpResult{k.kid, std::move(*pt), Bytes(iv.begin(), iv.end()), {}, {}};
}

Result<KeyOpResult> hmac_sign(Service& svc, const LoadedKey& k, hsm::Mech mech, const std::string& alg,
                              ByteView data) {
  auto& t = svc.token();
  if (auto r = t.require(mech); !r) return std::unexpected(r.error());
  auto h = cached_hmac_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  auto mac = t.sign(mech, *h, data);
  if (!mac) return std::unexpected(hmac_refused(mac.error(), k, alg));
  return KeyOpResult{k.kid, secure(*mac), {}, {}, {}};
}

Result<bool> hmac_verify(Service& svc, const LoadedKey& k, hsm::Mech mech, const std::string& alg, ByteView data,
                         ByteView mac) {
  auto& t = svc.token();
  if (auto r = t.require(mech); !r) return std::unexpected(r.error());
  auto h = cached_hmac_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  auto ok = t.verify(mech, *h, data, mac);
  if (!ok) return std::unexpected(hmac_refused(ok.error(), k, alg));
  return *ok;
}

Result<KeyOpResult> aes_kw_wrap(Service& svc, const LoadedKey& k, ByteView key) {
  if (key.size() < 16 || key.size() > 128 || key.size() % 8 != 0)
    return std::unexpected(bad("The key to wrap is " + std::to_string(key.size()) +
                               " bytes; AES key wrap takes 16 to 128 bytes in multiples of 8."));
  auto& t = svc.token();
  if (auto r = t.require(hsm::Mech::AesKeyWrap); !r) return std::unexpected(r.error());
  auto kek = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!kek) return std::unexpected(kek.error());
  // C_WrapKey wraps objects, not bytes: the caller's key enters the token for the duration of the call.
  auto obj = t.import_secret_key(hsm::KeyType::GenericSecret, secure(key), hsm::KeyUsage{.extractable = true});
  if (!obj) return std::unexpected(obj.error());
  HandleGuard guard(t);
  guard.add(*obj);
  auto wrapped = t.wrap(hsm::Mech::AesKeyWrap, *kek, *obj);
  if (!wrapped) return std::unexpected(wrapped.error());
  return KeyOpResult{k.kid, secure(*wrapped), {}, {}, {}};
}

Result<KeyOpResult> aes_kw_unwrap(Service& svc, const LoadedKey& k, ByteView wrapped) {
  if (wrapped.size() < 24 || wrapped.size() > 136 || wrapped.size() % 8 != 0)
    return std::unexpected(bad("The wrapped key is " + std::to_string(wrapped.size()) +
                               " bytes; AES key wrap output is 24 to 136 bytes in multiples of 8."));
  auto& t = svc.token();
  if (auto r = t.require(hsm::Mech::AesKeyWrap); !r) return std::unexpected(r.error());
  auto kek = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!kek) return std::unexpected(kek.error());
  auto value = t.unwrap_secret_value(hsm::Mech::AesKeyWrap, *kek, wrapped);
  if (!value) {
    if (value.error().code == Errc::Corruption || value.error().code == Errc::BadParameter)
      return std::unexpected(bad("Unwrap failed: the wrapped key does not unwrap with this key."));
    return std::unexpected(value.error());
  }
  return KeyOpResult{k.kid, std::move(*value), {}, {}, {}};
}

}  // namespace cv::vault::keys_detail
