// What api-version 2025-07-01 added to get-secret for a certificate's secret: `outContentType` (the value
// converted between PFX and PEM) and `previousVersion` (the certificate version made before this one).
// docs/rest.md, "Secrets: outContentType and previousVersion".
//
// Thread safety: as Service.
#pragma once

#include <optional>
#include <string>

#include "coldvault/secrets.hpp"

namespace cv::vault {

// Rewrites b's value (and content type) to `out_content_type`: application/x-pem-file (PKCS#8 key, then the
// certificates leaf first) or application/x-pkcs12 (standard base64 of a PFX without password). Nothing
// changes when out_content_type is empty or already b's content type. BadParameter: another out type, a
// secret whose content type is neither of the two, a value that does not parse as its content type.
Result<void> convert_secret_value(SecretBundle& b, const std::string& out_content_type);

// The version of the certificate `b.name` made just before b's version, when b is a certificate's secret
// and there is one; nullopt otherwise.
Result<std::optional<std::string>> previous_certificate_version(Service& svc, const std::string& vault,
                                                                const SecretBundle& b);

}  // namespace cv::vault
