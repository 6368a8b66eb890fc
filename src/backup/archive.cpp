// The blob archive and lineage queries for the CLI (coldvault/blob_archive.hpp).
#include "coldvault/backup.hpp"
#include "coldvault/blob_archive.hpp"
#include "coldvault/lineage.hpp"

namespace cv::backup {
namespace {

constexpr std::size_t kHistoryEvents = 1000;

}  // namespace

Result<ArchivedBlobInfo> archive_import(const vault::HomeOptions& home, ByteView blob,
                                        const std::string& label) {
  auto info = inspect(blob);
  if (!info) return std::unexpected(info.error());
  auto cat = vault::open_catalog(home);
  if (!cat) return std::unexpected(cat.error());
  store::ArchivedBlob b{
      blob_sha256(blob),    label,           (*info)["format"], (*info)["prefix"],
      (*info)["kid"],       (*info)["type"], info->dump(),      Bytes(blob.begin(), blob.end()),
      vault::Service::now()};
  if (auto r = store::archive_blob(*cat, b); !r) return std::unexpected(r.error());
  return b;
}

Result<std::vector<ArchivedBlobInfo>> archive_list(const vault::HomeOptions& home) {
  auto cat = vault::open_catalog(home);
  if (!cat) return std::unexpected(cat.error());
  return store::archived_blobs(*cat);
}

Result<ArchivedBlobInfo> archive_get(const vault::HomeOptions& home, const std::string& sha256) {
  auto cat = vault::open_catalog(home);
  if (!cat) return std::unexpected(cat.error());
  return store::archived_blob(*cat, sha256);
}

Result<void> archive_delete(const vault::HomeOptions& home, const std::string& sha256) {
  auto cat = vault::open_catalog(home);
  if (!cat) return std::unexpected(cat.error());
  return store::delete_archived_blob(*cat, sha256);
}

Result<std::vector<BlobEventInfo>> blob_events(const vault::HomeOptions& home, std::size_t limit) {
  auto cat = vault::open_catalog(home);
  if (!cat) return std::unexpected(cat.error());
  return store::blob_events(*cat, std::nullopt, limit);
}

Result<BlobHistory> blob_history(const vault::HomeOptions& home, const std::string& sha256) {
  auto cat = vault::open_catalog(home);
  if (!cat) return std::unexpected(cat.error());
  auto events = store::blob_events(*cat, sha256, kHistoryEvents);
  if (!events) return std::unexpected(events.error());
  auto archived = store::archived_blob(*cat, sha256);
  if (events->empty() && !archived)
    return fail(Errc::NotFound, "the catalogue knows no blob " + sha256);
  BlobHistory h;
  h.sha256 = events->empty() ? archived->sha256 : events->front().sha256;
  h.events = std::move(*events);
  if (archived) h.archived = std::move(*archived);
  return h;
}

}  // namespace cv::backup
