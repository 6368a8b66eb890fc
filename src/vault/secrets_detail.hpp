// Pieces of Secrets that certificates reuse (private to src/vault): sealing a value into a version row
// without writing it, and opening a stored row, so a certificate's secret is written in the same
// transaction as its certificate and key rows and read back the way Secrets::get reads it.
#pragma once

#include <string>

#include "coldvault/secrets.hpp"

namespace cv::vault::secrets_detail {

// A secret version row for `version` holding `value` sealed under the vault master key (AES-256-GCM in
// the token, AAD secret_aad(vault, name, version)), as Secrets::set writes it.
Result<store::VersionRow> sealed_row(Service& svc, const VaultKeys& vk, const std::string& vault,
                                     const std::string& name, const std::string& version, ByteView value,
                                     const std::optional<std::string>& content_type, const store::Tags& tags,
                                     const Attributes& a);
// The value of a stored secret row of vault/name (no enabled/nbf/exp checks: callers decide).
Result<SecureBytes> open_row(Service& svc, const VaultKeys& vk, const std::string& vault, const std::string& name,
                             const store::VersionRow& v);

}  // namespace cv::vault::secrets_detail
