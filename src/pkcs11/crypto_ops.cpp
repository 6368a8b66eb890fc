// Single-part operations: AES-GCM, AES-CBC, and RSA/ECDSA encrypt, decrypt, sign, verify; HMAC sign, verify.
#include "pkcs11/mechanism.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

namespace {

std::string op_name(const char* fn, Mech m) {
  return std::string(fn) + " (" + ck_mechanism_name(m) + ")";
}

bool is_hmac(Mech m) { return m == Mech::HmacSha256 || m == Mech::HmacSha384 || m == Mech::HmacSha512; }
bool is_cbc(Mech m) { return m == Mech::AesCbc || m == Mech::AesCbcPad; }

Result<void> asymmetric_mech(Mech m) {
  if (m == Mech::AesGcm || m == Mech::AesKeyWrap || m == Mech::AesKeyWrapPad || is_cbc(m) || is_hmac(m)) {
    return fail(Errc::BadParameter,
                std::string(ck_mechanism_name(m)) + " is not an RSA or ECDSA mechanism here");
  }
  return {};
}

// sign / verify: RSA, ECDSA or HMAC.
Result<void> signing_mech(Mech m) {
  if (is_hmac(m)) return {};
  return asymmetric_mech(m);
}

Result<void> check_cbc(Mech m, ByteView iv) {
  if (!is_cbc(m)) return fail(Errc::BadParameter, std::string(ck_mechanism_name(m)) + " is not AES-CBC");
  if (iv.size() != kCbcIvBytes) return fail(Errc::BadParameter, "an AES-CBC IV is 16 bytes");
  return {};
}

Result<void> check_iv(ByteView iv) {
  if (iv.size() != kGcmIvBytes) return fail(Errc::BadParameter, "an AES-GCM IV is 12 bytes");
  return {};
}

// Init, then the single-part call into a buffer of `estimate` bytes (call_into). Output buffer type per
// call: plaintexts are secrets and live in wiped memory.
template <class Out, class Init, class Run>
Result<Out> init_and_call(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, Init&& init, Run&& run,
                          std::size_t estimate, const std::string& what) {
  if (CK_RV rv = init(); rv != CKR_OK) return session_rv_fail(fn, s, rv, what);
  Out out;
  if (CK_RV rv = call_into(out, estimate, run); rv != CKR_OK) return session_rv_fail(fn, s, rv, what);
  return out;
}

// Enough for any output of the asymmetric mechanisms here: an RSA-4096 block or signature, an ECDSA P-521
// signature, an HMAC-SHA-512 tag. A larger one (a bigger modulus) costs the second call only.
constexpr std::size_t kAsymmetricOutMax = 512;

// Never NULL: an empty input (a vault bundle's empty final chunk, an empty secret) still needs a pointer, or
// SoftHSM answers CKR_ARGUMENTS_BAD.
CK_BYTE_PTR in(ByteView v) {
  static CK_BYTE none = 0;
  return v.empty() ? &none : const_cast<CK_BYTE_PTR>(v.data());
}

}  // namespace

Result<Bytes> Token::gcm_encrypt(Handle key, ByteView iv, ByteView aad, ByteView plaintext) {
  if (auto ok = check_iv(iv); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Bytes> {
    auto fn = impl_->fn();
    MechSpec spec(iv, aad);
    return init_and_call<Bytes>(fn, s, [&] { return fn->C_EncryptInit(s, spec.ptr(), key.value); },
                                [&](CK_BYTE_PTR out, CK_ULONG_PTR len) {
                                  return fn->C_Encrypt(s, in(plaintext), plaintext.size(), out, len);
                                },
                                plaintext.size() + kGcmTagBytes, "AES-GCM encrypt");
  });
}

Result<SecureBytes> Token::gcm_decrypt(Handle key, ByteView iv, ByteView aad, ByteView ciphertext) {
  if (auto ok = check_iv(iv); !ok) return std::unexpected(ok.error());
  if (ciphertext.size() < kGcmTagBytes) {
    return fail(Errc::Corruption, "AES-GCM ciphertext shorter than its tag");
  }
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<SecureBytes> {
    auto fn = impl_->fn();
    MechSpec spec(iv, aad);
    if (CK_RV rv = fn->C_DecryptInit(s, spec.ptr(), key.value); rv != CKR_OK) {
      return rv_fail(rv, "AES-GCM decrypt");
    }
    // SoftHSM reports a bad tag as CKR_GENERAL_ERROR, not CKR_ENCRYPTED_DATA_INVALID, so those (and the
    // standard codes for a bad ciphertext) read as "this ciphertext is not authentic". Any other code is
    // the token failing (removed, session lost, out of memory): classified like every other call, so an
    // outage is never reported as a catalogue altered outside coldvault (fault sweep, docs/reliability.md).
    // The plaintext is never longer than the ciphertext.
    SecureBytes out;
    if (CK_RV rv = call_into(out, ciphertext.size(), [&](CK_BYTE_PTR o, CK_ULONG_PTR len) {
          return fn->C_Decrypt(s, in(ciphertext), ciphertext.size(), o, len);
        });
        rv != CKR_OK) {
      return std::unexpected(
          input_rv_error(fn, s, rv, "AES-GCM decrypt",
                         {CKR_GENERAL_ERROR, CKR_ENCRYPTED_DATA_INVALID, CKR_ENCRYPTED_DATA_LEN_RANGE},
                         "AES-GCM authentication failed"));
    }
    return out;
  });
}

Result<Bytes> Token::cbc_encrypt(Mech m, Handle key, ByteView iv, ByteView plaintext) {
  if (auto ok = check_cbc(m, iv); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Bytes> {
    auto fn = impl_->fn();
    MechSpec spec(m, iv);
    return init_and_call<Bytes>(fn, s, [&] { return fn->C_EncryptInit(s, spec.ptr(), key.value); },
                                [&](CK_BYTE_PTR out, CK_ULONG_PTR len) {
                                  return fn->C_Encrypt(s, in(plaintext), plaintext.size(), out, len);
                                },
                                plaintext.size() + kCbcIvBytes, op_name("C_Encrypt", m));
  });
}

Result<SecureBytes> Token::cbc_decrypt(Mech m, Handle key, ByteView iv, ByteView ciphertext) {
  if (auto ok = check_cbc(m, iv); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<SecureBytes> {
    auto fn = impl_->fn();
    MechSpec spec(m, iv);
    return init_and_call<SecureBytes>(fn, s, [&] { return fn->C_DecryptInit(s, spec.ptr(), key.value); },
                                      [&](CK_BYTE_PTR out, CK_ULONG_PTR len) {
                                        return fn->C_Decrypt(s, in(ciphertext), ciphertext.size(), out, len);
                                      },
                                      ciphertext.size(), op_name("C_Decrypt", m));
  });
}

Result<Bytes> Token::encrypt(Mech m, Handle key, ByteView data) {
  if (auto ok = asymmetric_mech(m); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Bytes> {
    auto fn = impl_->fn();
    MechSpec spec(m);
    return init_and_call<Bytes>(fn, s, [&] { return fn->C_EncryptInit(s, spec.ptr(), key.value); },
                                [&](CK_BYTE_PTR out, CK_ULONG_PTR len) {
                                  return fn->C_Encrypt(s, in(data), data.size(), out, len);
                                },
                                kAsymmetricOutMax, op_name("C_Encrypt", m));
  });
}

Result<SecureBytes> Token::decrypt(Mech m, Handle key, ByteView data) {
  if (auto ok = asymmetric_mech(m); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<SecureBytes> {
    auto fn = impl_->fn();
    MechSpec spec(m);
    return init_and_call<SecureBytes>(fn, s, [&] { return fn->C_DecryptInit(s, spec.ptr(), key.value); },
                                      [&](CK_BYTE_PTR out, CK_ULONG_PTR len) {
                                        return fn->C_Decrypt(s, in(data), data.size(), out, len);
                                      },
                                      data.size(), op_name("C_Decrypt", m));
  });
}

Result<Bytes> Token::sign(Mech m, Handle key, ByteView data, Hash pss_hash) {
  if (auto ok = signing_mech(m); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<Bytes> {
    auto fn = impl_->fn();
    MechSpec spec(m, pss_hash);
    return init_and_call<Bytes>(fn, s, [&] { return fn->C_SignInit(s, spec.ptr(), key.value); },
                                [&](CK_BYTE_PTR out, CK_ULONG_PTR len) {
                                  return fn->C_Sign(s, in(data), data.size(), out, len);
                                },
                                kAsymmetricOutMax, op_name("C_Sign", m));
  });
}

Result<bool> Token::verify(Mech m, Handle key, ByteView data, ByteView signature, Hash pss_hash) {
  if (auto ok = signing_mech(m); !ok) return std::unexpected(ok.error());
  return with_session(*impl_, [&](CK_SESSION_HANDLE s) -> Result<bool> {
    auto fn = impl_->fn();
    MechSpec spec(m, pss_hash);
    if (CK_RV rv = fn->C_VerifyInit(s, spec.ptr(), key.value); rv != CKR_OK) {
      return rv_fail(rv, op_name("C_VerifyInit", m));
    }
    CK_RV rv = fn->C_Verify(s, in(data), data.size(), in(signature), signature.size());
    if (rv == CKR_OK) return true;
    if (rv == CKR_SIGNATURE_INVALID || rv == CKR_SIGNATURE_LEN_RANGE) return false;
    return rv_fail(rv, op_name("C_Verify", m));
  });
}

}  // namespace cv::hsm
