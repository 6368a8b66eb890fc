// Template builder, key usage -> attributes, curve OIDs, attribute reads. See attributes.hpp.
#include "pkcs11/attributes.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "pkcs11/rv.hpp"

namespace cv::hsm {

namespace {

SecureBytes raw_copy(const void* p, std::size_t n) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  return SecureBytes(b, b + n);
}

constexpr std::array<std::uint8_t, 10> kP256{0x06, 0x08, 0x2A, 0x86, 0x48,
                                             0xCE, 0x3D, 0x03, 0x01, 0x07};
constexpr std::array<std::uint8_t, 7> kP384{0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};
constexpr std::array<std::uint8_t, 7> kP521{0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23};
constexpr std::array<std::uint8_t, 7> kP256K{0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x0A};  // secp256k1

bool same(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

}  // namespace

Template& Template::add_bytes(CK_ATTRIBUTE_TYPE type, ByteView v) {
  values_.push_back(SecureBytes(v.begin(), v.end()));
  auto& stored = values_.back();
  attrs_.push_back(CK_ATTRIBUTE{type, stored.empty() ? nullptr : stored.data(),
                                static_cast<CK_ULONG>(stored.size())});
  return *this;
}

Template& Template::add_bool(CK_ATTRIBUTE_TYPE type, bool v) {
  CK_BBOOL b = v ? CK_TRUE : CK_FALSE;
  values_.push_back(raw_copy(&b, sizeof b));
  attrs_.push_back(CK_ATTRIBUTE{type, values_.back().data(), sizeof b});
  return *this;
}

Template& Template::add_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG v) {
  values_.push_back(raw_copy(&v, sizeof v));
  attrs_.push_back(CK_ATTRIBUTE{type, values_.back().data(), sizeof v});
  return *this;
}

Template& Template::add_mechanisms(CK_ATTRIBUTE_TYPE type,
                                   std::initializer_list<CK_MECHANISM_TYPE> mechs) {
  // An array attribute is the raw CK_MECHANISM_TYPE array, in host byte order.
  std::vector<CK_MECHANISM_TYPE> list(mechs);
  values_.push_back(raw_copy(list.data(), list.size() * sizeof(CK_MECHANISM_TYPE)));
  attrs_.push_back(
      CK_ATTRIBUTE{type, values_.back().data(), static_cast<CK_ULONG>(values_.back().size())});
  return *this;
}

Template& Template::add_template(CK_ATTRIBUTE_TYPE type, Template inner) {
  values_.push_back(raw_copy(inner.data(), inner.attrs_.size() * sizeof(CK_ATTRIBUTE)));
  nested_.push_back(std::move(inner));
  attrs_.push_back(
      CK_ATTRIBUTE{type, values_.back().data(), static_cast<CK_ULONG>(values_.back().size())});
  return *this;
}

void add_secret_usage(Template& t, const KeyUsage& u) {
  t.add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, u.extractable)
      .add_bool(CKA_ENCRYPT, u.encrypt)
      .add_bool(CKA_DECRYPT, u.decrypt)
      .add_bool(CKA_SIGN, u.sign)
      .add_bool(CKA_VERIFY, u.verify)
      .add_bool(CKA_WRAP, u.wrap)
      .add_bool(CKA_UNWRAP, u.unwrap);
}

void add_private_usage(Template& t, const KeyUsage& u) {
  t.add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, u.extractable)
      .add_bool(CKA_DECRYPT, u.decrypt)
      .add_bool(CKA_SIGN, u.sign)
      .add_bool(CKA_UNWRAP, u.unwrap);
}

void add_public_usage(Template& t, const KeyUsage& u) {
  t.add_bool(CKA_PRIVATE, false)
      .add_bool(CKA_ENCRYPT, u.encrypt)
      .add_bool(CKA_VERIFY, u.verify)
      .add_bool(CKA_WRAP, u.wrap);
}

CK_KEY_TYPE ck_key_type(KeyType t) {
  switch (t) {
    case KeyType::Aes:
      return CKK_AES;
    case KeyType::GenericSecret:
      return CKK_GENERIC_SECRET;
    case KeyType::Rsa:
      return CKK_RSA;
    case KeyType::Ec:
      return CKK_EC;
  }
  return CKK_GENERIC_SECRET;
}

CK_OBJECT_CLASS ck_secret_class(KeyType t) {
  return (t == KeyType::Rsa || t == KeyType::Ec) ? CKO_PRIVATE_KEY : CKO_SECRET_KEY;
}

ByteView ec_params_der(Curve c) {
  switch (c) {
    case Curve::P256:
      return kP256;
    case Curve::P384:
      return kP384;
    case Curve::P521:
      return kP521;
    case Curve::P256K:
      return kP256K;
  }
  return kP256;
}

Result<Curve> curve_from_params(ByteView params) {
  for (Curve c : kAllCurves) {
    if (same(params, ec_params_der(c))) return c;
  }
  return fail(Errc::Unsupported, "EC key on a curve other than P-256, P-384, P-521 or P-256K");
}

Result<Bytes> get_attribute(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                            CK_ATTRIBUTE_TYPE type, std::string_view what) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (CK_RV rv = fn->C_GetAttributeValue(s, h, &a, 1); rv != CKR_OK) return rv_fail(rv, what);
  if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return rv_fail(CKR_ATTRIBUTE_SENSITIVE, what);
  Bytes out(a.ulValueLen);
  a.pValue = out.data();
  if (CK_RV rv = fn->C_GetAttributeValue(s, h, &a, 1); rv != CKR_OK) return rv_fail(rv, what);
  out.resize(a.ulValueLen);
  return out;
}

Bytes strip_leading_zeros(Bytes v) {
  auto first = std::find_if(v.begin(), v.end(), [](std::uint8_t b) { return b != 0; });
  if (first == v.end() && !v.empty()) first = v.end() - 1;
  v.erase(v.begin(), first);
  return v;
}

void add_domain_private_attrs(Template& t, const std::string& label, ByteView id) {
  // The private half can only open OAEP-wrapped keys into the token (UNWRAP, no DECRYPT, OAEP only), so a
  // content key it protects is never handed out in clear. Extractable only towards a trusted wrapping key
  // (which only the SO can make), to allow moving a domain between tokens.
  t.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_DECRYPT, false)
      .add_bool(CKA_UNWRAP, true)
      .add_bool(CKA_SIGN, false)
      .add_bool(CKA_EXTRACTABLE, true)
      .add_bool(CKA_WRAP_WITH_TRUSTED, true)
      .add_mechanisms(CKA_ALLOWED_MECHANISMS, {CKM_RSA_PKCS_OAEP})
      .add_string(CKA_LABEL, label)
      .add_bytes(CKA_ID, id);
}

void add_master_key_attrs(Template& t, const std::string& label, bool transferable, bool unwrap_template) {
  t.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, transferable)
      .add_bool(CKA_ENCRYPT, true)
      .add_bool(CKA_DECRYPT, true)
      .add_bool(CKA_WRAP, true)
      .add_bool(CKA_UNWRAP, true)
      .add_string(CKA_LABEL, label);
  // Like the domain key: extractable only towards a trusted wrapping key, which only the SO can make (the
  // domain-transfer ceremony), so that another token of the domain can read the same catalogue.
  if (transferable) t.add_bool(CKA_WRAP_WITH_TRUSTED, true);
  if (unwrap_template) {
    // Whatever the master key unwraps stays sensitive. CKA_EXTRACTABLE is deliberately left out:
    // backup unwraps key material under the master key as an extractable session object in order
    // to wrap it again under the blob's content key (docs/threat-model.md, "Unwrap template").
    Template inner;
    inner.add_bool(CKA_SENSITIVE, true);
    t.add_template(CKA_UNWRAP_TEMPLATE, std::move(inner));
  }
}

void add_domain_public_attrs(Template& t, const std::string& label, ByteView id) {
  t.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_bool(CKA_ENCRYPT, true)
      .add_bool(CKA_WRAP, true)
      .add_bool(CKA_VERIFY, false)
      .add_string(CKA_LABEL, label)
      .add_bytes(CKA_ID, id);
}

}  // namespace cv::hsm
