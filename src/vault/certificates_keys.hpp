// The key of a new certificate version (private to src/vault): made in software (exportable, the parts
// kept for the secret), made in the token (non-exportable, -HSM, or a CSR), or reused from the previous
// version (policy reuse_key: the wrapped material is copied under the new version id).
#pragma once

#include <optional>
#include <string>

#include "vault/certificates_detail.hpp"

namespace cv::vault::certs_detail {

struct NewKey {
  store::VersionRow row;                         // the key row, not yet written
  std::optional<crypto::PrivateKeyParts> parts;  // exportable keys only, for the PFX/PEM; wiped on free
};

// keep_parts: the caller will put the private key into the secret (issuer Self). An exportable key with
// keep_parts false is made in the token: Key Vault would keep it in software until the merge; coldvault
// keeps nothing in software meanwhile, so a CSR-made certificate's secret holds certificates only.
// With reuse_key and an existing certificate, the parts come from the previous secret when it holds the
// private key (exportable); otherwise the new secret holds certificates only, like the previous one.
Result<NewKey> new_certificate_key(Service& svc, const VaultKeys& vk, const std::string& vault,
                                   const std::string& name, const CertificatePolicy& p, bool exists,
                                   bool keep_parts, const std::string& version, const store::Tags& tags,
                                   const Attributes& a);

}  // namespace cv::vault::certs_detail
