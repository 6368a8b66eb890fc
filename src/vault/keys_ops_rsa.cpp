// RSA key operations. Decryption and signing run in the token on the key's cached session object;
// encryption uses the stored public parts in software (public data, as any Key Vault client may).
//
// SoftHSM 2.6.1 does OAEP with SHA-1 only (pkcs11-facts.md), so RSA-OAEP-256 decryption runs the bare
// RSA private-key operation in the token (CKM_RSA_X_509, as libp11 does) and removes the OAEP padding in
// src/crypto; RSA-OAEP does the same when a token lacks CKM_RSA_PKCS_OAEP. Mechanisms are probed.
#include "vault/key_material.hpp"
#include "vault/keys_ops.hpp"

namespace cv::vault::keys_detail {
namespace {

// One message for every decryption failure: distinguishable padding errors feed oracle attacks.
Result<KeyOpResult> decryption_failed(const Error& e) {
  if (e.code == Errc::Corruption || e.code == Errc::BadParameter)
    return std::unexpected(bad("Decryption failed: the ciphertext does not decrypt with this key and algorithm."));
  return std::unexpected(e);
}

// EMSA-PKCS1-v1_5 block 00 01 FF..FF 00 || DigestInfo, for signing through CKM_RSA_X_509 on a token
// without CKM_RSA_PKCS.
Result<Bytes> pkcs1_sign_block(ByteView digest_info, std::size_t k) {
  if (digest_info.size() + 11 > k) return std::unexpected(bad("The key is too small for this digest."));
  Bytes em(k, 0xFF);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - digest_info.size() - 1] = 0x00;
  std::copy(digest_info.begin(), digest_info.end(), em.end() - static_cast<std::ptrdiff_t>(digest_info.size()));
  return em;
}

}  // namespace

Result<KeyOpResult> rsa_encrypt(const LoadedKey& k, const std::string& alg, ByteView plaintext) {
  auto pub = k.meta.rsa_public();
  Result<Bytes> ct = alg == "RSA1_5"        ? crypto::rsa_encrypt_pkcs1(pub, plaintext)
                     : alg == "RSA-OAEP-256" ? crypto::rsa_encrypt_oaep(pub, Hash::Sha256, plaintext)
                                            : crypto::rsa_encrypt_oaep(pub, Hash::Sha1, plaintext);
  if (!ct)
    return std::unexpected(bad("The value cannot be encrypted with " + alg + " under a " +
                               std::to_string(k.meta.key_size) + "-bit key (" + ct.error().message + ")."));
  return KeyOpResult{k.kid, SecureBytes(ct->begin(), ct->end()), {}, {}, {}};
}

Result<KeyOpResult> rsa_decrypt(Service& svc, const LoadedKey& k, const std::string& alg, ByteView ciphertext) {
  const std::size_t mod = k.meta.modulus_bytes();
  if (ciphertext.size() != mod)
    return std::unexpected(bad("The ciphertext is " + std::to_string(ciphertext.size()) + " bytes; a " +
                               std::to_string(k.meta.key_size) + "-bit RSA key takes exactly " +
                               std::to_string(mod) + "."));
  auto& t = svc.token();
  auto h = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  Result<SecureBytes> pt = std::unexpected(Error{});
  if (alg == "RSA1_5") {
    if (auto r = t.require(hsm::Mech::RsaPkcs1); !r) return std::unexpected(r.error());
    pt = t.decrypt(hsm::Mech::RsaPkcs1, *h, ciphertext);
  } else if (alg == "RSA-OAEP" && t.has(hsm::Mech::RsaOaepSha1)) {
    pt = t.decrypt(hsm::Mech::RsaOaepSha1, *h, ciphertext);
  } else {
    if (auto r = t.require(hsm::Mech::RsaRaw); !r) return std::unexpected(r.error());
    auto em = t.decrypt(hsm::Mech::RsaRaw, *h, ciphertext);
    if (!em) return decryption_failed(em.error());
    pt = crypto::oaep_decode(*em, alg == "RSA-OAEP" ? Hash::Sha1 : Hash::Sha256, mod);
  }
  if (!pt) return decryption_failed(pt.error());
  return KeyOpResult{k.kid, std::move(*pt), {}, {}, {}};
}

Result<KeyOpResult> rsa_sign(Service& svc, const LoadedKey& k, crypto::SigAlg alg, ByteView digest) {
  auto& t = svc.token();
  auto h = cached_key(svc, *k.vk, k.object.name, k.row);
  if (!h) return std::unexpected(h.error());
  const Hash hash = crypto::sig_alg_hash(alg);
  Result<Bytes> sig = std::unexpected(Error{});
  if (alg == crypto::SigAlg::PS256 || alg == crypto::SigAlg::PS384 || alg == crypto::SigAlg::PS512) {
    // The adapter sets the salt length to the digest length, as JOSE PS* requires.
    if (auto r = t.require(hsm::Mech::RsaPss); !r) return std::unexpected(r.error());
    sig = t.sign(hsm::Mech::RsaPss, *h, digest, hash);
  } else {
    Bytes di = crypto::digest_info(hash, digest);
    if (t.has(hsm::Mech::RsaPkcs1)) {
      sig = t.sign(hsm::Mech::RsaPkcs1, *h, di);
    } else {
      if (auto r = t.require(hsm::Mech::RsaRaw); !r) return std::unexpected(r.error());
      auto em = pkcs1_sign_block(di, k.meta.modulus_bytes());
      if (!em) return std::unexpected(em.error());
      sig = t.sign(hsm::Mech::RsaRaw, *h, *em);
    }
  }
  if (!sig) return std::unexpected(sig.error());
  return KeyOpResult{k.kid, SecureBytes(sig->begin(), sig->end()), {}, {}, {}};
}

}  // namespace cv::vault::keys_detail
