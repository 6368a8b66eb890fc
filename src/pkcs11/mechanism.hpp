// cv::hsm::Mech -> CK_MECHANISM, with its parameter block.
//
// A MechSpec owns the parameter struct its CK_MECHANISM points at, so it can be neither copied nor
// moved (the pointer would dangle); build it in place where the call is made:
//   MechSpec spec(Mech::RsaPss, Hash::Sha256);
//   fn->C_SignInit(s, spec.ptr(), key);
#pragma once

#include <string>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/hsm.hpp"
#include "coldvault/key_parts.hpp"
#include "pkcs11/p11.hpp"

namespace cv::hsm {

CK_MECHANISM_TYPE ck_mechanism(Mech m);
// "CKM_RSA_PKCS_OAEP", for messages.
const char* ck_mechanism_name(Mech m);
// Digest length in bytes of a hash (20, 32, 48, 64).
std::size_t hash_len(Hash h);

class MechSpec {
 public:
  // Mechanisms whose parameters are fixed (OAEP SHA-1, PSS per hash, none for the rest). AesGcm
  // needs the IV constructor below.
  explicit MechSpec(Mech m, Hash pss_hash = Hash::Sha256);
  // AES-GCM: REQUIRES iv.size() == 12 (checked by callers, which own the error message). The IV and
  // AAD must outlive this object: they are pointed at, not copied.
  MechSpec(ByteView iv, ByteView aad);
  // AES-CBC / CBC_PAD: the parameter is the 16-byte IV itself, pointed at (it must outlive this object).
  MechSpec(Mech cbc, ByteView iv);
  MechSpec(const MechSpec&) = delete;
  MechSpec& operator=(const MechSpec&) = delete;

  CK_MECHANISM_PTR ptr() { return &mech_; }

 private:
  CK_MECHANISM mech_{};
  CK_RSA_PKCS_OAEP_PARAMS oaep_{};
  CK_RSA_PKCS_PSS_PARAMS pss_{};
  CK_GCM_PARAMS gcm_{};
};

inline constexpr std::size_t kGcmIvBytes = 12;
inline constexpr std::size_t kGcmTagBytes = 16;
inline constexpr std::size_t kCbcIvBytes = 16;

}  // namespace cv::hsm
