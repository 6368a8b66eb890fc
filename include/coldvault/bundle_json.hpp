// JSON shapes of Key Vault's REST bundles, shared by the CLI and the REST server so that both print the
// same thing: SecretBundle, SecretItem, DeletedSecretBundle/Item and the error envelope.
#pragma once

#include <nlohmann/json.hpp>

#include "coldvault/error.hpp"
#include "coldvault/keys.hpp"
#include "coldvault/secrets.hpp"

namespace cv::vault {

enum class Shape {
  Bundle,       // SecretBundle (value included when present)
  Item,         // SecretItem of a list: unversioned id, no value
  VersionItem,  // SecretItem of a versions list: versioned id
};

nlohmann::json attributes_json(const store::VersionRow& v, int recoverable_days,
                               const std::string& recovery_level);
// SecretBundle / SecretItem; adds recoveryId, deletedDate, scheduledPurgeDate when soft-deleted.
nlohmann::json secret_json(const SecretBundle& b, Shape shape);
// KeyBundle {"key":{"kid","kty","key_ops","n","e"|"crv","x","y"},"attributes":{...,"exportable":false},
// "tags"} (public parts only, never d/p/q/dp/dq/qi/k); Item/VersionItem give KeyItem {"kid","attributes",
// "tags"} (Item: unversioned kid). Adds recoveryId (.../deletedkeys/NAME), deletedDate, scheduledPurgeDate
// when soft-deleted.
nlohmann::json key_json(const KeyBundle& b, Shape shape);
// {"error":{"code","message","innererror"?}}
nlohmann::json error_json(const Error& e);

}  // namespace cv::vault
