// Keys: encrypt, decrypt, wrapKey, unwrapKey, sign, verify. Checks that the key may do the operation
// and that the algorithm fits the key, then hands over to keys_ops_rsa.cpp / keys_ops_ec_aes.cpp.
#include "vault/keys_ops.hpp"

namespace cv::vault {

using namespace keys_detail;

namespace {

constexpr const char* kRsaCipherAlgs = "RSA-OAEP, RSA-OAEP-256, RSA1_5";

Error alg_refused(const std::string& alg, const KeyMeta& m, const std::string& op, const std::string& allowed) {
  return bad("Algorithm '" + alg.substr(0, 40) + "' is not supported for operation " + op + " with this " +
             kind_name(m.kind) + " key. Allowed: " + allowed + ".");
}

Result<void> check_rsa_cipher_alg(const KeyMeta& m, const std::string& alg, const std::string& op) {
  if (alg == "RSA-OAEP" || alg == "RSA-OAEP-256" || alg == "RSA1_5") return {};
  return std::unexpected(alg_refused(alg, m, op, kRsaCipherAlgs));
}

// A128GCM / A192KW ...: the size in the name must be the key's.
Result<void> check_oct_alg(const KeyMeta& m, const std::string& alg, const std::string& op, const char* mode) {
  std::string want = "A" + std::to_string(m.key_size) + mode;
  if (alg == want) return {};
  return std::unexpected(alg_refused(alg, m, op, want + " (a " + std::to_string(m.key_size) + "-bit key)"));
}

// encrypt/decrypt with an oct key: A<size>GCM, A<size>CBC or A<size>CBCPAD.
enum class AesMode { Gcm, Cbc, CbcPad };
Result<AesMode> check_oct_cipher_alg(const KeyMeta& m, const std::string& alg, const std::string& op) {
  std::string a = "A" + std::to_string(m.key_size);
  if (alg == a + "GCM") return AesMode::Gcm;
  if (alg == a + "CBC") return AesMode::Cbc;
  if (alg == a + "CBCPAD") return AesMode::CbcPad;
  return std::unexpected(
      alg_refused(alg, m, op, a + "GCM, " + a + "CBC, " + a + "CBCPAD (a " + std::to_string(m.key_size) + "-bit key)"));
}

// sign/verify with an oct key: HMAC in the token.
Result<hsm::Mech> check_hmac_alg(const KeyMeta& m, const std::string& alg, const std::string& op) {
  if (alg == "HS256") return hsm::Mech::HmacSha256;
  if (alg == "HS384") return hsm::Mech::HmacSha384;
  if (alg == "HS512") return hsm::Mech::HmacSha512;
  return std::unexpected(alg_refused(alg, m, op, "HS256, HS384, HS512"));
}

Curve curve_of(crypto::SigAlg a) {
  switch (a) {
    case crypto::SigAlg::ES384:
      return Curve::P384;
    case crypto::SigAlg::ES512:
      return Curve::P521;
    case crypto::SigAlg::ES256K:
      return Curve::P256K;
    default:
      return Curve::P256;
  }
}

Result<crypto::SigAlg> check_sig_alg(const KeyMeta& m, const std::string& alg, const std::string& op) {
  std::string allowed = m.kind == KeyKind::Rsa ? "RS256, RS384, RS512, PS256, PS384, PS512"
                        : m.crv == Curve::P256  ? "ES256"
                        : m.crv == Curve::P384  ? "ES384"
                        : m.crv == Curve::P256K ? "ES256K"
                                                : "ES512";
  auto a = crypto::sig_alg_from_name(alg);
  if (!a) return std::unexpected(alg_refused(alg, m, op, allowed));
  bool es = *a == crypto::SigAlg::ES256 || *a == crypto::SigAlg::ES384 || *a == crypto::SigAlg::ES512 ||
            *a == crypto::SigAlg::ES256K;
  if (es != (m.kind == KeyKind::Ec) || (es && curve_of(*a) != m.crv))
    return std::unexpected(alg_refused(alg, m, op, allowed));
  return *a;
}

Result<void> check_digest(crypto::SigAlg a, ByteView digest) {
  std::size_t want = crypto::sig_alg_hash(a) == Hash::Sha256   ? 32
                     : crypto::sig_alg_hash(a) == Hash::Sha384 ? 48
                                                               : 64;
  if (digest.size() == want) return {};
  return std::unexpected(bad("The digest is " + std::to_string(digest.size()) + " bytes; " +
                             std::string(crypto::sig_alg_name(a)) + " signs a " + std::to_string(want) +
                             "-byte digest."));
}

}  // namespace

Result<KeyOpResult> Keys::encrypt(const std::string& name, const std::string& version, const std::string& alg,
                                  ByteView plaintext, ByteView iv, ByteView aad) {
  auto k = load_for_op(svc_, vault_, name, version, "encrypt");
  if (!k) return std::unexpected(k.error());
  if (k->meta.kind == KeyKind::Oct) {
    auto mode = check_oct_cipher_alg(k->meta, alg, "encrypt");
    if (!mode) return std::unexpected(mode.error());
    if (*mode == AesMode::Gcm) return aes_gcm_encrypt(svc_, *k, plaintext, iv, aad);
    return aes_cbc_encrypt(svc_, *k, *mode == AesMode::CbcPad, plaintext, iv);
  }
  if (auto r = check_rsa_cipher_alg(k->meta, alg, "encrypt"); !r) return std::unexpected(r.error());
  return rsa_encrypt(*k, alg, plaintext);
}

Result<KeyOpResult> Keys::decrypt(const std::string& name, const std::string& version, const std::string& alg,
                                  ByteView ciphertext, ByteView iv, ByteView aad, ByteView tag) {
  auto k = load_for_op(svc_, vault_, name, version, "decrypt");
  if (!k) return std::unexpected(k.error());
  if (k->meta.kind == KeyKind::Oct) {
    auto mode = check_oct_cipher_alg(k->meta, alg, "decrypt");
    if (!mode) return std::unexpected(mode.error());
    if (*mode == AesMode::Gcm) return aes_gcm_decrypt(svc_, *k, ciphertext, iv, aad, tag);
    return aes_cbc_decrypt(svc_, *k, *mode == AesMode::CbcPad, ciphertext, iv);
  }
  if (auto r = check_rsa_cipher_alg(k->meta, alg, "decrypt"); !r) return std::unexpected(r.error());
  return rsa_decrypt(svc_, *k, alg, ciphertext);
}

Result<KeyOpResult> Keys::wrap(const std::string& name, const std::string& version, const std::string& alg,
                               ByteView key) {
  auto k = load_for_op(svc_, vault_, name, version, "wrapKey");
  if (!k) return std::unexpected(k.error());
  if (k->meta.kind == KeyKind::Oct) {
    if (auto r = check_oct_alg(k->meta, alg, "wrapKey", "KW"); !r) return std::unexpected(r.error());
    return aes_kw_wrap(svc_, *k, key);
  }
  if (auto r = check_rsa_cipher_alg(k->meta, alg, "wrapKey"); !r) return std::unexpected(r.error());
  return rsa_encrypt(*k, alg, key);
}

Result<KeyOpResult> Keys::unwrap(const std::string& name, const std::string& version, const std::string& alg,
                                 ByteView wrapped) {
  auto k = load_for_op(svc_, vault_, name, version, "unwrapKey");
  if (!k) return std::unexpected(k.error());
  if (k->meta.kind == KeyKind::Oct) {
    if (auto r = check_oct_alg(k->meta, alg, "unwrapKey", "KW"); !r) return std::unexpected(r.error());
    return aes_kw_unwrap(svc_, *k, wrapped);
  }
  if (auto r = check_rsa_cipher_alg(k->meta, alg, "unwrapKey"); !r) return std::unexpected(r.error());
  return rsa_decrypt(svc_, *k, alg, wrapped);
}

Result<KeyOpResult> Keys::sign(const std::string& name, const std::string& version, const std::string& alg,
                               ByteView digest) {
  auto k = load_for_op(svc_, vault_, name, version, "sign");
  if (!k) return std::unexpected(k.error());
  if (k->meta.kind == KeyKind::Oct) {
    auto mech = check_hmac_alg(k->meta, alg, "sign");
    if (!mech) return std::unexpected(mech.error());
    return hmac_sign(svc_, *k, *mech, alg, digest);
  }
  auto a = check_sig_alg(k->meta, alg, "sign");
  if (!a) return std::unexpected(a.error());
  if (auto r = check_digest(*a, digest); !r) return std::unexpected(r.error());
  return k->meta.kind == KeyKind::Ec ? ec_sign(svc_, *k, *a, digest) : rsa_sign(svc_, *k, *a, digest);
}

Result<bool> Keys::verify(const std::string& name, const std::string& version, const std::string& alg,
                          ByteView digest, ByteView signature) {
  auto k = load_for_op(svc_, vault_, name, version, "verify");
  if (!k) return std::unexpected(k.error());
  if (k->meta.kind == KeyKind::Oct) {  // a MAC is checked with the secret key: in the token
    auto mech = check_hmac_alg(k->meta, alg, "verify");
    if (!mech) return std::unexpected(mech.error());
    return hmac_verify(svc_, *k, *mech, alg, digest, signature);
  }
  auto a = check_sig_alg(k->meta, alg, "verify");
  if (!a) return std::unexpected(a.error());
  if (auto r = check_digest(*a, digest); !r) return std::unexpected(r.error());
  // Public-key math only: done in software over the stored public parts, as Key Vault's clients may.
  if (k->meta.kind == KeyKind::Ec) return crypto::verify_digest(k->meta.ec_public(), *a, digest, signature);
  return crypto::verify_digest(k->meta.rsa_public(), *a, digest, signature);
}

}  // namespace cv::vault
