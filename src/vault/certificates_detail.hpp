// Pieces shared by the files that implement Certificates (private to src/vault): Key Vault's error texts
// for certificates, the certificate row's meta_json, the key of a new version, and the three-row write.
//
// meta_json of a certificate version (docs/certificates.md):
//   {"cer": base64 DER (absent while pending), "policy": the policy JSON (certificate_policy_json without
//    "id"), "pending": {"csr": base64 DER, "status", "status_details", "request_id",
//    "cancellation_requested"} (only while the version waits for a merge)}
// The object's current policy is the one in its current version's meta.
#pragma once

#include <optional>
#include <string>

#include "coldvault/certificates.hpp"
#include "coldvault/x509.hpp"
#include "vault/keys_common.hpp"

namespace cv::vault::certs_detail {

inline Error not_found(const std::string& name) { return object_not_found(store::ObjType::Certificate, name); }
inline Error deleted_not_found(const std::string& name) {
  return deleted_object_not_found(store::ObjType::Certificate, name);
}
inline Error deleted_conflict(const std::string& name) {
  return deleted_object_conflict(store::ObjType::Certificate, name);
}
Error pending_not_found(const std::string& name);
Error bad(const std::string& message);  // BadParameter with Key Vault's code

// Maps the store's generic NotFound to Key Vault's wording; passes other errors through.
template <class T>
Result<T> kv(Result<T> r, const std::string& name, bool deleted = false) {
  if (!r && r.error().code == Errc::NotFound) return std::unexpected(kv_not_found(store::ObjType::Certificate, name, deleted));
  return r;
}

struct PendingOp {
  Bytes csr;
  std::string status = "inProgress";
  std::string status_details;
  std::string request_id;
  bool cancellation_requested = false;
};

struct CertMeta {
  Bytes cer;
  CertificatePolicy policy;
  std::optional<PendingOp> pending;

  std::string to_json() const;
  // Corruption for a malformed row.
  static Result<CertMeta> parse(const std::string& json);
};

// The bundle of a version; `policy` is the object's current policy.
Result<CertificateBundle> make_bundle(Service& svc, const std::string& vault, const store::ObjectRow& o,
                                      const store::VersionRow& v, const CertificatePolicy& policy);
CertificateOperation make_operation(const std::string& base_url, const std::string& name, const CertMeta& m,
                                    const std::string& version);

// Checks before a new version (create, import): the name is valid, not soft-deleted, has no pending
// operation, and no key or secret of that name exists that a certificate does not own (Conflict).
// Returns whether a certificate of that name exists.
Result<bool> check_new_version(Service& svc, const std::string& vault, const std::string& name);

// Policy checks for a create (and the part that applies to an import): subject, kty, size/curve,
// exportable with -HSM.
Result<void> check_policy_for_create(const CertificatePolicy& p);
// KeyMeta of a certificate's key: kind, kty, size/curve and every operation the kind supports.
Result<KeyMeta> key_meta_for(const CertificatePolicy& p);

// The signing half of a certificate's key while it is being made: a session object unwrapped from the
// key row (destroyed with the guard) signing digests in the token.
Result<crypto::SigningKey> token_signer(Service& svc, const VaultKeys& vk, const store::VersionRow& key_row,
                                        keys_detail::HandleGuard& guard);

// The key row of a certificate version: meta with "managed": true.
store::VersionRow managed_key_row(const std::string& version, const KeyMeta& m, Bytes wrapped,
                                  const store::Tags& tags, const Attributes& a);

// The secret value for a certificate: base64 of a PFX (application/x-pkcs12) or PEM text.
Result<SecureBytes> secret_value(const std::string& content_type, const std::optional<crypto::PrivateKeyParts>& key,
                                 const std::vector<Bytes>& certs);
// The inverse: the key (if any) and certificates of such a value. BadParameter when it does not parse.
Result<crypto::CertContainer> parse_secret_value(std::string_view value, const std::string& content_type);

// The policy JSON with every accepted spelling (az file camelCase) renamed to the REST one, so a partial
// patch merges over a stored policy key by key.
nlohmann::json normalise_policy_json(nlohmann::json j);

// x509 request from the policy's x509_props.
crypto::X509Request x509_request(const CertificatePolicy& p);

// The policy in the current version of a live or deleted certificate.
Result<CertificatePolicy> current_policy(Service& svc, const std::string& vault, const std::string& name);

// The three rows of one version, written in one Catalog::Batch; a missing secret (pending) is skipped.
Result<void> write_version(Service& svc, const std::string& vault, const std::string& name,
                           const store::VersionRow& cert, const store::VersionRow& key,
                           const std::optional<store::VersionRow>& secret);

}  // namespace cv::vault::certs_detail
