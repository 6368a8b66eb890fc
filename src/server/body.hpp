// Request bodies: JSON objects with Key Vault's field names, checked field by field so that every
// malformed input is a 400 naming the property, never a 5xx. JSON null counts as absent.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/secure_json.hpp"
#include "coldvault/secrets.hpp"
#include "server/http.hpp"

namespace cv::server {

// Responses and non-secret subtrees.
using Json = nlohmann::json;
// Request bodies: any of them may carry a secret value, a password or key material, so every string
// and container of the tree is wiped when freed, short strings included (coldvault/secure_json.hpp).
using BodyJson = SecureJson;

// The body as a JSON object. An empty body is {} when allow_empty (bodiless POSTs), else
// BadParameter.
Result<BodyJson> json_body(const Request& r, bool allow_empty);

Result<std::optional<std::string>> opt_string(const BodyJson& j, std::string_view key);
Result<std::string> req_string(const BodyJson& j, std::string_view key);
Result<std::optional<bool>> opt_bool(const BodyJson& j, std::string_view key);
Result<std::optional<std::int64_t>> opt_int(const BodyJson& j, std::string_view key);
Result<std::optional<std::vector<std::string>>> opt_strings(const BodyJson& j, std::string_view key);
// "tags": {string: string}
Result<std::optional<vault::Tags>> opt_tags(const BodyJson& j);
// "attributes": {enabled, nbf, exp}; read-only fields (created, updated, recoveryLevel...) are
// ignored.
Result<vault::Attributes> attributes_of(const BodyJson& j);
// base64url without padding (padding tolerated), as the SDKs send binary.
Result<std::optional<Bytes>> opt_b64url(const BodyJson& j, std::string_view key);
Result<Bytes> req_b64url(const BodyJson& j, std::string_view key);
// Secret fields (values, passwords, plaintext, key material): copied only into wiped buffers.
Result<std::optional<SecureString>> opt_secret(const BodyJson& j, std::string_view key);
Result<SecureString> req_secret(const BodyJson& j, std::string_view key);
Result<SecureBytes> req_b64url_secret(const BodyJson& j, std::string_view key);

Error bad_parameter(std::string message);

}  // namespace cv::server
