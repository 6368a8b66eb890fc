// outContentType and previousVersion of a certificate's secret. See coldvault/secret_formats.hpp.
#include "coldvault/secret_formats.hpp"

#include "coldvault/certificates.hpp"
#include "vault/certificates_detail.hpp"

namespace cv::vault {

Result<void> convert_secret_value(SecretBundle& b, const std::string& out) {
  const std::string have = b.meta.content_type.value_or("");
  if (out.empty() || out == have) return {};
  if (out != kContentTypePem && out != kContentTypePkcs12)
    return fail(Errc::BadParameter, "outContentType '" + out.substr(0, 64) +
                                        "' is not supported. Allowed: application/x-pkcs12, application/x-pem-file.");
  if (have != kContentTypePem && have != kContentTypePkcs12)
    return fail(Errc::BadParameter, "outContentType converts a certificate's secret (application/x-pkcs12 or "
                                    "application/x-pem-file); secret " + b.name + " has content type '" +
                                        have.substr(0, 64) + "'");
  if (!b.value) return {};
  std::string_view text(b.value->data(), b.value->size());
  auto c = certs_detail::parse_secret_value(text, have);
  if (!c) return fail(Errc::BadParameter, "secret " + b.name + " is not a " + have + " value: " + c.error().message);
  auto v = certs_detail::secret_value(out, c->key, c->certificates);
  if (!v) return std::unexpected(v.error());
  b.value = SecureString(reinterpret_cast<const char*>(v->data()), v->size());
  b.meta.content_type = out;
  return {};
}

Result<std::optional<std::string>> previous_certificate_version(Service& svc, const std::string& vault,
                                                                const SecretBundle& b) {
  if (b.meta.meta_json.find("\"managed\"") == std::string::npos) return std::nullopt;
  auto rows = svc.catalog().versions(vault, store::ObjType::Certificate, b.name, "", SIZE_MAX);
  if (!rows) {
    if (rows.error().code == Errc::NotFound) return std::nullopt;
    return std::unexpected(rows.error());
  }
  for (std::size_t i = 1; i < rows->size(); ++i)
    if ((*rows)[i].version == b.meta.version) return (*rows)[i - 1].version;
  return std::nullopt;
}

}  // namespace cv::vault
