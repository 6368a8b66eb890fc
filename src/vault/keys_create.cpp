// Keys: create, import and rotate. Every key is generated or imported inside the token as an
// extractable session object, wrapped at once under the vault master key, and that object destroyed:
// from then on the catalogue holds only the wrapped bytes and the public parts.
#include <nlohmann/json.hpp>

#include "coldvault/certificates.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/key_rotation.hpp"
#include "vault/key_material.hpp"
#include "vault/keys_common.hpp"

namespace cv::vault {
namespace {

using namespace keys_detail;
using store::ObjType;

// What every new key has before its material exists: a checked kind, size/curve, ops.
struct Plan {
  KeyMeta meta;
};

unsigned rsa_bits(const Bytes& n) {
  if (n.empty()) return 0;
  unsigned bits = static_cast<unsigned>(n.size()) * 8;
  for (std::uint8_t top = n[0]; (top & 0x80) == 0 && bits > 0; top = static_cast<std::uint8_t>(top << 1)) --bits;
  return bits;
}

Result<void> check_rsa_size(unsigned bits) {
  if (bits != 2048 && bits != 3072 && bits != 4096)
    return std::unexpected(bad("RSA key size " + std::to_string(bits) + " is not supported. Allowed: 2048, 3072, 4096."));
  return {};
}

// A token that does not know a curve (P-256K is optional in PKCS#11) answers CKR_CURVE_NOT_SUPPORTED or
// CKR_DOMAIN_PARAMS_INVALID; say which curve and that the token, not the request, is the limit.
Error curve_refused(Error e, Curve c) {
  if (e.native != "CKR_CURVE_NOT_SUPPORTED" && e.native != "CKR_DOMAIN_PARAMS_INVALID") return e;
  return Error{Errc::Unsupported,
               std::string("This HSM token does not support the curve ") + curve_name(c) + " (" + e.native +
                   "); create the key on another curve or use a token that supports it.",
               e.native, {}, {}};
}

Result<void> check_oct_size(unsigned bits) {
  if (bits != 128 && bits != 192 && bits != 256)
    return std::unexpected(bad("oct key size " + std::to_string(bits) + " is not supported. Allowed: 128, 192, 256."));
  return {};
}

// Checks a spec for a key whose kind is `kind` (from kty or from imported material).
Result<Plan> plan_for(const std::string& name, const KeySpec& s, KeyKind kind, const std::string& kty) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = check_attributes(s.attributes); !r) return std::unexpected(r.error());
  if (auto r = check_tags(s.tags); !r) return std::unexpected(r.error());
  Plan p;
  p.meta.kty = kty;
  p.meta.kind = kind;
  p.meta.ops = s.ops ? *s.ops : supported_ops(kind);
  p.meta.exportable = s.exportable;
  if (auto r = check_ops(kind, p.meta.ops); !r) return std::unexpected(r.error());
  if (kind == KeyKind::Ec && s.size)
    return std::unexpected(bad("A key size does not apply to EC keys; give a curve: P-256, P-384, P-521, P-256K."));
  if (kind != KeyKind::Ec && s.crv)
    return std::unexpected(bad(std::string("A curve does not apply to ") + kind_name(kind) + " keys."));
  return p;
}

Result<void> refuse_if_deleted(Service& svc, const std::string& vault, const std::string& name) {
  // Refuse before the (possibly slow) generation; the store checks again inside its transaction.
  if (auto o = svc.catalog().object(vault, ObjType::Key, name); o && o->deleted_date)
    return std::unexpected(deleted_conflict(name));
  return {};
}

}  // namespace

hsm::KeyUsage keys_detail::new_key_usage(KeyKind k) {
  // Extractable only so the master key can wrap it; the copy is destroyed right after.
  hsm::KeyUsage u{.extractable = true};
  if (k == KeyKind::Rsa) u.encrypt = u.decrypt = u.sign = u.verify = u.wrap = u.unwrap = true;
  if (k == KeyKind::Ec) u.sign = u.verify = true;
  if (k == KeyKind::Oct) u.encrypt = u.decrypt = u.wrap = u.unwrap = true;
  return u;
}

// Generates the material for plan in the token; fills the public parts; returns the wrapped bytes.
Result<Bytes> keys_detail::generate_material(Service& svc, const VaultKeys& vk, KeyMeta& m) {
  auto& t = svc.token();
  HandleGuard guard(t);
  hsm::Handle secret;
  if (m.kind == KeyKind::Rsa) {
    auto kp = t.generate_rsa(m.key_size, new_key_usage(m.kind));
    if (!kp) return std::unexpected(kp.error());
    guard.add(kp->pub);
    secret = guard.add(kp->priv);
    auto pub = t.rsa_public(kp->pub);
    if (!pub) return std::unexpected(pub.error());
    m.n = pub->n;
    m.e = pub->e;
  } else if (m.kind == KeyKind::Ec) {
    auto kp = t.generate_ec(m.crv, new_key_usage(m.kind));
    if (!kp) return std::unexpected(curve_refused(kp.error(), m.crv));
    guard.add(kp->pub);
    secret = guard.add(kp->priv);
    auto pub = t.ec_public(kp->pub);
    if (!pub) return std::unexpected(pub.error());
    if (auto r = split_ec_point(m.crv, pub->point, m.x, m.y); !r) return std::unexpected(r.error());
  } else {
    auto k = t.generate_secret_key(hsm::KeyType::Aes, m.key_size, new_key_usage(m.kind));
    if (!k) return std::unexpected(k.error());
    secret = guard.add(*k);
  }
  return wrap_for_store(svc, vk, secret);
}

namespace {

// Reads kty and key_ops of a JWK without keeping its other strings: those are private parts, and the
// parser's buffer is wiped after each one (best effort: earlier buffer growth is not).
struct JwkPeek : nlohmann::json_sax<nlohmann::json> {
  std::string last_key, kty;
  std::optional<std::vector<std::string>> ops;
  int depth = 0;
  bool in_ops = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& v) override {
    if (depth == 1 && last_key == "kty") kty = v.substr(0, 16);
    else if (in_ops) ops->push_back(v.substr(0, 32));
    secure_wipe(v.data(), v.size());
    return true;
  }
  bool start_object(std::size_t) override { return ++depth, true; }
  bool end_object() override { return --depth, true; }
  bool key(string_t& k) override { return last_key = k, true; }
  bool start_array(std::size_t) override {
    if (depth == 1 && last_key == "key_ops") in_ops = true, ops.emplace();
    return true;
  }
  bool end_array() override { return in_ops = false, true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

}  // namespace

Keys::Keys(Service& svc, std::string vault) : svc_(svc), vault_(std::move(vault)) {}

Result<KeyBundle> Keys::create(const std::string& name, const KeySpec& spec) {
  auto kind = kind_of_kty(spec.kty);
  if (!kind) return std::unexpected(kind.error());
  auto p = plan_for(name, spec, *kind, spec.kty);
  if (!p) return std::unexpected(p.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "key", "create"); !r)
    return std::unexpected(r.error());
  KeyMeta& m = p->meta;
  if (m.kind == KeyKind::Rsa) {
    m.key_size = spec.size.value_or(2048);
    if (auto r = check_rsa_size(m.key_size); !r) return std::unexpected(r.error());
  } else if (m.kind == KeyKind::Oct) {
    m.key_size = spec.size.value_or(256);
    if (auto r = check_oct_size(m.key_size); !r) return std::unexpected(r.error());
  } else {
    auto c = curve_of_name(spec.crv.value_or("P-256"));
    if (!c) return std::unexpected(c.error());
    m.crv = *c;
  }
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  if (auto r = refuse_if_deleted(svc_, vault_, name); !r) return std::unexpected(r.error());
  auto wrapped = generate_material(svc_, **vk, m);
  if (!wrapped) return std::unexpected(wrapped.error());
  return store_version(svc_, vault_, name, m, std::move(*wrapped), spec.attributes, spec.tags);
}

// Takes parsed private parts into the token, fills the public parts of m, returns the wrapped bytes.
// The parts are the caller's; it drops (and so wipes) them as soon as this returns.
Result<Bytes> keys_detail::import_material(Service& svc, const VaultKeys& vk, const crypto::PrivateKeyParts& parts,
                                           KeyMeta& m) {
  auto& t = svc.token();
  HandleGuard guard(t);
  if (parts.is_rsa) {
    m.n = parts.rsa.n;
    m.e = parts.rsa.e;
    m.key_size = rsa_bits(parts.rsa.n);
    if (auto r = check_rsa_size(m.key_size); !r) return std::unexpected(r.error());
    auto h = t.import_rsa_private(parts.rsa, new_key_usage(KeyKind::Rsa));
    if (!h) return std::unexpected(h.error());
    return wrap_for_store(svc, vk, guard.add(*h));
  }
  m.crv = parts.ec.pub.curve;
  if (auto r = split_ec_point(m.crv, parts.ec.pub.point, m.x, m.y); !r) return std::unexpected(r.error());
  auto h = t.import_ec_private(parts.ec, new_key_usage(KeyKind::Ec));
  if (!h) return std::unexpected(h.error());
  return wrap_for_store(svc, vk, guard.add(*h));
}

namespace {

// The kty to record: the caller's if given (it must match the material), else the material's own
// (with -HSM when the caller asked for hardware protection, as az's --protection hsm does).
Result<std::string> kty_for(const std::string& given, KeyKind material, bool hsm) {
  if (given.empty()) return std::string(kind_name(material)) + (hsm ? "-HSM" : "");
  auto k = kind_of_kty(given);
  if (!k) return std::unexpected(k.error());
  if (*k != material)
    return std::unexpected(bad("Key type " + given + " does not match the imported key, which is " +
                               kind_name(material) + "."));
  return given;
}

}  // namespace

Result<KeyBundle> Keys::import_pem(const std::string& name, const SecureString& pem, const SecureString& password,
                                   const KeySpec& spec) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "key", "import"); !r)
    return std::unexpected(r.error());
  auto parts = crypto::parse_private_key_pem(std::string_view(pem.data(), pem.size()), password);
  if (!parts) return std::unexpected(bad("The key could not be imported: " + parts.error().message));
  KeyKind kind = parts->is_rsa ? KeyKind::Rsa : KeyKind::Ec;
  auto kty = kty_for(spec.kty, kind, spec.hsm);
  if (!kty) return std::unexpected(kty.error());
  auto p = plan_for(name, spec, kind, *kty);
  if (!p) return std::unexpected(p.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  if (auto r = refuse_if_deleted(svc_, vault_, name); !r) return std::unexpected(r.error());
  auto wrapped = import_material(svc_, **vk, *parts, p->meta);
  parts = std::unexpected(Error{});  // wipes the private parts now, not at the end of the call
  if (!wrapped) return std::unexpected(wrapped.error());
  return store_version(svc_, vault_, name, p->meta, std::move(*wrapped), spec.attributes, spec.tags);
}

Result<KeyBundle> Keys::import_jwk(const std::string& name, const SecureString& jwk_json, const KeySpec& spec) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "key", "import"); !r)
    return std::unexpected(r.error());
  std::string_view text(jwk_json.data(), jwk_json.size());
  JwkPeek peek;
  if (!nlohmann::json::sax_parse(text, &peek) || peek.kty.empty())
    return std::unexpected(bad("The key could not be imported: not a JSON Web Key with a kty."));
  auto material = kind_of_kty(peek.kty);
  if (!material) return std::unexpected(material.error());
  auto kty = kty_for(spec.kty.empty() ? peek.kty : spec.kty, *material, spec.hsm);
  if (!kty) return std::unexpected(kty.error());
  KeySpec s = spec;
  if (!s.ops && peek.ops) s.ops = peek.ops;  // the JWK's own key_ops unless the caller gives some
  auto p = plan_for(name, s, *material, *kty);
  if (!p) return std::unexpected(p.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  if (auto r = refuse_if_deleted(svc_, vault_, name); !r) return std::unexpected(r.error());
  Result<Bytes> wrapped = std::unexpected(Error{});
  if (*material == KeyKind::Oct) {
    auto k = crypto::parse_oct_jwk(text);
    if (!k) return std::unexpected(bad("The key could not be imported: " + k.error().message));
    p->meta.key_size = static_cast<unsigned>(k->size() * 8);
    if (auto r = check_oct_size(p->meta.key_size); !r) return std::unexpected(r.error());
    auto& t = svc_.token();
    HandleGuard guard(t);
    auto h = t.import_secret_key(hsm::KeyType::Aes, *k, new_key_usage(KeyKind::Oct));
    if (!h) return std::unexpected(h.error());
    wrapped = wrap_for_store(svc_, **vk, guard.add(*h));
  } else {
    auto parts = crypto::parse_private_jwk(text);
    if (!parts) return std::unexpected(bad("The key could not be imported: " + parts.error().message));
    wrapped = import_material(svc_, **vk, *parts, p->meta);
  }
  if (!wrapped) return std::unexpected(wrapped.error());
  return store_version(svc_, vault_, name, p->meta, std::move(*wrapped), s.attributes, s.tags);
}

Result<KeyBundle> Keys::rotate(const std::string& name) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = refuse_if_certificate_managed(svc_, vault_, name, "key", "rotate"); !r)
    return std::unexpected(r.error());
  auto o = kv(svc_.catalog().object(vault_, ObjType::Key, name), name);
  if (!o) return std::unexpected(o.error());
  if (o->deleted_date) return std::unexpected(not_found(name));
  auto v = kv(svc_.catalog().version(vault_, ObjType::Key, name, ""), name);
  if (!v) return std::unexpected(v.error());
  auto m = KeyMeta::parse(v->meta_json);
  if (!m) return std::unexpected(m.error());
  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  // Same type, size/curve, ops and tags; the material is new and so are the public parts.
  KeyMeta next = *m;
  next.n.clear(), next.e.clear(), next.x.clear(), next.y.clear();
  auto wrapped = generate_material(svc_, **vk, next);
  if (!wrapped) return std::unexpected(wrapped.error());
  // The new version lives for the policy's expiryTime, when the key has a policy that says one.
  Attributes a;
  auto exp = rotation_expiry(svc_, vault_, o->name, Service::now());
  if (!exp) return std::unexpected(exp.error());
  a.exp = *exp;
  return store_version(svc_, vault_, o->name, next, std::move(*wrapped), a, v->tags);
}

}  // namespace cv::vault
