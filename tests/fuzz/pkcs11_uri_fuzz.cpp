// libFuzzer target for the PKCS#11 URI checks of src/pkcs11/uri_pin.cpp (RFC 7512): the "pkcs11:" sniff and
// the refusal of a URI that carries a PIN (pin-value, pin-source, pinfile, in any case or percent-encoding,
// path or query). Any crash, leak or UB is a bug; every input must come back as ok or a BadParameter, and a
// text that does not look like a URI must pass.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "coldvault/hsm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bool uri = cv::hsm::looks_like_pkcs11_uri(text);
  auto r = cv::hsm::refuse_pin_in_uri(text);
  if (!uri && !r) std::abort();  // a token label is never refused
  if (!r && r.error().code != cv::Errc::BadParameter) std::abort();
  return 0;
}
