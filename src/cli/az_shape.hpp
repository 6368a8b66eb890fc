// az's shapes of Key Vault's data-plane objects (docs/az-compat.md). The CLI builds every answer in the
// REST shape (coldvault/bundle_json.hpp, the server's too); print() turns it into what `az keyvault`
// prints unless --output-shape rest was asked for. This is the one place that knows az's shapes.
//
// az prints the track-2 SDK models turned into dicts: camelCase names, every field present (null when
// unset), times as Python's isoformat() of UTC ("2027-01-31T10:00:00+00:00"), bytes as standard
// base64. Objects are recognised by the collection in their id (/secrets/, /keys/, /certificates/,
// .../pending); anything else passes through unchanged.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cv::cli {

// A REST-shaped object, or an array of them, in az's shape. Pure; never fails (a field it does not
// know is dropped only where az has no such field).
nlohmann::json az_shape(const nlohmann::json& rest);

// Unix seconds -> "2027-01-31T10:00:00+00:00"; null stays null.
nlohmann::json az_time(const nlohmann::json& unix_seconds);

// A key operation's result {"kid","value"[,"iv","tag","aad"]} as az prints it for `op` (encrypt,
// decrypt, wrap, unwrap, sign): {"algorithm","kid","result"|"signature", ...}, bytes in standard base64.
nlohmann::json az_key_op_shape(const nlohmann::json& rest, const std::string& op, const std::string& alg);

}  // namespace cv::cli
