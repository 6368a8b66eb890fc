// Looking keys up and reading their public attributes: find, random, rsa_public, ec_public,
// value_readable.
#include "pkcs11/attributes.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

namespace {

Result<CK_OBJECT_CLASS> class_of(const std::string& name) {
  if (name == "private") return CKO_PRIVATE_KEY;
  if (name == "public") return CKO_PUBLIC_KEY;
  if (name == "secret") return CKO_SECRET_KEY;
  return fail(Errc::BadParameter,
              "object class must be private, public or secret, not '" + name + "'");
}

// Ends a C_FindObjectsInit however the search leaves; an unfinished search would block the session.
class FindOperation {
 public:
  FindOperation(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) : fn_(fn), s_(s) {}
  FindOperation(const FindOperation&) = delete;
  FindOperation& operator=(const FindOperation&) = delete;
  ~FindOperation() { (void)fn_->C_FindObjectsFinal(s_); }

 private:
  CK_FUNCTION_LIST_PTR fn_;
  CK_SESSION_HANDLE s_;
};

// C_FindObjectsInit that first ends a search an earlier call left open on this session: a C_FindObjectsFinal
// that failed (the token faltered at that call) leaves the search active, and every later search on the
// session would fail with CKR_OPERATION_ACTIVE (found by the fault sweep, docs/reliability.md).
CK_RV find_init(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_ATTRIBUTE* t, CK_ULONG n) {
  CK_RV rv = fn->C_FindObjectsInit(s, t, n);
  if (rv != CKR_OPERATION_ACTIVE) return rv;
  (void)fn->C_FindObjectsFinal(s);
  return fn->C_FindObjectsInit(s, t, n);
}

// Reads one attribute only to learn whether it can be read: the value goes to a wiped buffer and is
// dropped at once.
bool readable(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
              CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (fn->C_GetAttributeValue(s, h, &a, 1) != CKR_OK) return false;
  if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen == 0) return false;
  SecureBytes buf(a.ulValueLen);
  a.pValue = buf.data();
  return fn->C_GetAttributeValue(s, h, &a, 1) == CKR_OK &&
         a.ulValueLen != CK_UNAVAILABLE_INFORMATION && a.ulValueLen > 0;
}

}  // namespace

Result<Handle> Token::find(const std::string& label, const std::string& object_class) {
  auto cls = class_of(object_class);
  if (!cls) return std::unexpected(cls.error());
  Template t;
  t.add_ulong(CKA_CLASS, *cls).add_string(CKA_LABEL, label);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    auto fn = impl_->fn();
    if (CK_RV rv = find_init(fn, s, t.data(), t.size()); rv != CKR_OK) {
      return rv_fail(rv, "C_FindObjectsInit");
    }
    FindOperation op(fn, s);
    CK_OBJECT_HANDLE found[2] = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
    CK_ULONG n = 0;
    // Ask for two: one is the answer, a second means the label is ambiguous.
    if (CK_RV rv = fn->C_FindObjects(s, found, 2, &n); rv != CKR_OK) {
      return rv_fail(rv, "C_FindObjects");
    }
    if (n == 0) {
      return fail(Errc::NotFound, "no " + object_class + " key labelled '" + label +
                                      "' on token '" + impl_->label + "'");
    }
    if (n > 1) {
      return fail(Errc::Conflict, "several " + object_class + " keys labelled '" + label +
                                      "' on token '" + impl_->label + "'");
    }
    return Handle{found[0]};
  });
}

Result<std::vector<std::string>> Token::object_labels() {
  Template t;
  t.add_bool(CKA_TOKEN, true);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<std::vector<std::string>> {
    auto fn = impl_->fn();
    if (CK_RV rv = find_init(fn, s, t.data(), t.size()); rv != CKR_OK) {
      return rv_fail(rv, "C_FindObjectsInit");
    }
    FindOperation op(fn, s);
    std::vector<std::string> labels;
    for (;;) {
      CK_OBJECT_HANDLE batch[32];
      CK_ULONG n = 0;
      if (CK_RV rv = fn->C_FindObjects(s, batch, 32, &n); rv != CKR_OK) {
        return rv_fail(rv, "C_FindObjects");
      }
      if (n == 0) return labels;
      for (CK_ULONG i = 0; i < n; ++i) {
        auto label = get_attribute(fn, s, batch[i], CKA_LABEL, "reading CKA_LABEL");
        labels.emplace_back(label ? std::string(label->begin(), label->end()) : std::string());
      }
    }
  });
}

Result<Bytes> Token::random(std::size_t n) {
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Bytes> {
    Bytes out(n);
    if (n == 0) return out;
    if (CK_RV rv = impl_->fn()->C_GenerateRandom(s, out.data(), n); rv != CKR_OK) {
      return rv_fail(rv, "C_GenerateRandom");
    }
    return out;
  });
}

Result<std::vector<Handle>> Token::find_all(const std::string& label, const std::string& object_class) {
  auto cls = class_of(object_class);
  if (!cls) return std::unexpected(cls.error());
  Template t;
  t.add_ulong(CKA_CLASS, *cls).add_string(CKA_LABEL, label);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<std::vector<Handle>> {
    auto fn = impl_->fn();
    if (CK_RV rv = find_init(fn, s, t.data(), t.size()); rv != CKR_OK) return rv_fail(rv, "C_FindObjectsInit");
    FindOperation op(fn, s);
    std::vector<Handle> out;
    for (;;) {
      CK_OBJECT_HANDLE found[16];
      CK_ULONG n = 0;
      if (CK_RV rv = fn->C_FindObjects(s, found, 16, &n); rv != CKR_OK) return rv_fail(rv, "C_FindObjects");
      for (CK_ULONG i = 0; i < n; ++i) out.push_back(Handle{found[i]});
      if (n < 16) return out;
    }
  });
}

Result<void> Token::set_label(Handle h, const std::string& label) {
  Template t;
  t.add_string(CKA_LABEL, label);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<void> {
    if (CK_RV rv = impl_->fn()->C_SetAttributeValue(s, h.value, t.data(), t.size()); rv != CKR_OK)
      return rv_fail(rv, "C_SetAttributeValue (CKA_LABEL '" + label + "')");
    return {};
  });
}

Result<Handle> Token::find_by_id(ByteView id, const std::string& object_class) {
  auto cls = class_of(object_class);
  if (!cls) return std::unexpected(cls.error());
  Template t;
  t.add_ulong(CKA_CLASS, *cls).add_bytes(CKA_ID, id);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    auto fn = impl_->fn();
    if (CK_RV rv = find_init(fn, s, t.data(), t.size()); rv != CKR_OK) return rv_fail(rv, "C_FindObjectsInit");
    FindOperation op(fn, s);
    CK_OBJECT_HANDLE found[2] = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
    CK_ULONG n = 0;
    if (CK_RV rv = fn->C_FindObjects(s, found, 2, &n); rv != CKR_OK) return rv_fail(rv, "C_FindObjects");
    if (n == 0)
      return fail(Errc::NotFound, "no " + object_class + " key with CKA_ID " + to_hex(id) + " on token '" +
                                      impl_->label + "'");
    if (n > 1)
      return fail(Errc::Conflict, "several " + object_class + " keys with CKA_ID " + to_hex(id) + " on token '" +
                                      impl_->label + "'");
    return Handle{found[0]};
  });
}

Result<std::string> Token::serial() const {
  CK_TOKEN_INFO info{};
  if (CK_RV rv = impl_->fn()->C_GetTokenInfo(impl_->slot, &info); rv != CKR_OK) return rv_fail(rv, "C_GetTokenInfo");
  std::string s(reinterpret_cast<const char*>(info.serialNumber), sizeof info.serialNumber);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

Result<RsaPublic> Token::rsa_public(Handle pub) {
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<RsaPublic> {
    auto n = get_attribute(impl_->fn(), s, pub.value, CKA_MODULUS, "reading CKA_MODULUS");
    if (!n) return std::unexpected(std::move(n.error()));
    auto e = get_attribute(impl_->fn(), s, pub.value, CKA_PUBLIC_EXPONENT,
                           "reading CKA_PUBLIC_EXPONENT");
    if (!e) return std::unexpected(std::move(e.error()));
    return RsaPublic{strip_leading_zeros(std::move(*n)), strip_leading_zeros(std::move(*e))};
  });
}

Result<EcPublic> Token::ec_public(Handle pub) {
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<EcPublic> {
    auto params = get_attribute(impl_->fn(), s, pub.value, CKA_EC_PARAMS, "reading CKA_EC_PARAMS");
    if (!params) return std::unexpected(std::move(params.error()));
    auto point = get_attribute(impl_->fn(), s, pub.value, CKA_EC_POINT, "reading CKA_EC_POINT");
    if (!point) return std::unexpected(std::move(point.error()));
    auto curve = curve_from_params(*params);
    if (!curve) return std::unexpected(std::move(curve.error()));
    return EcPublic{*curve, std::move(*params), std::move(*point)};
  });
}

bool Token::value_readable(Handle h) {
  auto r = with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<bool> {
    auto fn = impl_->fn();
    // CKA_VALUE covers secret and EC private keys; CKA_PRIVATE_EXPONENT is where RSA keeps its
    // secret.
    return readable(fn, s, h.value, CKA_VALUE) || readable(fn, s, h.value, CKA_PRIVATE_EXPONENT);
  });
  return r.value_or(false);
}

}  // namespace cv::hsm
