// Slot enumeration shared by Token::open and init_token.
//
// SoftHSM renumbers its slots whenever a token is initialised (and always keeps one free slot), so
// slot ids are never remembered across calls: every open enumerates afresh.
#pragma once

#include <string>
#include <vector>

#include "coldvault/error.hpp"
#include "pkcs11/p11.hpp"

namespace cv::hsm {

struct SlotToken {
  CK_SLOT_ID slot = 0;
  CK_SLOT_INFO slot_info{};
  CK_TOKEN_INFO token_info{};
  std::string label;  // token label with its space padding removed
  bool initialized() const { return (token_info.flags & CKF_TOKEN_INITIALIZED) != 0; }
};

// Every slot that has a token present, with its slot and token info.
Result<std::vector<SlotToken>> list_tokens(CK_FUNCTION_LIST_PTR fn);

// A fixed-width, space-padded PKCS#11 text field as a string without the padding.
std::string trim_padded(const unsigned char* field, std::size_t size);

// "'a', 'b'" (or "none"), for NotFound messages that say what was there instead.
std::string describe_labels(const std::vector<SlotToken>& tokens);

}  // namespace cv::hsm
