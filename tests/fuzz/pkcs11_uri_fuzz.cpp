// libFuzzer target for the PKCS#11 URI path of Token::open (RFC 7512; src/pkcs11/uri_pin.cpp and
// token_open.cpp): the "pkcs11:" sniff, the refusal of a URI that carries a PIN (pin-value, pin-source,
// pinfile, in any case or percent-encoding, path or query), p11-kit's parse, the module path and the match
// against a token. No module is loaded. Any crash, leak or UB is a bug; every input must come back as a
// value or a BadParameter, a text that does not look like a URI must pass the PIN check, and a URI the PIN
// check refuses must never reach p11-kit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "coldvault/hsm.hpp"
#include "pkcs11/slots.hpp"

namespace {

cv::hsm::SlotToken fixed_token() {
  cv::hsm::SlotToken t;
  t.slot = 1;
  t.token_info.flags = CKF_TOKEN_INITIALIZED;
  auto pad = [](unsigned char* field, std::size_t n, const char* text) {
    std::memset(field, ' ', n);
    std::memcpy(field, text, std::strlen(text));
  };
  pad(t.token_info.label, sizeof t.token_info.label, "coldvault");
  pad(t.token_info.serialNumber, sizeof t.token_info.serialNumber, "0123456789abcdef");
  pad(t.token_info.manufacturerID, sizeof t.token_info.manufacturerID, "SoftHSM project");
  pad(t.token_info.model, sizeof t.token_info.model, "SoftHSM v2");
  pad(t.slot_info.slotDescription, sizeof t.slot_info.slotDescription, "SoftHSM slot ID 0x1");
  pad(t.slot_info.manufacturerID, sizeof t.slot_info.manufacturerID, "SoftHSM project");
  t.label = "coldvault";
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  bool uri = cv::hsm::looks_like_pkcs11_uri(text);
  auto pin = cv::hsm::refuse_pin_in_uri(text);
  if (!uri && !pin) std::abort();  // a token label is never refused
  if (!pin && pin.error().code != cv::Errc::BadParameter) std::abort();
  auto parsed = cv::hsm::parse_uri(text);
  if (!parsed) {
    if (parsed.error().code != cv::Errc::BadParameter) std::abort();
    return 0;
  }
  if (!pin) std::abort();  // a URI with a PIN got past the refusal
  if (!*parsed) return 0;  // empty text: no URI
  (void)p11_kit_uri_get_module_path(parsed->get());
  cv::hsm::TokenSpec spec;
  spec.uri = text;
  static cv::hsm::SlotToken token = fixed_token();
  (void)cv::hsm::matches(spec, parsed->get(), token);
  return 0;
}
