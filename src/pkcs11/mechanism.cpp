// Mech mapping and parameter blocks, plus Token::require/has (probe once per Token, then cached).
#include "pkcs11/mechanism.hpp"

#include "pkcs11/rv.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {

CK_MECHANISM_TYPE ck_mechanism(Mech m) {
  switch (m) {
    case Mech::RsaOaepSha1:
      return CKM_RSA_PKCS_OAEP;
    case Mech::RsaPkcs1:
      return CKM_RSA_PKCS;
    case Mech::RsaRaw:
      return CKM_RSA_X_509;
    case Mech::RsaPss:
      return CKM_RSA_PKCS_PSS;
    case Mech::Ecdsa:
      return CKM_ECDSA;
    case Mech::AesKeyWrap:
      return CKM_AES_KEY_WRAP;
    case Mech::AesKeyWrapPad:
      return CKM_AES_KEY_WRAP_PAD;
    case Mech::AesGcm:
      return CKM_AES_GCM;
    case Mech::AesCbc:
      return CKM_AES_CBC;
    case Mech::AesCbcPad:
      return CKM_AES_CBC_PAD;
    case Mech::HmacSha256:
      return CKM_SHA256_HMAC;
    case Mech::HmacSha384:
      return CKM_SHA384_HMAC;
    case Mech::HmacSha512:
      return CKM_SHA512_HMAC;
  }
  return CKM_VENDOR_DEFINED;
}

const char* ck_mechanism_name(Mech m) {
  switch (m) {
    case Mech::RsaOaepSha1:
      return "CKM_RSA_PKCS_OAEP";
    case Mech::RsaPkcs1:
      return "CKM_RSA_PKCS";
    case Mech::RsaRaw:
      return "CKM_RSA_X_509";
    case Mech::RsaPss:
      return "CKM_RSA_PKCS_PSS";
    case Mech::Ecdsa:
      return "CKM_ECDSA";
    case Mech::AesKeyWrap:
      return "CKM_AES_KEY_WRAP";
    case Mech::AesKeyWrapPad:
      return "CKM_AES_KEY_WRAP_PAD";
    case Mech::AesGcm:
      return "CKM_AES_GCM";
    case Mech::AesCbc:
      return "CKM_AES_CBC";
    case Mech::AesCbcPad:
      return "CKM_AES_CBC_PAD";
    case Mech::HmacSha256:
      return "CKM_SHA256_HMAC";
    case Mech::HmacSha384:
      return "CKM_SHA384_HMAC";
    case Mech::HmacSha512:
      return "CKM_SHA512_HMAC";
  }
  return "CKM_?";
}

std::size_t hash_len(Hash h) {
  switch (h) {
    case Hash::Sha1:
      return 20;
    case Hash::Sha256:
      return 32;
    case Hash::Sha384:
      return 48;
    case Hash::Sha512:
      return 64;
  }
  return 0;
}

namespace {

struct PssHash {
  CK_MECHANISM_TYPE hash;
  CK_RSA_PKCS_MGF_TYPE mgf;
};

PssHash pss_hash_of(Hash h) {
  switch (h) {
    case Hash::Sha1:
      return {CKM_SHA_1, CKG_MGF1_SHA1};
    case Hash::Sha256:
      return {CKM_SHA256, CKG_MGF1_SHA256};
    case Hash::Sha384:
      return {CKM_SHA384, CKG_MGF1_SHA384};
    case Hash::Sha512:
      return {CKM_SHA512, CKG_MGF1_SHA512};
  }
  return {CKM_SHA256, CKG_MGF1_SHA256};
}

}  // namespace

MechSpec::MechSpec(Mech m, Hash pss_hash) {
  mech_.mechanism = ck_mechanism(m);
  switch (m) {
    case Mech::RsaOaepSha1:
      // SoftHSM 2.6.1 accepts only SHA-1/MGF1-SHA1 with an empty label (pkcs11-facts.md).
      oaep_ = CK_RSA_PKCS_OAEP_PARAMS{CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
      mech_.pParameter = &oaep_;
      mech_.ulParameterLen = sizeof oaep_;
      break;
    case Mech::RsaPss: {
      auto [hash, mgf] = pss_hash_of(pss_hash);
      // Salt as long as the digest: what RFC 8017 recommends and JOSE PS256/384/512 require.
      pss_ = CK_RSA_PKCS_PSS_PARAMS{hash, mgf, hash_len(pss_hash)};
      mech_.pParameter = &pss_;
      mech_.ulParameterLen = sizeof pss_;
      break;
    }
    default:
      // The key-wrap mechanisms must get no IV: SoftHSM's C_WrapKey rejects one. GCM without an IV
      // is a caller bug and fails in the token.
      break;
  }
}

MechSpec::MechSpec(Mech cbc, ByteView iv) {
  mech_.mechanism = ck_mechanism(cbc);
  mech_.pParameter = const_cast<CK_BYTE_PTR>(iv.data());  // read only, as for GCM
  mech_.ulParameterLen = iv.size();
}

MechSpec::MechSpec(ByteView iv, ByteView aad) {
  mech_.mechanism = CKM_AES_GCM;
  // The token only reads IV and AAD; PKCS#11 just lacks const.
  gcm_.pIv = const_cast<CK_BYTE_PTR>(iv.data());
  gcm_.ulIvLen = iv.size();
  gcm_.ulIvBits = iv.size() * 8;
  gcm_.pAAD = aad.empty() ? nullptr : const_cast<CK_BYTE_PTR>(aad.data());
  gcm_.ulAADLen = aad.size();
  // Always 128: SoftHSM would accept even a 0-bit tag (pkcs11-facts.md, Traps).
  gcm_.ulTagBits = kGcmTagBytes * 8;
  mech_.pParameter = &gcm_;
  mech_.ulParameterLen = sizeof gcm_;
}

Result<void> Token::require(Mech m) const {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.mech_mutex);
    if (auto it = impl.mech_cache.find(m); it != impl.mech_cache.end()) {
      if (it->second) return {};
      // Same error as the first answer, native code included, so callers see no difference.
      return fail(Errc::Unsupported,
                  std::string("the token lacks mechanism ") + ck_mechanism_name(m),
                  rv_name(CKR_MECHANISM_INVALID));
    }
  }
  // Zeroed each time: SoftHSM ORs flags into the caller's struct for some modes.
  CK_MECHANISM_INFO info{};
  CK_RV rv = impl.fn()->C_GetMechanismInfo(impl.slot, ck_mechanism(m), &info);
  bool supported = rv == CKR_OK;
  if (rv != CKR_OK && rv != CKR_MECHANISM_INVALID) {
    // A device error says nothing about the mechanism: report it, do not cache it.
    return rv_fail(rv, std::string("C_GetMechanismInfo(") + ck_mechanism_name(m) + ")");
  }
  {
    std::lock_guard lock(impl.mech_mutex);
    impl.mech_cache[m] = supported;
  }
  if (supported) return {};
  return fail(Errc::Unsupported, std::string("the token lacks mechanism ") + ck_mechanism_name(m),
              rv_name(rv));
}

bool Token::has(Mech m) const { return require(m).has_value(); }

}  // namespace cv::hsm
