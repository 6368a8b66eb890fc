// Wrapping key material for the catalogue and unwrapping it into session objects. See key_material.hpp.
#include "vault/key_material.hpp"

#include "vault/key_cache.hpp"
#include "vault/key_meta.hpp"

namespace cv::vault {
namespace {

hsm::KeyType type_of(KeyKind k) {
  switch (k) {
    case KeyKind::Rsa:
      return hsm::KeyType::Rsa;
    case KeyKind::Ec:
      return hsm::KeyType::Ec;
    case KeyKind::Oct:
      return hsm::KeyType::Aes;
  }
  return hsm::KeyType::Aes;
}

hsm::KeyUsage usage_of(KeyKind k, bool extractable) {
  hsm::KeyUsage u;
  u.extractable = extractable;
  switch (k) {
    case KeyKind::Rsa:
      u.decrypt = u.sign = u.unwrap = true;
      break;
    case KeyKind::Ec:
      u.sign = true;
      break;
    case KeyKind::Oct:
      u.encrypt = u.decrypt = u.wrap = u.unwrap = true;
      break;
  }
  return u;
}

}  // namespace

hsm::KeyType key_type_of(const store::VersionRow& v) {
  auto m = KeyMeta::parse(v.meta_json);
  return m ? type_of(m->kind) : hsm::KeyType::Aes;
}

hsm::KeyUsage key_usage_of(const store::VersionRow& v, bool extractable) {
  auto m = KeyMeta::parse(v.meta_json);
  return m ? usage_of(m->kind, extractable) : hsm::KeyUsage{};
}

namespace {

Result<hsm::Handle> unwrap_as(Service& svc, const VaultKeys& vk, const store::VersionRow& v, hsm::KeyType type,
                              const hsm::KeyUsage& usage) {
  auto h = svc.token().unwrap(hsm::Mech::AesKeyWrapPad, vk.master, v.ciphertext, type, usage);
  // The row is at fault only when the token says the bytes are wrong: RFC 5649's failed check, which SoftHSM
  // reports as CKR_GENERAL_ERROR. A token out of memory, removed or failing otherwise keeps its own error.
  if (h || !hsm::input_rejected(h.error())) return h;
  return fail(Errc::Corruption,
              "key version " + v.version + ": stored key material does not unwrap under the vault master key (" +
                  h.error().message + ")",
              h.error().native);
}

}  // namespace

Result<hsm::Handle> unwrap_stored_key(Service& svc, const VaultKeys& vk, const store::VersionRow& v,
                                      bool extractable) {
  auto m = KeyMeta::parse(v.meta_json);
  if (!m) return std::unexpected(m.error());
  return unwrap_as(svc, vk, v, type_of(m->kind), usage_of(m->kind, extractable));
}

Result<Bytes> wrap_for_store(Service& svc, const VaultKeys& vk, hsm::Handle key) {
  return svc.token().wrap(hsm::Mech::AesKeyWrapPad, vk.master, key);
}

Result<void> check_material_matches(Service& svc, hsm::Handle key, const store::VersionRow& v) {
  auto m = KeyMeta::parse(v.meta_json);
  if (!m) return fail(Errc::BadParameter, "malformed key description: " + m.error().message);
  auto mismatch = [&] {
    return fail(Errc::BadParameter, "key version " + v.version +
                                        ": the public key it describes does not belong to its key material");
  };
  auto& t = svc.token();
  switch (m->kind) {
    case KeyKind::Rsa: {
      // A private key object carries its modulus and exponent as public attributes.
      auto pub = t.rsa_public(key);
      if (!pub) return std::unexpected(pub.error());
      if (pub->n != m->n || pub->e != m->e) return mismatch();
      return {};
    }
    case KeyKind::Ec: {
      // PKCS#11 keeps no point on an EC private key: sign a fresh digest and verify it with the described point.
      auto digest = t.random(32);
      if (!digest) return std::unexpected(digest.error());
      auto sig = t.sign(hsm::Mech::Ecdsa, key, *digest);
      if (!sig) return std::unexpected(sig.error());
      auto pub = t.import_ec_public(m->ec_public());
      if (!pub) return mismatch();
      auto ok = t.verify(hsm::Mech::Ecdsa, *pub, *digest, *sig);
      (void)t.destroy(*pub);
      if (!ok) return std::unexpected(ok.error());
      if (!*ok) return mismatch();
      return {};
    }
    case KeyKind::Oct:
      return {};  // no public part to disagree with
  }
  return {};
}

Result<hsm::Handle> cached_key(Service& svc, const VaultKeys& vk, const std::string& name,
                               const store::VersionRow& v) {
  auto& cache = svc.key_cache();
  std::string key = key_cache_key(vk.row.name, name, v.version);
  if (auto h = cache.find(key)) return *h;
  auto h = unwrap_stored_key(svc, vk, v, false);
  if (!h) return std::unexpected(h.error());
  cache.put(svc.token(), key, *h);
  return *h;
}

Result<hsm::Handle> cached_hmac_key(Service& svc, const VaultKeys& vk, const std::string& name,
                                    const store::VersionRow& v) {
  auto& cache = svc.key_cache();
  std::string key = key_cache_key(vk.row.name, name, v.version) + "|hmac";
  if (auto h = cache.find(key)) return *h;
  auto h = unwrap_as(svc, vk, v, hsm::KeyType::GenericSecret, hsm::KeyUsage{.sign = true, .verify = true});
  if (!h) return std::unexpected(h.error());
  cache.put(svc.token(), key, *h);
  return *h;
}

}  // namespace cv::vault
