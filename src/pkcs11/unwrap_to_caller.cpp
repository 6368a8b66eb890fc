// Token::unwrap_secret_value: C_UnwrapKey into a readable session object, for callers whose operation
// is "give me the unwrapped key" (Key Vault's unwrapKey with A128KW/A192KW/A256KW). The key being
// unwrapped is the caller's data, not coldvault's material; the wrapping key stays sensitive throughout.
#include "pkcs11/attributes.hpp"
#include "pkcs11/mechanism.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

Result<SecureBytes> Token::unwrap_secret_value(Mech m, Handle unwrapping_key, ByteView wrapped) {
  if (m != Mech::AesKeyWrap && m != Mech::AesKeyWrapPad)
    return fail(Errc::BadParameter, std::string(ck_mechanism_name(m)) + " is not an AES key-wrap mechanism");
  if (wrapped.empty()) return fail(Errc::BadParameter, "empty wrapped key");
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, false)
      .add_bool(CKA_EXTRACTABLE, true);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<SecureBytes> {
    auto fn = impl_->fn();
    MechSpec spec(m);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = fn->C_UnwrapKey(s, spec.ptr(), unwrapping_key.value, const_cast<CK_BYTE_PTR>(wrapped.data()),
                               wrapped.size(), t.data(), t.size(), &h);
    // SoftHSM reports a failed RFC 3394/5649 integrity check as CKR_GENERAL_ERROR (as it does a bad
    // GCM tag), not CKR_WRAPPED_KEY_INVALID: read it as "these bytes do not unwrap under this key".
    // Unless the session no longer answers: then the token is gone (input_rv_error).
    if (rv != CKR_OK)
      return std::unexpected(
          input_rv_error(fn, s, rv, std::string("C_UnwrapKey (") + ck_mechanism_name(m) + ")",
                         {CKR_GENERAL_ERROR, CKR_WRAPPED_KEY_INVALID}, "AES key unwrap: integrity check failed"));
    impl_->module->count_session_objects();
    auto value = get_attribute(fn, s, h, CKA_VALUE, "C_GetAttributeValue (unwrapped value)");
    // Destroyed whatever happened: the object only existed to be read.
    (void)fn->C_DestroyObject(s, h);
    if (!value) return std::unexpected(value.error());
    SecureBytes out(value->begin(), value->end());
    secure_wipe(value->data(), value->size());
    return out;
  });
}

}  // namespace cv::hsm
