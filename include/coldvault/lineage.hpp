// Catalogue lineage of blobs: every blob produced and every restore attempt, and the archive of blobs an
// air-gapped site keeps (including ones it cannot open). Backed by src/store/lineage.cpp.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/catalog.hpp"

namespace cv::store {

struct BlobEvent {
  std::string event;    // "backup" or "restore"
  std::string outcome;  // "ok" or the refusal's error code ("Conflict", "BadParameter", ...)
  std::string sha256;
  std::string type, name;
  std::vector<std::string> versions;
  std::string source_vault, target_vault, domain_kid, signer;
  std::int64_t time = 0;
  std::string detail;  // the refusal message, or empty
};

// Durable when it returns. Inside a Catalog::Batch the row joins the batch; otherwise it joins the group
// commit of the catalogue file (rows recorded at the same time by other threads of this process, each with
// its own Catalog, share one COMMIT; docs/adr/0009-group-commit.md). Conflict for a row the table refuses.
Result<void> record_blob_event(Catalog& c, const BlobEvent& e);
// Test seam: called before every group COMMIT with the number of writes it holds; an error makes that
// commit fail as a failing COMMIT would (every caller in the group gets it, none of their rows is kept).
// Empty function: no hook.
void set_group_commit_hook(std::function<Result<void>(std::size_t)> before_commit);
// Newest first; all events, or those of one blob.
Result<std::vector<BlobEvent>> blob_events(Catalog& c, const std::optional<std::string>& sha256,
                                           std::size_t limit);

struct ArchivedBlob {
  std::string sha256, label, format, prefix, kid, type, metadata_json;
  Bytes blob;  // empty when listed without bytes
  std::int64_t imported = 0;
};

// Conflict if a blob with this digest is already archived.
Result<void> archive_blob(Catalog& c, const ArchivedBlob& b);
Result<std::vector<ArchivedBlob>> archived_blobs(Catalog& c);
// NotFound if absent. Accepts a unique hex prefix of at least 8 characters.
Result<ArchivedBlob> archived_blob(Catalog& c, const std::string& sha256);
Result<void> delete_archived_blob(Catalog& c, const std::string& sha256);

}  // namespace cv::store
