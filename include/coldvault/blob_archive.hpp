// The blob archive (blobs an air-gapped site keeps, including ones it cannot open) and the lineage
// of blobs (every backup produced and every restore attempt), as the CLI's `blob
// import|list|export|delete` and `catalog blobs|show` see them. Offline: these open the home's
// catalogue only, never the token. The row types are the catalogue's (coldvault/lineage.hpp); the
// functions that read and write them stay behind this header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/lineage.hpp"
#include "coldvault/vault.hpp"

namespace cv::backup {

// The catalogue's own records, re-exported as they are (fields documented in coldvault/lineage.hpp).
using BlobEventInfo = store::BlobEvent;
using ArchivedBlobInfo = store::ArchivedBlob;

// Inspects the blob and keeps it with `label`. The blob's own errors as inspect() gives them;
// Conflict if a blob with this digest is already archived.
Result<ArchivedBlobInfo> archive_import(const vault::HomeOptions& home, ByteView blob,
                                        const std::string& label);
// Every archived blob, without its bytes.
Result<std::vector<ArchivedBlobInfo>> archive_list(const vault::HomeOptions& home);
// One archived blob with its bytes, by SHA-256 or a unique hex prefix of 8+ characters. NotFound if
// absent; BadParameter for a short or ambiguous prefix.
Result<ArchivedBlobInfo> archive_get(const vault::HomeOptions& home, const std::string& sha256);
Result<void> archive_delete(const vault::HomeOptions& home, const std::string& sha256);

// Lineage events of every blob, newest first, at most `limit`.
Result<std::vector<BlobEventInfo>> blob_events(const vault::HomeOptions& home, std::size_t limit);

struct BlobHistory {
  std::string sha256;                        // the full digest (the argument may be a prefix)
  std::vector<BlobEventInfo> events;         // newest first, at most 1000
  std::optional<ArchivedBlobInfo> archived;  // when the archive holds it
};
// Everything the catalogue knows of one blob. NotFound when it has neither events nor an archived
// copy. The archive is consulted as a bonus: when it cannot answer for this digest (absent, or a
// prefix that is ambiguous there), the history shows the events alone.
Result<BlobHistory> blob_history(const vault::HomeOptions& home, const std::string& sha256);

}  // namespace cv::backup
