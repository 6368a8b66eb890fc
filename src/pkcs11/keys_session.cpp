// Working keys: session objects (CKA_TOKEN=FALSE), generated or imported. Always sensitive;
// extractable only when the usage says so (so the master key can wrap them for the catalogue).
#include "pkcs11/attributes.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

namespace {

Result<Handle> create_object(TokenImpl& impl, Template& t, const char* what) {
  return with_session(impl, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    if (CK_RV rv = impl.fn()->C_CreateObject(s, t.data(), t.size(), &h); rv != CKR_OK) {
      return rv_fail(rv, std::string("C_CreateObject (") + what + ")");
    }
    impl.module->count_session_objects();
    return Handle{h};
  });
}

Result<KeyPair> generate_pair(TokenImpl& impl, CK_MECHANISM_TYPE m, Template& pub, Template& priv,
                              const char* what) {
  return with_session(impl, [&](CK_SESSION_HANDLE s) -> Result<KeyPair> {
    CK_MECHANISM mech{m, nullptr, 0};
    CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
    CK_RV rv = impl.fn()->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(),
                                            priv.size(), &hpub, &hpriv);
    if (rv != CKR_OK) return rv_fail(rv, std::string("C_GenerateKeyPair (") + what + ")");
    impl.module->count_session_objects(2);
    return KeyPair{Handle{hpub}, Handle{hpriv}};
  });
}

bool aes_size_ok(std::size_t bytes) { return bytes == 16 || bytes == 24 || bytes == 32; }

Result<void> check_secret_size(KeyType type, std::size_t bytes) {
  if (type == KeyType::Aes && !aes_size_ok(bytes)) {
    return fail(Errc::BadParameter, "an AES key is 128, 192 or 256 bits");
  }
  if (type == KeyType::GenericSecret && (bytes < 16 || bytes > 128)) {
    return fail(Errc::BadParameter, "a generic secret is 128 to 1024 bits");
  }
  if (type != KeyType::Aes && type != KeyType::GenericSecret) {
    return fail(Errc::BadParameter, "not a secret key type");
  }
  return {};
}

Template session_secret_template(KeyType type, const KeyUsage& usage) {
  Template t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, ck_key_type(type))
      .add_bool(CKA_TOKEN, false);
  add_secret_usage(t, usage);
  return t;
}

}  // namespace

Result<Handle> Token::generate_secret_key(KeyType type, unsigned bits, const KeyUsage& usage) {
  if (bits % 8 != 0) return fail(Errc::BadParameter, "key size must be a multiple of 8 bits");
  if (auto ok = check_secret_size(type, bits / 8); !ok) return std::unexpected(ok.error());
  Template t = session_secret_template(type, usage);
  t.add_ulong(CKA_VALUE_LEN, bits / 8);
  CK_MECHANISM_TYPE m = type == KeyType::Aes ? CKM_AES_KEY_GEN : CKM_GENERIC_SECRET_KEY_GEN;
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    CK_MECHANISM mech{m, nullptr, 0};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    if (CK_RV rv = impl_->fn()->C_GenerateKey(s, &mech, t.data(), t.size(), &h); rv != CKR_OK) {
      return rv_fail(rv,
                     std::string("C_GenerateKey (") +
                         (m == CKM_AES_KEY_GEN ? "CKM_AES_KEY_GEN" : "CKM_GENERIC_SECRET_KEY_GEN") +
                         ", session secret key)");
    }
    impl_->module->count_session_objects();
    return Handle{h};
  });
}

Result<KeyPair> Token::generate_rsa(unsigned bits, const KeyUsage& usage) {
  if (bits < 2048 || bits > 8192) return fail(Errc::BadParameter, "RSA keys are 2048 to 8192 bits");
  static constexpr std::uint8_t kF4[] = {0x01, 0x00, 0x01};
  Template pub;
  pub.add_bool(CKA_TOKEN, false)
      .add_ulong(CKA_MODULUS_BITS, bits)
      .add_bytes(CKA_PUBLIC_EXPONENT, kF4);
  add_public_usage(pub, usage);
  Template priv;
  priv.add_bool(CKA_TOKEN, false);
  add_private_usage(priv, usage);
  return generate_pair(*impl_, CKM_RSA_PKCS_KEY_PAIR_GEN, pub, priv,
                       "CKM_RSA_PKCS_KEY_PAIR_GEN, session RSA key");
}

Result<KeyPair> Token::generate_ec(Curve curve, const KeyUsage& usage) {
  Template pub;
  pub.add_bool(CKA_TOKEN, false).add_bytes(CKA_EC_PARAMS, ec_params_der(curve));
  add_public_usage(pub, usage);
  Template priv;
  priv.add_bool(CKA_TOKEN, false);
  add_private_usage(priv, usage);
  return generate_pair(*impl_, CKM_EC_KEY_PAIR_GEN, pub, priv,
                       "CKM_EC_KEY_PAIR_GEN, session EC key");
}

Result<Handle> Token::import_rsa_public(const RsaPublic& key) {
  Template t;
  t.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_RSA)
      .add_bool(CKA_TOKEN, false)
      .add_bytes(CKA_MODULUS, key.n)
      .add_bytes(CKA_PUBLIC_EXPONENT, key.e);
  add_public_usage(t, KeyUsage{.encrypt = true, .verify = true, .wrap = true});
  return create_object(*impl_, t, "RSA public key");
}

Result<Handle> Token::import_ec_public(const EcPublic& key) {
  ByteView params = key.params.empty() ? ec_params_der(key.curve) : ByteView(key.params);
  Template t;
  t.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_EC)
      .add_bool(CKA_TOKEN, false)
      .add_bytes(CKA_EC_PARAMS, params)
      .add_bytes(CKA_EC_POINT, key.point);
  add_public_usage(t, KeyUsage{.verify = true});
  return create_object(*impl_, t, "EC public key");
}

Result<Handle> Token::import_rsa_private(const RsaPrivate& key, const KeyUsage& usage) {
  Template t;
  t.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_RSA)
      .add_bool(CKA_TOKEN, false)
      .add_bytes(CKA_MODULUS, key.n)
      .add_bytes(CKA_PUBLIC_EXPONENT, key.e)
      .add_bytes(CKA_PRIVATE_EXPONENT, key.d)
      .add_bytes(CKA_PRIME_1, key.p)
      .add_bytes(CKA_PRIME_2, key.q)
      .add_bytes(CKA_EXPONENT_1, key.dp)
      .add_bytes(CKA_EXPONENT_2, key.dq)
      .add_bytes(CKA_COEFFICIENT, key.qi);
  add_private_usage(t, usage);
  return create_object(*impl_, t, "RSA private key");
}

Result<Handle> Token::import_ec_private(const EcPrivate& key, const KeyUsage& usage) {
  if (key.d.size() != curve_bytes(key.pub.curve)) {
    return fail(Errc::BadParameter, std::string("an EC private scalar on ") +
                                        curve_name(key.pub.curve) + " is " +
                                        std::to_string(curve_bytes(key.pub.curve)) + " bytes");
  }
  ByteView params =
      key.pub.params.empty() ? ec_params_der(key.pub.curve) : ByteView(key.pub.params);
  Template t;
  t.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_EC)
      .add_bool(CKA_TOKEN, false)
      .add_bytes(CKA_EC_PARAMS, params)
      .add_bytes(CKA_VALUE, key.d);
  add_private_usage(t, usage);
  return create_object(*impl_, t, "EC private key");
}

Result<Handle> Token::import_secret_key(KeyType type, const SecureBytes& value,
                                        const KeyUsage& usage) {
  if (auto ok = check_secret_size(type, value.size()); !ok) return std::unexpected(ok.error());
  Template t = session_secret_template(type, usage);
  t.add_bytes(CKA_VALUE, value);
  return create_object(*impl_, t, "secret key");
}

Result<Handle> Token::copy_to_session(Handle key) {
  // Another label: session objects are visible to every session of the process, and a copy that kept the
  // original's label would make every later find() of that label (another Service, the same process) ambiguous.
  Template t;
  t.add_bool(CKA_TOKEN, false).add_string(CKA_LABEL, "coldvault-session-copy");
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Handle> {
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    if (CK_RV rv = impl_->fn()->C_CopyObject(s, key.value, t.data(), t.size(), &h); rv != CKR_OK)
      return rv_fail(rv, "C_CopyObject (session copy)");
    impl_->module->count_session_objects();
    return Handle{h};
  });
}

Result<void> Token::destroy(Handle h) {
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<void> {
    return check(impl_->fn()->C_DestroyObject(s, h.value), "C_DestroyObject");
  });
}

}  // namespace cv::hsm
