// The one translation from CK_RV to cv::Error. Every PKCS#11 call in this folder goes through
// check() or rv_error(), so the mapping to Errc lives in exactly one table (rv.cpp).
//
// Messages name the operation and the CKR_ code; they never carry PINs, key bytes or data.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "coldvault/error.hpp"
#include "pkcs11/p11.hpp"

namespace cv::hsm {

// "CKR_PIN_INCORRECT", or "CKR_0x..." for a code the table does not know (vendor codes).
std::string rv_name(CK_RV rv);

// The Errc a CK_RV stands for, independent of context.
Errc rv_errc(CK_RV rv);

// Error{rv_errc(rv), "<what>: <CKR_NAME>", "<CKR_NAME>"}. REQUIRES: rv != CKR_OK.
Error rv_error(CK_RV rv, std::string_view what);

inline std::unexpected<Error> rv_fail(CK_RV rv, std::string_view what) {
  return std::unexpected(rv_error(rv, what));
}

// The error for a call on session s that failed with rv. CKR_GENERAL_ERROR is SoftHSM's answer both to input
// that does not check (a GCM tag, RFC 5649's integrity check) and to a token that failed, and callers read it as
// the former. So for that code one C_GetSessionInfo decides: when the session no longer answers, the token is
// gone and the error is HsmUnavailable, naming both codes; when it answers, rv_error(rv, what). Any other rv is
// rv_error(rv, what).
Error session_rv_error(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_RV rv, std::string_view what);

inline std::unexpected<Error> session_rv_fail(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_RV rv,
                                              std::string_view what) {
  return std::unexpected(session_rv_error(fn, s, rv, what));
}

// For a call that refuses its input with some codes (a GCM tag, RFC 5649's integrity check): a code in `refusals`
// from a session that still answers is Corruption with the message `refused` (native: the CKR_ name); anything
// else, a token gone included, is session_rv_error(fn, s, rv, what).
Error input_rv_error(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_RV rv, std::string_view what,
                     std::initializer_list<CK_RV> refusals, std::string_view refused);

// Ok for CKR_OK, the translated error otherwise.
inline Result<void> check(CK_RV rv, std::string_view what) {
  if (rv == CKR_OK) return {};
  return rv_fail(rv, what);
}

}  // namespace cv::hsm
