// Root keys: the few token objects of a vault (master key, domain key, signing key). Each costs ~12
// ms and a file in SoftHSM; everything else is a session object (keys_session.cpp).
#include "pkcs11/attributes.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

namespace {

// Labels of root keys are how the vault finds them at start-up, so two keys with one label would
// make find() ambiguous forever. Refuse up front.
Result<void> label_free(Token& token, const std::string& label, const char* object_class) {
  auto h = token.find(label, object_class);
  if (h)
    return fail(Errc::Conflict, std::string("a ") + object_class + " key labelled '" + label +
                                    "' already exists on the token");
  if (h.error().code != Errc::NotFound) return std::unexpected(std::move(h.error()));
  return {};
}

// A token that does not know CKA_UNWRAP_TEMPLATE (or CKA_WRAP_WITH_TRUSTED) says so with one of these at C_GenerateKey.
bool attribute_refused(CK_RV rv) {
  return rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_VALUE_INVALID ||
         rv == CKR_TEMPLATE_INCONSISTENT;
}

}  // namespace

Result<Handle> Token::create_master_key(const std::string& label, bool transferable) {
  if (auto ok = label_free(*this, label, "secret"); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    // Tried from the most to the least the token knows: without the unwrap template the key is what it was
    // before it existed (whether the token enforces the template is probed separately,
    // unwrap_template_enforced); without CKA_WRAP_WITH_TRUSTED it is not transferable (never extractable).
    CK_RV rv = CKR_GENERAL_ERROR;
    static constexpr std::pair<bool, bool> kTries[] = {{true, true}, {false, true}, {true, false}, {false, false}};
    for (auto [unwrap_template, movable] : kTries) {
      if (movable && !transferable) continue;
      Template t;
      t.add_ulong(CKA_CLASS, CKO_SECRET_KEY).add_ulong(CKA_KEY_TYPE, CKK_AES).add_ulong(CKA_VALUE_LEN, 32);
      add_master_key_attrs(t, label, movable, unwrap_template);
      rv = impl_->fn()->C_GenerateKey(s, &mech, t.data(), t.size(), &h);
      if (!attribute_refused(rv)) break;
    }
    if (rv != CKR_OK)
      return rv_fail(rv, "C_GenerateKey (CKM_AES_KEY_GEN, master key '" + label + "')");
    return Handle{h};
  });
}

Result<KeyPair> Token::create_domain_key(const std::string& label, const Bytes& id, unsigned bits) {
  if (auto ok = label_free(*this, label, "private"); !ok) return std::unexpected(ok.error());
  static constexpr std::uint8_t kF4[] = {0x01, 0x00, 0x01};
  Template pub;
  pub.add_ulong(CKA_MODULUS_BITS, bits).add_bytes(CKA_PUBLIC_EXPONENT, kF4);
  add_domain_public_attrs(pub, label, id);
  Template priv;
  add_domain_private_attrs(priv, label, id);
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<KeyPair> {
    CK_MECHANISM mech{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
    CK_RV rv = impl_->fn()->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(),
                                              priv.size(), &hpub, &hpriv);
    if (rv == CKR_ATTRIBUTE_TYPE_INVALID) {
      // A PKCS#11 2.20 token (opencryptoki 3.8.1) does not know these, and the domain key's
      // protection rests on them: refuse rather than make the key without them.
      return fail(Errc::Unsupported,
                  "the token lacks attribute CKA_ALLOWED_MECHANISMS or CKA_WRAP_WITH_TRUSTED, "
                  "which the domain key '" +
                      label + "' needs",
                  rv_name(rv));
    }
    if (rv != CKR_OK) {
      return rv_fail(rv,
                     "C_GenerateKeyPair (CKM_RSA_PKCS_KEY_PAIR_GEN, domain key '" + label + "')");
    }
    return KeyPair{Handle{hpub}, Handle{hpriv}};
  });
}

// The vault and TLS signing keys. A transferable one may leave the token only under a key the SO marked
// trusted (the domain-transfer ceremony), like the domain key; the others never leave it.
static Result<KeyPair> make_signing_key(Token& token, TokenImpl& impl, const std::string& label, Curve curve,
                                        ByteView id, bool transferable) {
  if (auto ok = label_free(token, label, "private"); !ok) return std::unexpected(ok.error());
  Template pub;
  pub.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_bytes(CKA_EC_PARAMS, ec_params_der(curve))
      .add_bool(CKA_VERIFY, true)
      .add_string(CKA_LABEL, label);
  if (!id.empty()) pub.add_bytes(CKA_ID, id);
  Template priv;
  priv.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, transferable)
      .add_bool(CKA_SIGN, true)
      .add_bool(CKA_DERIVE, false)
      .add_string(CKA_LABEL, label);
  if (transferable) priv.add_bool(CKA_WRAP_WITH_TRUSTED, true);
  if (!id.empty()) priv.add_bytes(CKA_ID, id);
  return with_session(impl, [&](CK_SESSION_HANDLE s) -> Result<KeyPair> {
    CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
    CK_RV rv = impl.fn()->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &hpub,
                                            &hpriv);
    if (rv != CKR_OK)
      return rv_fail(rv, "C_GenerateKeyPair (CKM_EC_KEY_PAIR_GEN, signing key '" + label + "')");
    return KeyPair{Handle{hpub}, Handle{hpriv}};
  });
}

Result<KeyPair> Token::create_signing_key(const std::string& label, Curve curve, ByteView id) {
  return make_signing_key(*this, *impl_, label, curve, id, false);
}

Result<KeyPair> Token::create_transferable_signing_key(const std::string& label, Curve curve, ByteView id) {
  return make_signing_key(*this, *impl_, label, curve, id, true);
}

}  // namespace cv::hsm
