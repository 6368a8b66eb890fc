// Slot enumeration. See slots.hpp.
#include "pkcs11/slots.hpp"

#include "pkcs11/rv.hpp"

namespace cv::hsm {

std::string trim_padded(const unsigned char* field, std::size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  auto end = s.find_last_not_of(std::string_view(" \0", 2));
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

Result<std::vector<SlotToken>> list_tokens(CK_FUNCTION_LIST_PTR fn) {
  std::vector<CK_SLOT_ID> ids;
  // Two-call query; the list can grow between the calls (a token inserted), hence the loop.
  for (;;) {
    CK_ULONG n = 0;
    if (CK_RV rv = fn->C_GetSlotList(CK_TRUE, nullptr, &n); rv != CKR_OK) {
      return rv_fail(rv, "C_GetSlotList");
    }
    ids.resize(n);
    CK_RV rv = fn->C_GetSlotList(CK_TRUE, ids.data(), &n);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;
    if (rv != CKR_OK) return rv_fail(rv, "C_GetSlotList");
    ids.resize(n);
    break;
  }
  std::vector<SlotToken> out;
  out.reserve(ids.size());
  for (CK_SLOT_ID id : ids) {
    SlotToken t;
    t.slot = id;
    if (CK_RV rv = fn->C_GetSlotInfo(id, &t.slot_info); rv != CKR_OK) {
      return rv_fail(rv, "C_GetSlotInfo");
    }
    CK_RV rv = fn->C_GetTokenInfo(id, &t.token_info);
    // A token removed between the two calls is simply not there any more.
    if (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED) continue;
    if (rv != CKR_OK) return rv_fail(rv, "C_GetTokenInfo");
    t.label = trim_padded(t.token_info.label, sizeof t.token_info.label);
    out.push_back(std::move(t));
  }
  return out;
}

std::string describe_labels(const std::vector<SlotToken>& tokens) {
  std::string s;
  for (const auto& t : tokens) {
    if (!t.initialized()) continue;
    if (!s.empty()) s += ", ";
    s += "'" + t.label + "'";
  }
  return s.empty() ? "none" : s;
}

}  // namespace cv::hsm
