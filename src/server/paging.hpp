// List paging as Key Vault does it: `maxresults` 1..25 (default 25) on the first page, then an
// absolute nextLink on the same origin carrying `$skiptoken` (opaque to clients: base64url of
// "offset:<n>") and the page size. Clients follow nextLink verbatim, with their bearer token.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "server/http.hpp"

namespace cv::server {

inline constexpr std::size_t kMaxResults = 25;

struct Page {
  std::size_t offset = 0;
  std::size_t size = kMaxResults;
};

// BadParameter for maxresults outside 1..25 or a $skiptoken this server did not make.
Result<Page> page_of(const Ctx& c);
std::string make_skiptoken(std::size_t offset);
Result<std::size_t> read_skiptoken(const std::string& token);
// {"value": items (at most p.size; the caller fetched p.size + 1 to learn whether more exist),
//  "nextLink": absolute URL or null}
Response list_response(const Ctx& c, nlohmann::json items, const Page& p);

}  // namespace cv::server
