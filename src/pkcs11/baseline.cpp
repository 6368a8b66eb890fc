// Raw benchmark loops (hsm_baseline.hpp): no Result, no per-call allocation, one session for the
// run.
#include <chrono>

#include "coldvault/hsm_baseline.hpp"
#include "pkcs11/attributes.hpp"
#include "pkcs11/mechanism.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

namespace {

using Clock = std::chrono::steady_clock;

// Runs `op` `iterations` times on one leased session; ops/s, or 0.0 at the first failure.
template <class Op>
double rate(Token& token, int iterations, Op&& op) {
  if (iterations <= 0) return 0.0;
  auto& impl = detail::TokenAccess::impl(token);
  auto lease = impl.pool.acquire();
  if (!lease) return 0.0;
  CK_FUNCTION_LIST_PTR fn = impl.fn();
  CK_SESSION_HANDLE s = lease->get();
  auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) {
    if (op(fn, s) != CKR_OK) return 0.0;
  }
  std::chrono::duration<double> elapsed = Clock::now() - start;
  return elapsed.count() > 0 ? iterations / elapsed.count() : 0.0;
}

Hash hash_for_len(std::size_t len) {
  switch (len) {
    case 20:
      return Hash::Sha1;
    case 48:
      return Hash::Sha384;
    case 64:
      return Hash::Sha512;
    default:
      return Hash::Sha256;
  }
}

constexpr std::uint8_t kIv[kGcmIvBytes] = {};

}  // namespace

double raw_gcm_encrypt_rate(Token& token, Handle key, std::size_t bytes, int iterations) {
  Bytes plain(bytes, 0x5a);
  Bytes out(bytes + kGcmTagBytes);
  return rate(token, iterations, [&](CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) {
    MechSpec spec(kIv, {});
    if (CK_RV rv = fn->C_EncryptInit(s, spec.ptr(), key.value); rv != CKR_OK) return rv;
    CK_ULONG len = out.size();
    return fn->C_Encrypt(s, plain.data(), plain.size(), out.data(), &len);
  });
}

double raw_gcm_decrypt_rate(Token& token, Handle key, std::size_t bytes, int iterations) {
  Bytes plain(bytes, 0x5a);
  auto ct = token.gcm_encrypt(key, kIv, {}, plain);
  if (!ct) return 0.0;
  // SoftHSM wants room for the whole ciphertext even though the tag is not returned.
  Bytes out(ct->size());
  return rate(token, iterations, [&](CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) {
    MechSpec spec(kIv, {});
    if (CK_RV rv = fn->C_DecryptInit(s, spec.ptr(), key.value); rv != CKR_OK) return rv;
    CK_ULONG len = out.size();
    return fn->C_Decrypt(s, ct->data(), ct->size(), out.data(), &len);
  });
}

double raw_sign_rate(Token& token, Mech m, Handle priv, std::size_t digest_len, int iterations) {
  Bytes digest(digest_len, 0x11);
  Bytes sig(1024);  // larger than any RSA-8192 or ECDSA P-521 signature
  Hash h = hash_for_len(digest_len);
  return rate(token, iterations, [&](CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) {
    MechSpec spec(m, h);
    if (CK_RV rv = fn->C_SignInit(s, spec.ptr(), priv.value); rv != CKR_OK) return rv;
    CK_ULONG len = sig.size();
    return fn->C_Sign(s, digest.data(), digest.size(), sig.data(), &len);
  });
}

double raw_unwrap_rate(Token& token, Mech m, Handle unwrapping_key, ByteView wrapped, KeyType type,
                       int iterations) {
  Template t;
  t.add_ulong(CKA_CLASS, ck_secret_class(type))
      .add_ulong(CKA_KEY_TYPE, ck_key_type(type))
      .add_bool(CKA_TOKEN, false);
  if (ck_secret_class(type) == CKO_SECRET_KEY) {
    add_secret_usage(t, KeyUsage{.decrypt = true, .unwrap = true});
  } else {
    add_private_usage(t, KeyUsage{.sign = true});
  }
  Bytes blob(wrapped.begin(), wrapped.end());
  return rate(token, iterations, [&](CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) {
    MechSpec spec(m);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = fn->C_UnwrapKey(s, spec.ptr(), unwrapping_key.value, blob.data(), blob.size(),
                               t.data(), t.size(), &h);
    if (rv != CKR_OK) return rv;
    return fn->C_DestroyObject(s, h);
  });
}

double raw_decrypt_rate(Token& token, Mech m, Handle priv, ByteView ciphertext, int iterations) {
  Bytes ct(ciphertext.begin(), ciphertext.end());
  SecureBytes out(ct.size() + 16);
  return rate(token, iterations, [&](CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s) {
    MechSpec spec(m);
    if (CK_RV rv = fn->C_DecryptInit(s, spec.ptr(), priv.value); rv != CKR_OK) return rv;
    CK_ULONG len = out.size();
    return fn->C_Decrypt(s, ct.data(), ct.size(), out.data(), &len);
  });
}

}  // namespace cv::hsm
