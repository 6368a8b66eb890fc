// The token side of the domain-transfer ceremony (docs/domain-transfer.md): the trusted transfer key the SO
// makes at the source, the transfer key at the target, the transferred root keys unwrapped into token
// objects, and the custodians' key pairs.
#include "pkcs11/attributes.hpp"
#include "pkcs11/mechanism.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

namespace {

CK_UTF8CHAR_PTR pin_ptr(const SecureBytes& pin) { return const_cast<CK_UTF8CHAR_PTR>(pin.data()); }

Result<Handle> create_in(TokenImpl& impl, CK_SESSION_HANDLE s, Template& t, const char* what) {
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  if (CK_RV rv = impl.fn()->C_CreateObject(s, t.data(), t.size(), &h); rv != CKR_OK)
    return rv_fail(rv, std::string("C_CreateObject (") + what + ")");
  // Counted for recycling (module.hpp) even for the public halves made as token objects: a few
  // extra per ceremony do no harm.
  impl.module->count_session_objects();
  return Handle{h};
}

Template transfer_key_template(const SecureBytes& value, bool trusted) {
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_AES)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_PRIVATE, false)  // a private session object would not survive the SO's logout
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, false)
      .add_bool(CKA_ENCRYPT, false)
      .add_bool(CKA_DECRYPT, false)
      .add_bool(CKA_WRAP, trusted)
      .add_bool(CKA_UNWRAP, true)
      .add_string(CKA_LABEL, "coldvault-transfer-key")
      .add_bytes(CKA_VALUE, value);
  if (trusted) t.add_bool(CKA_TRUSTED, true);
  return t;
}

Result<Handle> unwrap_into(TokenImpl& impl, Handle kek, ByteView wrapped, Template& t, const char* what) {
  if (wrapped.empty()) return fail(Errc::Corruption, std::string("empty wrapped ") + what);
  return with_session(impl, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    MechSpec spec(Mech::AesKeyWrapPad);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = impl.fn()->C_UnwrapKey(s, spec.ptr(), kek.value, const_cast<CK_BYTE_PTR>(wrapped.data()),
                                      wrapped.size(), t.data(), t.size(), &h);
    if (rv != CKR_OK) return session_rv_fail(impl.fn(), s, rv, std::string("C_UnwrapKey (") + what + ")");
    return Handle{h};
  });
}

}  // namespace

Result<Handle> Token::create_trusted_transfer_key(const SecureBytes& value, const SecureBytes& so_pin,
                                                  const SecureBytes& user_pin) {
  if (value.size() != 32) return fail(Errc::BadParameter, "a transfer key is 32 bytes");
  if (so_pin.empty()) return fail(Errc::BadParameter, "the SO PIN is empty");
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    auto fn = impl_->fn();
    // Login state is per application: this logout ends the user's login on every pooled session.
    if (CK_RV rv = fn->C_Logout(s); rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN) return rv_fail(rv, "C_Logout");
    auto relogin = [&]() -> Result<void> {
      CK_RV rv = fn->C_Login(s, CKU_USER, pin_ptr(user_pin), user_pin.size());
      if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return rv_fail(rv, "C_Login (user, after the SO)");
      return {};
    };
    CK_RV rv = fn->C_Login(s, CKU_SO, pin_ptr(so_pin), so_pin.size());
    if (rv != CKR_OK) {
      auto err = rv_fail(rv, "C_Login (SO)");
      if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID)
        err = fail(Errc::HsmLoginFailed, "the SO PIN was refused by token '" + impl_->label + "' (" +
                                             rv_name(rv) + "); nothing was made");
      if (auto r = relogin(); !r) return std::unexpected(r.error());
      return err;
    }
    auto t = transfer_key_template(value, true);
    auto h = create_in(*impl_, s, t, "trusted transfer key");
    (void)fn->C_Logout(s);
    if (auto r = relogin(); !r) {
      if (h) (void)fn->C_DestroyObject(s, h->value);
      return std::unexpected(r.error());
    }
    return h;
  });
}

Result<Handle> Token::import_transfer_key(const SecureBytes& value) {
  if (value.size() != 32) return fail(Errc::BadParameter, "a transfer key is 32 bytes");
  auto t = transfer_key_template(value, false);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) { return create_in(*impl_, s, t, "transfer key"); });
}

Result<KeyPair> Token::unwrap_domain_key(Handle kek, ByteView wrapped, const RsaPublic& pub, const std::string& label,
                                         ByteView id) {
  // The attributes create_domain_key gives: the key stays what it was at the source.
  Template priv;
  priv.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY).add_ulong(CKA_KEY_TYPE, CKK_RSA);
  add_domain_private_attrs(priv, label, id);
  auto hpriv = unwrap_into(*impl_, kek, wrapped, priv, "domain key");
  if (!hpriv) return std::unexpected(hpriv.error());
  Template pt;
  pt.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_RSA)
      .add_bytes(CKA_MODULUS, pub.n)
      .add_bytes(CKA_PUBLIC_EXPONENT, pub.e);
  add_domain_public_attrs(pt, label, id);
  auto hpub = with_session(*impl_, [&](CK_SESSION_HANDLE s) { return create_in(*impl_, s, pt, "domain public key"); });
  if (!hpub) {
    (void)destroy(*hpriv);
    return std::unexpected(hpub.error());
  }
  return KeyPair{*hpub, *hpriv};
}

Result<KeyPair> Token::unwrap_signing_key(Handle kek, ByteView wrapped, const EcPublic& pub, const std::string& label) {
  Template priv;
  priv.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_EC)
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, true)
      .add_bool(CKA_WRAP_WITH_TRUSTED, true)
      .add_bool(CKA_SIGN, true)
      .add_bool(CKA_DERIVE, false)
      .add_string(CKA_LABEL, label);
  auto hpriv = unwrap_into(*impl_, kek, wrapped, priv, "vault signing key");
  if (!hpriv) return std::unexpected(hpriv.error());
  ByteView params = pub.params.empty() ? ec_params_der(pub.curve) : ByteView(pub.params);
  Template pt;
  pt.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_EC)
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_bytes(CKA_EC_PARAMS, params)
      .add_bytes(CKA_EC_POINT, pub.point)
      .add_bool(CKA_VERIFY, true)
      .add_string(CKA_LABEL, label);
  auto hpub = with_session(*impl_, [&](CK_SESSION_HANDLE s) { return create_in(*impl_, s, pt, "signing public key"); });
  if (!hpub) {
    (void)destroy(*hpriv);
    return std::unexpected(hpub.error());
  }
  return KeyPair{*hpub, *hpriv};
}

Result<Handle> Token::unwrap_master_key(Handle kek, ByteView wrapped, const std::string& label) {
  // create_master_key's attributes, the transferable ones: the key can move on again.
  for (bool unwrap_template : {true, false}) {
    Template t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES);
    add_master_key_attrs(t, label, true, unwrap_template);
    auto h = unwrap_into(*impl_, kek, wrapped, t, "AES root key");
    // A token without CKA_UNWRAP_TEMPLATE: the key as create_master_key would have made it there.
    if (h || !unwrap_template || h.error().native.find("CKR_ATTRIBUTE_TYPE_INVALID") == std::string::npos) return h;
  }
  return fail(Errc::Internal, "unreachable");
}

Result<KeyPair> Token::create_custodian_key(const std::string& label, unsigned bits) {
  if (auto h = find(label, "private"); h)
    return fail(Errc::Conflict, "a private key labelled '" + label + "' already exists on the token");
  static constexpr std::uint8_t kF4[] = {0x01, 0x00, 0x01};
  Template pub;
  pub.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_ulong(CKA_MODULUS_BITS, bits)
      .add_bytes(CKA_PUBLIC_EXPONENT, kF4)
      .add_bool(CKA_ENCRYPT, true)
      .add_bool(CKA_VERIFY, true)
      .add_bool(CKA_WRAP, false)
      .add_string(CKA_LABEL, label);
  // Decrypts shares (OAEP) and nothing else once enrollment has signed its certificate with it.
  auto priv_template = [&](bool restrict_mechanisms) {
    Template priv;
    priv.add_bool(CKA_TOKEN, true)
        .add_bool(CKA_PRIVATE, true)
        .add_bool(CKA_SENSITIVE, true)
        .add_bool(CKA_EXTRACTABLE, false)
        .add_bool(CKA_DECRYPT, true)
        .add_bool(CKA_UNWRAP, false)
        .add_bool(CKA_SIGN, true)
        .add_string(CKA_LABEL, label);
    if (restrict_mechanisms) priv.add_mechanisms(CKA_ALLOWED_MECHANISMS, {CKM_RSA_PKCS_OAEP, CKM_RSA_PKCS});
    return priv;
  };
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<KeyPair> {
    CK_MECHANISM mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
    auto priv = priv_template(true);
    CK_RV rv = impl_->fn()->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &hpub,
                                              &hpriv);
    if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_TEMPLATE_INCONSISTENT) {
      // A smartcard (or opencryptoki 3.8) without CKA_ALLOWED_MECHANISMS: the key is still decrypt-only once
      // enrolled (CKA_SIGN=FALSE), only not limited to OAEP (docs/pkcs11-modules.md).
      auto plain = priv_template(false);
      rv = impl_->fn()->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), plain.data(), plain.size(), &hpub, &hpriv);
    }
    if (rv != CKR_OK) return rv_fail(rv, "C_GenerateKeyPair (CKM_RSA_PKCS_KEY_PAIR_GEN, custodian key '" + label + "')");
    return KeyPair{Handle{hpub}, Handle{hpriv}};
  });
}

Result<void> Token::finish_custodian_key(const KeyPair& kp, ByteView id) {
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<void> {
    auto fn = impl_->fn();
    Template pub_t;
    pub_t.add_bytes(CKA_ID, id);
    if (CK_RV rv = fn->C_SetAttributeValue(s, kp.pub.value, pub_t.data(), pub_t.size()); rv != CKR_OK)
      return rv_fail(rv, "C_SetAttributeValue (custodian public key CKA_ID)");
    Template priv_t;
    priv_t.add_bytes(CKA_ID, id).add_bool(CKA_SIGN, false);
    if (CK_RV rv = fn->C_SetAttributeValue(s, kp.priv.value, priv_t.data(), priv_t.size()); rv != CKR_OK)
      return rv_fail(rv, "C_SetAttributeValue (custodian private key CKA_ID, CKA_SIGN=FALSE)");
    // PKCS#1 v1.5 was allowed only for that one signature: try to narrow the key to OAEP. SoftHSM 2.6.1 and
    // opencryptoki 3.8.1 do not change the list, so the key keeps {OAEP, RSA_PKCS} with CKA_SIGN=FALSE there
    // (docs/domain-transfer.md, "Limits").
    Template narrow;
    narrow.add_mechanisms(CKA_ALLOWED_MECHANISMS, {CKM_RSA_PKCS_OAEP});
    (void)fn->C_SetAttributeValue(s, kp.priv.value, narrow.data(), narrow.size());
    return {};
  });
}

}  // namespace cv::hsm
