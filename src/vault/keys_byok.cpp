// BYOK both ways (docs/keys.md, "BYOK"): a Key Vault .byok transfer blob unwrapped inside the token under a
// key-exchange key (KEK) of this vault, and a key of this vault wrapped, inside the token, into such a blob for
// someone else's KEK. No key exists in clear outside the token: the ephemeral AES key and the moved key are
// session objects, destroyed before returning; an imported key leaves only wrapped under the vault master key.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "coldvault/base64.hpp"
#include "coldvault/byok.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/certificates.hpp"
#include "coldvault/ec_recover.hpp"
#include "vault/key_material.hpp"
#include "vault/keys_common.hpp"

namespace cv::vault {

Result<keys_detail::ByokBlob> keys_detail::parse_byok_blob(std::string_view key_hsm) {
  auto raw = base64url_decode_lenient_padding(key_hsm);
  if (!raw) return std::unexpected(bad("Property 'key_hsm' is not base64url."));
  auto j = nlohmann::json::parse(raw->begin(), raw->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::unexpected(bad("Property 'key_hsm' is not a BYOK JSON object."));
  auto str = [&](const nlohmann::json& o, const char* f) -> std::optional<std::string> {
    auto it = o.find(f);
    if (it == o.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto h = j.find("header");
  if (h == j.end() || !h->is_object()) return std::unexpected(bad("The key_hsm BYOK blob has no 'header' object."));
  auto kid = str(*h, "kid");
  if (!kid || kid->empty()) return std::unexpected(bad("The key_hsm BYOK blob has no 'header.kid'."));
  if (str(*h, "alg") != "dir") return std::unexpected(bad("The key_hsm BYOK blob's 'header.alg' must be \"dir\"."));
  if (str(*h, "enc") != "CKM_RSA_AES_KEY_WRAP")
    return std::unexpected(bad("The key_hsm BYOK blob's 'header.enc' must be \"CKM_RSA_AES_KEY_WRAP\"."));
  if (j.find("schema_version") == j.end())
    return std::unexpected(bad("The key_hsm BYOK blob has no 'schema_version'."));
  auto ct = str(j, "ciphertext");
  if (!ct) return std::unexpected(bad("The key_hsm BYOK blob has no 'ciphertext'."));
  auto bytes = base64url_decode_lenient_padding(*ct);
  if (!bytes) return std::unexpected(bad("The key_hsm BYOK blob's 'ciphertext' is not base64url."));
  return ByokBlob{*kid, std::move(*bytes)};
}

namespace {

using namespace keys_detail;
using store::ObjType;

// ".../keys/{name}/{version}" -> name, version. Both required: a KEK is named with its version.
std::optional<std::pair<std::string, std::string>> kid_parts(const std::string& kid) {
  auto at = kid.rfind("/keys/");
  if (at == std::string::npos) return std::nullopt;
  std::string rest = kid.substr(at + 6);
  auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= rest.size()) return std::nullopt;
  std::string version = rest.substr(slash + 1);
  if (version.find('/') != std::string::npos) return std::nullopt;
  return std::pair{rest.substr(0, slash), version};
}

// The public point of an EC private key in the token, which PKCS#11 does not keep on a private key object:
// recovered from two signatures the token makes over random digests (coldvault/ec_recover.hpp; public values
// only). Each signature allows at most four points; the key's is the one both allow. The curve is the
// caller's `crv` when given, else each curve of the signatures' size is tried. BadParameter when no curve
// fits (a `crv` that is not the key's).
Result<void> recover_ec_public(hsm::Token& t, hsm::Handle key, const std::optional<std::string>& crv, KeyMeta& m) {
  std::vector<Curve> curves;
  if (crv) {
    auto c = curve_of_name(*crv);
    if (!c) return std::unexpected(c.error());
    curves.push_back(*c);
  } else {
    curves.assign(std::begin(kAllCurves), std::end(kAllCurves));
  }
  Bytes digests[2];
  Bytes sigs[2];
  for (int i = 0; i < 2; ++i) {
    auto d = t.random(32);
    if (!d) return std::unexpected(d.error());
    auto sg = t.sign(hsm::Mech::Ecdsa, key, *d);
    if (!sg) return std::unexpected(sg.error());
    digests[i] = std::move(*d);
    sigs[i] = std::move(*sg);
  }
  for (Curve c : curves) {
    if (sigs[0].size() != 2 * curve_bytes(c)) continue;
    auto a = crypto::ecdsa_recover_points(c, digests[0], sigs[0]);
    auto b = crypto::ecdsa_recover_points(c, digests[1], sigs[1]);
    if (!a || !b) continue;
    std::vector<Bytes> both;
    for (const auto& q : *a)
      if (std::find(b->begin(), b->end(), q) != b->end()) both.push_back(q);
    if (both.size() != 1) continue;
    m.crv = c;
    return split_ec_point(c, both.front(), m.x, m.y);
  }
  return std::unexpected(bad(crv ? "The key_hsm target is not a " + *crv + " key."
                                 : std::string("The key_hsm target is not an EC key on P-256, P-384, P-521 or P-256K.")));
}

}  // namespace

Result<KeyBundle> Keys::import_byok(const std::string& name, std::string_view key_hsm, const KeySpec& spec) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "key", "import"); !r)
    return std::unexpected(r.error());
  auto kind = kind_of_kty(spec.kty);
  if (!kind) return std::unexpected(kind.error());
  if (*kind == KeyKind::Ec && spec.crv)
    if (auto c = curve_of_name(*spec.crv); !c) return std::unexpected(c.error());
  auto blob = parse_byok_blob(key_hsm);
  if (!blob) return std::unexpected(blob.error());
  auto parts = kid_parts(blob->kid);
  auto not_kek = [&] {
    return bad("The key_hsm header.kid " + blob->kid.substr(0, 200) +
               " does not name a key version of this vault (a KEK is named with its version).");
  };
  if (!parts) return std::unexpected(not_kek());
  auto kek = svc_.catalog().object_version(vault_, ObjType::Key, parts->first, parts->second);
  if (!kek || kek->object.deleted_date) return std::unexpected(not_kek());
  auto km = KeyMeta::parse(kek->version.meta_json);
  if (!km) return std::unexpected(km.error());
  if (km->kind != KeyKind::Rsa || !km->allows("import"))
    return std::unexpected(bad("The key " + blob->kid.substr(0, 200) +
                               " is not a key-exchange key: an RSA key with 'import' in its key_ops."));
  KeyMeta m;
  m.kty = spec.kty;
  m.kind = *kind;
  m.ops = spec.ops ? *spec.ops : supported_ops(*kind);
  if (auto r = check_ops(*kind, m.ops); !r) return std::unexpected(r.error());
  if (auto r = check_attributes(spec.attributes); !r) return std::unexpected(r.error());
  if (auto r = check_tags(spec.tags); !r) return std::unexpected(r.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  if (auto o = svc_.catalog().object(vault_, ObjType::Key, name); o && o->deleted_date)
    return std::unexpected(deleted_conflict(name));

  // ciphertext = RSA-OAEP-SHA1(KEK, AES-256 key) [KEK modulus bytes] || AES-KWP(AES key, target) [rest].
  const std::size_t head = km->modulus_bytes();
  auto no_unwrap = [&] { return bad("the key_hsm ciphertext does not unwrap under KEK " + blob->kid.substr(0, 200)); };
  if (blob->ciphertext.size() <= head + 8) return std::unexpected(no_unwrap());
  ByteView ct(blob->ciphertext);
  auto& t = svc_.token();
  HandleGuard guard(t);
  auto kek_h = unwrap_stored_key(svc_, **vk, kek->version, false);
  if (!kek_h) return std::unexpected(kek_h.error());
  guard.add(*kek_h);
  auto aes = t.unwrap(hsm::Mech::RsaOaepSha1, *kek_h, ct.first(head), hsm::KeyType::Aes,
                      hsm::KeyUsage{.unwrap = true});
  if (!aes) return std::unexpected(no_unwrap());
  guard.add(*aes);
  ByteView wrapped_target = ct.subspan(head);
  if (*kind == KeyKind::Oct) {
    // RFC 5649 output is the key padded to 8 bytes plus 8: 24, 32, 40 bytes for 128/192/256-bit keys.
    m.key_size = static_cast<unsigned>((wrapped_target.size() - 8) * 8);
    if (m.key_size != 128 && m.key_size != 192 && m.key_size != 256)
      return std::unexpected(bad("The key_hsm target is not a 128, 192 or 256-bit oct key."));
  }
  const hsm::KeyType type = *kind == KeyKind::Rsa ? hsm::KeyType::Rsa
                            : *kind == KeyKind::Ec ? hsm::KeyType::Ec
                                                   : hsm::KeyType::Aes;
  auto target = t.unwrap(hsm::Mech::AesKeyWrapPad, *aes, wrapped_target, type, new_key_usage(*kind));
  if (!target) return std::unexpected(no_unwrap());
  guard.add(*target);
  if (*kind == KeyKind::Rsa) {
    // A private key object carries its modulus and exponent as public attributes.
    auto pub = t.rsa_public(*target);
    if (!pub) return std::unexpected(pub.error());
    m.n = pub->n;
    m.e = pub->e;
    m.key_size = static_cast<unsigned>(m.n.size() * 8);
    if (!m.n.empty())
      for (std::uint8_t top = m.n[0]; (top & 0x80) == 0 && m.key_size > 0; top = static_cast<std::uint8_t>(top << 1))
        --m.key_size;
    if (m.key_size != 2048 && m.key_size != 3072 && m.key_size != 4096)
      return std::unexpected(bad("The key_hsm target RSA key is " + std::to_string(m.key_size) +
                                 " bits. Allowed: 2048, 3072, 4096."));
  } else if (*kind == KeyKind::Ec) {
    if (auto r = recover_ec_public(t, *target, spec.crv, m); !r) return std::unexpected(r.error());
  }
  auto wrapped = wrap_for_store(svc_, **vk, *target);
  if (!wrapped) return std::unexpected(wrapped.error());
  return store_version(svc_, vault_, name, m, std::move(*wrapped), spec.attributes, spec.tags);
}

}  // namespace cv::vault

namespace cv::vault {

Result<std::string> export_byok(Service& svc, const std::string& vault, const std::string& name,
                                const std::string& version, std::string_view kek_pem, const std::string& kek_kid) {
  using namespace keys_detail;
  if (kek_kid.empty()) return std::unexpected(bad("The KEK's key identifier (--kek-kid) is required."));
  auto der = crypto::pem_decode(kek_pem, "PUBLIC KEY");
  if (!der) return std::unexpected(bad("The KEK file is not a PUBLIC KEY PEM: " + der.error().message));
  auto kek_pub = crypto::rsa_public_from_spki(*der);
  if (!kek_pub) return std::unexpected(bad("The KEK is not an RSA public key: " + kek_pub.error().message));
  std::size_t kek_bytes = kek_pub->n.size();
  if (kek_bytes != 256 && kek_bytes != 384 && kek_bytes != 512)
    return std::unexpected(bad("The KEK must be an RSA 2048, 3072 or 4096-bit key."));
  auto vk = svc.vault(vault);
  if (!vk) return std::unexpected(vk.error());
  auto ov = kv(svc.catalog().object_version(vault, store::ObjType::Key, name, version), name);
  if (!ov) return std::unexpected(ov.error());
  if (ov->object.deleted_date) return std::unexpected(not_found(name));
  if (!ov->version.enabled)
    return fail_kv(Errc::Disabled, "Operation export-byok is not allowed on a disabled key.", "Forbidden",
                   "KeyDisabled");
  // Only a key made exportable may leave the token wrapped to a KEK its caller chooses: otherwise anyone
  // holding the user PIN could move any key out in a form they can open.
  auto meta = KeyMeta::parse(ov->version.meta_json);
  if (!meta) return std::unexpected(meta.error());
  if (!meta->exportable)
    return fail(Errc::Forbidden, "key " + name +
                                     " was not created exportable, so its material never leaves the token: only a key "
                                     "made with `coldvault key create --exportable` (or imported with --exportable) "
                                     "can be exported with export-byok");
  auto& t = svc.token();
  HandleGuard guard(t);
  // Extractable only so the fresh AES key can wrap it; the master key's unwrap template keeps it sensitive.
  auto target = unwrap_stored_key(svc, **vk, ov->version, true);
  if (!target) return std::unexpected(target.error());
  guard.add(*target);
  auto aes = t.generate_secret_key(hsm::KeyType::Aes, 256, hsm::KeyUsage{.wrap = true, .extractable = true});
  if (!aes) return std::unexpected(aes.error());
  guard.add(*aes);
  auto kek = t.import_rsa_public(*kek_pub);
  if (!kek) return std::unexpected(kek.error());
  guard.add(*kek);
  auto body = t.wrap(hsm::Mech::AesKeyWrapPad, *aes, *target);
  if (!body) return std::unexpected(body.error());
  auto head = t.wrap(hsm::Mech::RsaOaepSha1, *kek, *aes);
  if (!head) return std::unexpected(head.error());
  Bytes ct = std::move(*head);
  ct.insert(ct.end(), body->begin(), body->end());
  nlohmann::json j = {{"schema_version", "1.0.0"},
                      {"header", {{"kid", kek_kid}, {"alg", "dir"}, {"enc", "CKM_RSA_AES_KEY_WRAP"}}},
                      {"ciphertext", base64url_encode(ct)},
                      {"generator", "coldvault key export-byok"}};
  return j.dump();
}

}  // namespace cv::vault
