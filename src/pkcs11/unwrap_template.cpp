// Whether a wrapping key's CKA_UNWRAP_TEMPLATE is enforced by the token, and the attribute probes
// tests use to check it. See hsm.hpp (unwrap_template_enforced).
#include "pkcs11/attributes.hpp"
#include "pkcs11/mechanism.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

Result<bool> Token::unwrap_template_enforced(Handle key) {
  // A throwaway AES key, wrapped under `key`, then unwrapped with CKA_SENSITIVE=FALSE: a token that
  // enforces an unwrap template requiring SENSITIVE=TRUE refuses that with CKR_TEMPLATE_INCONSISTENT.
  // The probe key is random and never used for anything.
  KeyUsage u;
  u.extractable = true;
  auto probe = generate_secret_key(KeyType::Aes, 128, u);
  if (!probe) return std::unexpected(probe.error());
  auto wrapped = wrap(Mech::AesKeyWrapPad, key, *probe);
  (void)destroy(*probe);
  if (!wrapped) return std::unexpected(wrapped.error());
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_AES)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_SENSITIVE, false)
      .add_bool(CKA_EXTRACTABLE, true);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<bool> {
    MechSpec spec(Mech::AesKeyWrapPad);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = impl_->fn()->C_UnwrapKey(s, spec.ptr(), key.value, wrapped->data(), wrapped->size(),
                                        t.data(), t.size(), &h);
    if (rv == CKR_TEMPLATE_INCONSISTENT) return true;
    if (rv != CKR_OK) return rv_fail(rv, "C_UnwrapKey (unwrap template probe)");
    impl_->module->count_session_objects();
    // A token may also apply the template over the caller's attributes instead of refusing: then
    // the object came out sensitive anyway, which is what the template is for.
    auto v = get_attribute(impl_->fn(), s, h, CKA_SENSITIVE, "reading CKA_SENSITIVE (probe)");
    (void)impl_->fn()->C_DestroyObject(s, h);
    if (!v) return std::unexpected(v.error());
    return v->size() == sizeof(CK_BBOOL) && (*v)[0] == CK_TRUE;
  });
}

bool Token::has_unwrap_template(Handle h) {
  auto r = with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<bool> {
    CK_ATTRIBUTE a{CKA_UNWRAP_TEMPLATE, nullptr, 0};
    if (impl_->fn()->C_GetAttributeValue(s, h.value, &a, 1) != CKR_OK) return false;
    return a.ulValueLen != CK_UNAVAILABLE_INFORMATION && a.ulValueLen > 0;
  });
  return r.value_or(false);
}

bool Token::sensitive(Handle h) {
  auto r = with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<bool> {
    auto v = get_attribute(impl_->fn(), s, h.value, CKA_SENSITIVE, "reading CKA_SENSITIVE");
    if (!v) return std::unexpected(v.error());
    return v->size() == sizeof(CK_BBOOL) && (*v)[0] == CK_TRUE;
  });
  return r.value_or(false);
}

}  // namespace cv::hsm
