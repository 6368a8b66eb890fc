// List paging as Key Vault does it: `maxresults` 1..25 (default 25) on the first page, then an
// absolute nextLink on the same origin carrying `$skiptoken` and the page size. Clients follow nextLink
// verbatim, with their bearer token. The token (opaque to clients) is base64url of "after:<key>", the key of
// the page's last item (the last segment of its `id`: an object's name, or a version id). The next page starts
// after that key, not at a count: an item present during the whole listing is listed exactly once while
// others are added or deleted (an offset would skip or repeat items; the soak found it, docs/reliability.md).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/http.hpp"

namespace cv::server {

inline constexpr std::size_t kMaxResults = 25;

struct Page {
  std::string after;  // empty: the first page
  std::size_t size = kMaxResults;
};

// BadParameter for maxresults outside 1..25 or a $skiptoken this server did not make.
Result<Page> page_of(const Ctx& c);
std::string make_skiptoken(const std::string& after);
// The key; BadParameter unless it is 1..127 characters of a name or version id ([0-9A-Za-z-]).
Result<std::string> read_skiptoken(const std::string& token);
// {"value": items (at most p.size; the caller fetched p.size + 1 to learn whether more exist),
//  "nextLink": absolute URL or null}. cursors[i] is items[i]'s key (an object's name or a version id), the
// one the list is ordered by. REQUIRES: cursors.size() == items.size().
Response list_response(const Ctx& c, nlohmann::json items, const std::vector<std::string>& cursors,
                       const Page& p);

// list_response for the bundles a domain list gave (p.size + 1 fetched), each as `show` gives it. The cursor is
// each bundle's name (a collection's objects) or its version id (an object's versions).
enum class ListKey { Name, Version };
template <class Bundle, class Show>
Response list_of(const Ctx& c, std::vector<Bundle> rows, const Page& p, ListKey key, Show show) {
  nlohmann::json items = nlohmann::json::array();
  std::vector<std::string> cursors;
  for (auto& b : rows) {
    cursors.push_back(key == ListKey::Name ? b.name : b.meta.version);
    items.push_back(show(std::move(b)));
  }
  return list_response(c, std::move(items), cursors, p);
}

}  // namespace cv::server
