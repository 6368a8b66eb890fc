// Certificate files read and written by the CLI (coldvault/certificates.hpp): the CA's answer to
// merge and the PEM form of a download. Certificates are public: plain Bytes.
#include "coldvault/certificates.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/x509.hpp"

namespace cv::vault {

Result<std::vector<Bytes>> certificates_for_merge(ByteView content, const std::string& source) {
  std::string_view text = as_chars(content);
  if (text.find("-----BEGIN") != std::string_view::npos) {
    auto c = crypto::parse_pem_bundle(text, SecureString());
    if (!c) return std::unexpected(c.error());
    if (c->key)
      return fail(Errc::BadParameter,
                  source + " holds a private key: merge takes the CA's certificates only");
    if (c->certificates.empty())
      return fail(Errc::BadParameter, source + " holds no CERTIFICATE block");
    return std::move(c->certificates);
  }
  Bytes der(content.begin(), content.end());
  if (!crypto::certificate_fields(der))
    return fail(Errc::BadParameter, source + " is neither a PEM certificate nor a DER certificate");
  return std::vector<Bytes>{std::move(der)};
}

std::string certificate_pem(ByteView der) { return crypto::pem_encode("CERTIFICATE", der); }

}  // namespace cv::vault
