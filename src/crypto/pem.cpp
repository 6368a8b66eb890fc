// PEM armour (RFC 7468): base64 of DER between BEGIN/END lines. Done by hand rather than with
// PEM_read_bio so that decoding never reaches OpenSSL's legacy-encryption path (which could prompt
// on a terminal) and uses the same strict base64 decoder as the rest of coldvault.
#include <string>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"

namespace cv::crypto {

std::string pem_encode(std::string_view label, ByteView der) {
  const std::string b64 = base64_encode(der);
  std::string out;
  out.reserve(b64.size() + b64.size() / 64 + 2 * label.size() + 40);
  out.append("-----BEGIN ").append(label).append("-----\n");
  for (std::size_t i = 0; i < b64.size(); i += 64) out.append(b64, i, 64).push_back('\n');
  out.append("-----END ").append(label).append("-----\n");
  return out;
}

Result<Bytes> pem_decode(std::string_view pem, std::string_view label) {
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  const auto b = pem.find(begin);
  if (b == std::string_view::npos)
    return fail(Errc::BadParameter, "no PEM block labelled " + std::string(label));
  const auto body_start = b + begin.size();
  const auto e = pem.find(end, body_start);
  if (e == std::string_view::npos)
    return fail(Errc::BadParameter, "unterminated PEM block labelled " + std::string(label));

  // Line breaks (LF or CRLF) and indentation are armour, not data; anything else goes to the strict
  // decoder, which refuses headers such as "Proc-Type:" (legacy encrypted PEM is not accepted
  // here).
  std::string b64;
  b64.reserve(e - body_start);
  for (char c : pem.substr(body_start, e - body_start))
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') b64.push_back(c);
  auto der = base64_decode(b64);
  if (!der) return fail(Errc::BadParameter, "invalid base64 in PEM block " + std::string(label));
  if (der->empty()) return fail(Errc::BadParameter, "empty PEM block " + std::string(label));
  return der;
}

}  // namespace cv::crypto
