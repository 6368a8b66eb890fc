// refuse_pin_in_uri: a PKCS#11 URI never brings its own PIN. Plain string work (no p11-kit): p11-kit
// keeps an unknown *path* attribute such as ";pin-value=" as "unrecognised" instead of failing, so the
// URI would then match no token and the user would get "not found" instead of the reason.
#include <cctype>
#include <string>

#include "coldvault/hsm.hpp"

namespace cv::hsm {
namespace {

constexpr std::string_view kScheme = "pkcs11:";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An attribute name as the module would read it: percent-decoded, lower case, blanks trimmed.
std::string normalised_name(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 && hex_value(raw[i + 2]) >= 0) {
      c = static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
      i += 2;
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  auto first = out.find_first_not_of(" \t");
  auto last = out.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : out.substr(first, last - first + 1);
}

bool names_a_pin(std::string_view attribute) {
  std::string name = normalised_name(attribute.substr(0, attribute.find('=')));
  return name == "pin-value" || name == "pin-source" || name == "pinfile";
}

// True when any attribute of `part`, split at any of `separators`, names a PIN.
bool any_pin(std::string_view part, std::string_view separators) {
  std::size_t start = 0;
  while (start <= part.size()) {
    std::size_t end = part.find_first_of(separators, start);
    if (end == std::string_view::npos) end = part.size();
    if (names_a_pin(part.substr(start, end - start))) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

bool looks_like_pkcs11_uri(std::string_view text) {
  if (text.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != kScheme[i]) return false;
  return true;
}

Result<void> refuse_pin_in_uri(std::string_view uri) {
  if (!looks_like_pkcs11_uri(uri)) return {};
  std::string_view rest = uri.substr(kScheme.size());
  const std::size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
  // Path attributes are split by ';' and query ones by '&' (RFC 7512); either separator is accepted
  // in both places so a URI written the wrong way round is still caught.
  if (any_pin(path, ";&") || any_pin(query, ";&"))
    return fail(Errc::BadParameter,
                "a PKCS#11 URI must not carry a PIN (pin-value or pin-source): give the token's PIN "
                "with --pin-file FILE, $COLDVAULT_PIN or at the prompt");
  return {};
}

}  // namespace cv::hsm
