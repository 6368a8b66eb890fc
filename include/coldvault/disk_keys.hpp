// Azure Disk Encryption's key layout: a BEK (BitLocker key / dm-crypt passphrase) stored as a secret
// named by a GUID, optionally wrapped by a KEK (an RSA key of the vault) with RSA-OAEP.
//
// With a KEK, the BEK is generated inside the token (CKM_GENERIC_SECRET_KEY_GEN, 32 bytes) and wrapped
// there by the KEK's public key (C_WrapKey, CKM_RSA_PKCS_OAEP): it never exists in clear outside the
// token while it is created. The secret then holds base64url(wrapped), content type "Wrapped BEK" and the
// tags ADE writes (docs/keys.md). Without a KEK the BEK is 32 bytes from the token's RNG and the secret
// holds base64(BEK), content type "BEK": by nature the BEK itself, encrypted at rest like any secret.
#pragma once

#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "coldvault/secrets.hpp"

namespace cv::vault {

inline constexpr const char* kTagBekAlgorithm = "DiskEncryptionKeyEncryptionAlgorithm";
inline constexpr const char* kTagBekFileName = "DiskEncryptionKeyFileName";
inline constexpr const char* kTagKekUrl = "DiskEncryptionKeyEncryptionKeyURL";
inline constexpr const char* kTagMachine = "MachineName";
inline constexpr const char* kContentTypeWrappedBek = "Wrapped BEK";
inline constexpr const char* kContentTypeBek = "BEK";

// NAME and VERSION (empty when absent) of a KEK URL ".../keys/NAME/VERSION" (host and port ignored);
// BadParameter naming the URL when the name or version is malformed.
Result<std::pair<std::string, std::string>> kek_from_url(const std::string& url);

struct DiskKeyRequest {
  std::string machine;              // MachineName tag; required
  std::optional<std::string> kek;   // name of an RSA key in the same vault; its latest version wraps
  std::string os = "windows";       // windows: <GUID>.BEK file name; linux: LinuxPassPhraseFileName
};

class DiskKeys {
 public:
  // REQUIRES: svc outlives this object.
  DiskKeys(Service& svc, std::string vault) : svc_(svc), vault_(std::move(vault)) {}

  // Creates the BEK secret (value not included in the returned bundle). Errors of the KEK as Keys::wrap
  // gives them (NotFound, Forbidden without wrapKey, Disabled, ...); BadParameter for a KEK that is not RSA.
  Result<SecretBundle> create(const DiskKeyRequest& r);
  // The BEK of secret `name`: for a Wrapped BEK, unwrapped in the token with the KEK name and version
  // parsed from the URL tag's path, resolved in *this* vault (so a BEK restored from elsewhere works).
  // NotFound naming the KEK id when that key version is gone (deleted or purged).
  Result<SecureBytes> unwrap(const std::string& name);
  // BEK secrets (content type BEK or Wrapped BEK), optionally only those whose MachineName matches.
  Result<std::vector<SecretBundle>> list(const std::optional<std::string>& machine);

 private:
  Service& svc_;
  std::string vault_;
};

}  // namespace cv::vault
