// KeyMeta <-> meta_json. See key_meta.hpp for the format.
#include "vault/key_meta.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"

namespace cv::vault {
namespace {

Error corrupt(const std::string& why) {
  return Error{Errc::Corruption, "stored key description is malformed: " + why, {}, {}, {}};
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

const char* kind_name(KeyKind k) {
  switch (k) {
    case KeyKind::Rsa:
      return "RSA";
    case KeyKind::Ec:
      return "EC";
    case KeyKind::Oct:
      return "oct";
  }
  return "?";
}

Result<KeyKind> kind_of_kty(const std::string& kty) {
  if (kty == "RSA" || kty == "RSA-HSM") return KeyKind::Rsa;
  if (kty == "EC" || kty == "EC-HSM") return KeyKind::Ec;
  if (kty == "oct" || kty == "oct-HSM") return KeyKind::Oct;
  return fail_kv(Errc::BadParameter,
                 "Key type '" + kty.substr(0, 40) +
                     "' is not supported. Allowed: RSA, RSA-HSM, EC, EC-HSM, oct, oct-HSM.",
                 "BadParameter");
}

Result<Curve> curve_of_name(const std::string& crv) {
  if (crv == "P-256") return Curve::P256;
  if (crv == "P-384") return Curve::P384;
  if (crv == "P-521") return Curve::P521;
  if (crv == "P-256K") return Curve::P256K;
  return fail_kv(Errc::BadParameter,
                 "Curve '" + crv.substr(0, 40) + "' is not supported. Allowed: P-256, P-384, P-521, P-256K.",
                 "BadParameter");
}

std::vector<std::string> supported_ops(KeyKind k) {
  switch (k) {
    case KeyKind::Rsa:
      return {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"};
    case KeyKind::Ec:
      return {"sign", "verify"};
    case KeyKind::Oct:  // sign/verify: HS256/384/512 (HMAC in the token)
      return {"encrypt", "decrypt", "wrapKey", "unwrapKey", "sign", "verify"};
  }
  return {};
}

Result<void> check_ops(KeyKind k, const std::vector<std::string>& ops) {
  auto allowed = supported_ops(k);
  // "import" marks an RSA key as a BYOK key-exchange key (docs/keys.md, "BYOK"); never a default op.
  if (k == KeyKind::Rsa) allowed.push_back("import");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    bool known = std::find(allowed.begin(), allowed.end(), ops[i]) != allowed.end();
    bool repeated = std::find(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(i), ops[i]) !=
                    ops.begin() + static_cast<std::ptrdiff_t>(i);
    if (!known || repeated)
      return fail_kv(Errc::BadParameter,
                     "Key operation '" + ops[i].substr(0, 40) + "' is " + (repeated ? "repeated" : "not supported") +
                         " for key type " + kind_name(k) + ". Allowed: " + join(allowed) + ".",
                     "BadParameter");
  }
  return {};
}

Result<void> split_ec_point(Curve c, ByteView point, Bytes& x, Bytes& y) {
  const std::size_t cb = curve_bytes(c), raw_len = 1 + 2 * cb;
  ByteView raw = point;
  // CKA_EC_POINT is a DER OCTET STRING around the point: 04 len [81 len] 04||X||Y.
  if (point.size() != raw_len) {
    std::size_t hdr = raw_len < 128 ? 2 : 3;
    if (point.size() != hdr + raw_len || point[0] != 0x04) return fail(Errc::BadParameter, "bad EC point");
    raw = point.subspan(hdr);
  }
  if (raw[0] != 0x04) return fail(Errc::BadParameter, "EC point is not uncompressed");
  x.assign(raw.begin() + 1, raw.begin() + 1 + static_cast<std::ptrdiff_t>(cb));
  y.assign(raw.begin() + 1 + static_cast<std::ptrdiff_t>(cb), raw.end());
  return {};
}

bool KeyMeta::allows(const std::string& op) const {
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

EcPublic KeyMeta::ec_public() const {
  EcPublic pub;
  pub.curve = crv;
  pub.params = crypto::ec_params_der(crv);
  Bytes raw{0x04};
  raw.insert(raw.end(), x.begin(), x.end());
  raw.insert(raw.end(), y.begin(), y.end());
  // Same DER OCTET STRING framing a token reports, so both adapters accept it.
  pub.point = {0x04};
  if (raw.size() >= 128) pub.point.push_back(0x81);
  pub.point.push_back(static_cast<std::uint8_t>(raw.size()));
  pub.point.insert(pub.point.end(), raw.begin(), raw.end());
  return pub;
}

std::string KeyMeta::to_json() const {
  nlohmann::json j = {{"kty", kty}, {"kind", kind_name(kind)}, {"key_ops", ops}};
  if (kind == KeyKind::Ec) {
    j["crv"] = curve_name(crv);
    j["x"] = base64url_encode(x);
    j["y"] = base64url_encode(y);
  } else {
    j["key_size"] = key_size;
  }
  if (exportable) j["exportable"] = true;
  if (kind == KeyKind::Rsa) {
    j["n"] = base64url_encode(n);
    j["e"] = base64url_encode(e);
  }
  return j.dump();
}

Result<KeyMeta> KeyMeta::parse(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::unexpected(corrupt("not a JSON object"));
  auto str = [&](const char* k) -> std::string {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
  };
  auto b64 = [&](const char* k, Bytes& out) -> Result<void> {
    auto d = base64url_decode(str(k));
    if (!d || d->empty()) return std::unexpected(corrupt(std::string("field ") + k));
    out = std::move(*d);
    return {};
  };
  KeyMeta m;
  m.kty = str("kty");
  std::string kind = str("kind");
  if (kind == "RSA") m.kind = KeyKind::Rsa;
  else if (kind == "EC") m.kind = KeyKind::Ec;
  else if (kind == "oct") m.kind = KeyKind::Oct;
  else return std::unexpected(corrupt("kind"));
  if (!j.contains("key_ops") || !j["key_ops"].is_array()) return std::unexpected(corrupt("key_ops"));
  if (j.contains("exportable")) {
    if (!j["exportable"].is_boolean()) return std::unexpected(corrupt("exportable"));
    m.exportable = j["exportable"].get<bool>();
  }
  for (const auto& op : j["key_ops"]) {
    if (!op.is_string()) return std::unexpected(corrupt("key_ops"));
    m.ops.push_back(op.get<std::string>());
  }
  if (m.kind == KeyKind::Ec) {
    auto c = curve_of_name(str("crv"));
    if (!c) return std::unexpected(corrupt("crv"));
    m.crv = *c;
    if (auto r = b64("x", m.x); !r) return std::unexpected(r.error());
    if (auto r = b64("y", m.y); !r) return std::unexpected(r.error());
    if (m.x.size() != curve_bytes(m.crv) || m.y.size() != curve_bytes(m.crv))
      return std::unexpected(corrupt("EC coordinates"));
    return m;
  }
  if (!j.contains("key_size") || !j["key_size"].is_number_unsigned()) return std::unexpected(corrupt("key_size"));
  m.key_size = j["key_size"].get<unsigned>();
  if (m.kind == KeyKind::Rsa) {
    if (auto r = b64("n", m.n); !r) return std::unexpected(r.error());
    if (auto r = b64("e", m.e); !r) return std::unexpected(r.error());
  }
  return m;
}

}  // namespace cv::vault
