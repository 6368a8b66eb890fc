// C_WrapKey / C_UnwrapKey. Unwrapped keys are session objects with the caller's usage.
#include "pkcs11/attributes.hpp"
#include "pkcs11/mechanism.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

namespace {

Result<void> wrapping_mech(Mech m) {
  switch (m) {
    case Mech::RsaOaepSha1:
    case Mech::RsaPkcs1:
    case Mech::AesKeyWrap:
    case Mech::AesKeyWrapPad:
      return {};
    default:
      return fail(Errc::BadParameter, std::string(ck_mechanism_name(m)) + " cannot wrap keys");
  }
}

}  // namespace

Result<Bytes> Token::wrap(Mech m, Handle wrapping_key, Handle key) {
  if (auto ok = wrapping_mech(m); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Bytes> {
    auto fn = impl_->fn();
    MechSpec spec(m);
    // An estimate that holds an RSA-4096 private key in PKCS#8 under AES-KWP; a larger output costs
    // a second call.
    Bytes out;
    CK_RV rv = call_into(out, 4096, [&](CK_BYTE_PTR o, CK_ULONG_PTR len) {
      return fn->C_WrapKey(s, spec.ptr(), wrapping_key.value, key.value, o, len);
    });
    if (rv != CKR_OK) return rv_fail(rv, std::string("C_WrapKey (") + ck_mechanism_name(m) + ")");
    return out;
  });
}

Result<Handle> Token::unwrap(Mech m, Handle unwrapping_key, ByteView wrapped, KeyType type,
                             const KeyUsage& usage) {
  if (auto ok = wrapping_mech(m); !ok) return std::unexpected(ok.error());
  if (wrapped.empty()) return fail(Errc::Corruption, "empty wrapped key");
  Template t;
  t.add_ulong(CKA_CLASS, ck_secret_class(type))
      .add_ulong(CKA_KEY_TYPE, ck_key_type(type))
      .add_bool(CKA_TOKEN, false);
  if (ck_secret_class(type) == CKO_SECRET_KEY) {
    add_secret_usage(t, usage);
  } else {
    add_private_usage(t, usage);
  }
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    MechSpec spec(m);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = impl_->fn()->C_UnwrapKey(s, spec.ptr(), unwrapping_key.value,
                                        const_cast<CK_BYTE_PTR>(wrapped.data()), wrapped.size(),
                                        t.data(), t.size(), &h);
    if (rv != CKR_OK)
      return session_rv_fail(impl_->fn(), s, rv, std::string("C_UnwrapKey (") + ck_mechanism_name(m) + ")");
    impl_->module->count_session_objects();
    return Handle{h};
  });
}

}  // namespace cv::hsm
