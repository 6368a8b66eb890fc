// Slot enumeration shared by Token::open and init_token.
//
// SoftHSM renumbers its slots whenever a token is initialised (and always keeps one free slot), so
// slot ids are never remembered across calls: every open enumerates afresh.
#pragma once

#include <memory>
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

// Token selection by RFC 7512 URI (token_open.cpp), pure: no module is loaded.
struct UriFree {
  void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
};
using UriPtr = std::unique_ptr<P11KitUri, UriFree>;
// Parses a URI with p11-kit; empty text is no URI (null). A URI carrying a PIN is refused
// (refuse_pin_in_uri) before p11-kit sees it, and the URI itself never goes into a message. BadParameter
// for either refusal.
Result<UriPtr> parse_uri(const std::string& text);
// Whether token `t` is the one `spec` names: initialised, its label, and the URI's token and slot fields.
struct TokenSpec;
bool matches(const TokenSpec& spec, P11KitUri* uri, SlotToken& t);

// Every slot that has a token present, with its slot and token info.
Result<std::vector<SlotToken>> list_tokens(CK_FUNCTION_LIST_PTR fn);

// A fixed-width, space-padded PKCS#11 text field as a string without the padding.
std::string trim_padded(const unsigned char* field, std::size_t size);

// "'a', 'b'" (or "none"), for NotFound messages that say what was there instead.
std::string describe_labels(const std::vector<SlotToken>& tokens);

}  // namespace cv::hsm
