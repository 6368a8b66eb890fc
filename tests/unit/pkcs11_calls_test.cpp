// The adapter's call helpers without a token: call_into's one-call sizing (ADR 0027) and session_rv_error's
// reading of CKR_GENERAL_ERROR (a session that no longer answers is an outage, not bad input), input_rv_error's
// refusals.
#include <gtest/gtest.h>

#include <vector>

#include "coldvault/hsm.hpp"
#include "pkcs11/rv.hpp"
#include "pkcs11/token_impl.hpp"

namespace cv::hsm {
namespace {

// A C_Encrypt-like call whose output is `need` bytes of 0xab, honouring PKCS#11's sizing rules.
struct FakeOutput {
  std::size_t need;
  int calls = 0;
  CK_RV operator()(CK_BYTE_PTR out, CK_ULONG_PTR len) {
    ++calls;
    if (out == nullptr) {
      *len = need;
      return CKR_OK;
    }
    if (*len < need) {
      *len = need;
      return CKR_BUFFER_TOO_SMALL;
    }
    for (std::size_t i = 0; i < need; ++i) out[i] = 0xab;
    *len = need;
    return CKR_OK;
  }
};

TEST(Pkcs11Calls, AnEstimateThatFitsCostsOneCall_TheOutputIsExact) {
  FakeOutput f{48};
  Bytes out;
  ASSERT_EQ(call_into(out, 64, f), CKR_OK);
  EXPECT_EQ(f.calls, 1);
  EXPECT_EQ(out, Bytes(48, 0xab));
}

TEST(Pkcs11Calls, AnEstimateTooSmallCostsASecondCallAtTheSizeTheTokenAsked) {
  FakeOutput f{300};
  SecureBytes out;
  ASSERT_EQ(call_into(out, 16, f), CKR_OK);
  EXPECT_EQ(f.calls, 2);
  EXPECT_EQ(out.size(), 300u);
}

TEST(Pkcs11Calls, AZeroEstimateStillPassesABuffer_NeverAskingOnlyForTheSize) {
  FakeOutput f{0};
  Bytes out;
  ASSERT_EQ(call_into(out, 0, f), CKR_OK);
  EXPECT_EQ(f.calls, 1);
  EXPECT_TRUE(out.empty());
}

TEST(Pkcs11Calls, AModuleThatClaimsMoreThanItsBufferIsRefused) {
  Bytes out;
  auto liar = [](CK_BYTE_PTR, CK_ULONG_PTR len) {
    *len = 1000;
    return CKR_OK;
  };
  EXPECT_EQ(call_into(out, 16, liar), CKR_FUNCTION_FAILED);
  auto failing = [](CK_BYTE_PTR, CK_ULONG_PTR) { return CKR_DEVICE_REMOVED; };
  EXPECT_EQ(call_into(out, 16, failing), CKR_DEVICE_REMOVED);
}

CK_RV g_session_info_rv = CKR_OK;
CK_RV fake_get_session_info(CK_SESSION_HANDLE, CK_SESSION_INFO_PTR) { return g_session_info_rv; }

TEST(Pkcs11Calls, GeneralErrorOnALiveSessionIsRejectedInput_OnADeadOneAnOutage) {
  CK_FUNCTION_LIST fl{};
  fl.C_GetSessionInfo = fake_get_session_info;
  g_session_info_rv = CKR_OK;
  Error live = session_rv_error(&fl, 1, CKR_GENERAL_ERROR, "C_UnwrapKey (CKM_AES_KEY_WRAP_PAD)");
  EXPECT_EQ(live.code, Errc::HsmFailure);
  EXPECT_TRUE(input_rejected(live));

  g_session_info_rv = CKR_DEVICE_REMOVED;
  Error dead = session_rv_error(&fl, 1, CKR_GENERAL_ERROR, "C_UnwrapKey (CKM_AES_KEY_WRAP_PAD)");
  EXPECT_EQ(dead.code, Errc::HsmUnavailable);
  EXPECT_FALSE(input_rejected(dead));
  EXPECT_NE(dead.message.find("CKR_DEVICE_REMOVED"), std::string::npos) << dead.message;

  // Other codes are read as they are, without asking the session.
  g_session_info_rv = CKR_OK;
  EXPECT_EQ(session_rv_error(&fl, 1, CKR_SESSION_HANDLE_INVALID, "x").code, Errc::HsmUnavailable);
  EXPECT_TRUE(input_rejected(session_rv_error(&fl, 1, CKR_WRAPPED_KEY_INVALID, "x")));
  EXPECT_FALSE(input_rejected(session_rv_error(&fl, 1, CKR_DEVICE_MEMORY, "x")));
}

TEST(Pkcs11Calls, InputRvError_RefusalsOfALiveSessionAreCorruption_AnythingElseAsSessionRvError) {
  CK_FUNCTION_LIST fl{};
  fl.C_GetSessionInfo = fake_get_session_info;
  auto gcm = [&](CK_RV rv) {
    return input_rv_error(&fl, 1, rv, "AES-GCM decrypt", {CKR_GENERAL_ERROR, CKR_ENCRYPTED_DATA_INVALID},
                          "AES-GCM authentication failed");
  };
  g_session_info_rv = CKR_OK;
  for (CK_RV refused : {CKR_GENERAL_ERROR, CKR_ENCRYPTED_DATA_INVALID}) {
    Error e = gcm(refused);
    EXPECT_EQ(e.code, Errc::Corruption);
    EXPECT_EQ(e.message, "AES-GCM authentication failed");
    EXPECT_EQ(e.native, rv_name(refused));
  }
  EXPECT_EQ(gcm(CKR_DEVICE_MEMORY).code, Errc::HsmFailure);  // not in the list: the token's own failure
  EXPECT_EQ(gcm(CKR_SESSION_HANDLE_INVALID).code, Errc::HsmUnavailable);
  g_session_info_rv = CKR_DEVICE_REMOVED;  // CKR_GENERAL_ERROR from a session that is gone: an outage
  Error gone = gcm(CKR_GENERAL_ERROR);
  EXPECT_EQ(gone.code, Errc::HsmUnavailable);
  EXPECT_NE(gone.message.find("AES-GCM decrypt"), std::string::npos) << gone.message;
}

}  // namespace
}  // namespace cv::hsm
