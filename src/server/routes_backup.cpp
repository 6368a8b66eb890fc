// POST /secrets/{name}/backup, /secrets/restore, /keys/{name}/backup, /keys/restore over the
// HSM-bound blobs of src/backup (docs/blob-format.md). The SDKs pass blobs through opaquely as
// base64url `value`s; a blob that does not decode, verify or open is a 400, a taken name a 409.
// Also POST /blobs/verify, a coldvault extension for the web console's auditor view (docs/rest.md): what
// `blob inspect` and `blob verify` (against this home's signer registry) say of a blob. Nothing is opened or
// restored; the only token work is the registry rows' integrity tags (AES-GCM, remembered once checked).
#include "coldvault/backup.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/bundle_json.hpp"
#include "server/body.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

using vault::Shape;

Result<Bytes> blob_of(const Ctx& c) {
  CV_UNWRAP(j, json_body(c.req, false));
  CV_UNWRAP(value, req_string(j, "value"));
  if (value.size() > backup::kMaxBlobBytes)
    return std::unexpected(bad_parameter("The backup blob is too large."));
  auto blob = base64url_decode_lenient_padding(value);
  if (!blob) return std::unexpected(bad_parameter("Content of 'value' is not base64url."));
  return std::move(*blob);
}

Result<Response> backup_secret(Ctx& c) {
  CV_UNWRAP(blob, backup::backup_secret(c.svc, c.vault, c.params.name));
  return json_response(200, Json{{"value", backup::blob_value(blob)}});
}

Result<Response> restore_secret(Ctx& c) {
  CV_UNWRAP(blob, blob_of(c));
  CV_UNWRAP(b, backup::restore_secret(c.svc, c.vault, blob));
  b.base_url = c.origin;
  b.value.reset();  // Key Vault's restore answer carries no value
  return json_response(200, vault::secret_json(b, Shape::Bundle));
}

Result<Response> backup_key(Ctx& c) {
  CV_UNWRAP(blob, backup::backup_key(c.svc, c.vault, c.params.name));
  return json_response(200, Json{{"value", backup::blob_value(blob)}});
}

Result<Response> restore_key(Ctx& c) {
  CV_UNWRAP(blob, blob_of(c));
  CV_UNWRAP(b, backup::restore_key(c.svc, c.vault, blob));
  b.base_url = c.origin;
  return json_response(200, vault::key_json(b, Shape::Bundle));
}

// Any token of the vault may ask: the answer says only what the blob in hand already carries (its manifest,
// its signer) and whether this home's registry vouches for it; nothing is read from the vault's objects.
Result<Response> verify_blob(Ctx& c) {
  CV_UNWRAP(blob, blob_of(c));
  CV_UNWRAP(shown, backup::inspect(blob));
  CV_UNWRAP(verdict, backup::verify_with_registry(c.svc, blob));
  return json_response(200, Json{{"verdict", verdict.ok ? "valid" : "invalid"},
                                 {"inspect", std::move(shown)},
                                 {"report", std::move(verdict.report)}});
}

}  // namespace

void add_backup_routes(Router& r) {
  r.add("POST", "secrets/{name}/backup", {"secrets", "backup"}, backup_secret);
  r.add("POST", "secrets/restore", {"secrets", "restore"}, restore_secret);
  r.add("POST", "keys/{name}/backup", {"keys", "backup"}, backup_key);
  r.add("POST", "keys/restore", {"keys", "restore"}, restore_key);
  r.add_needing("POST", "blobs/verify", {}, verify_blob);
}

}  // namespace cv::server
