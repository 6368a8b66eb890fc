// Paging: maxresults, $skiptoken, nextLink.
#include "server/paging.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

#include "coldvault/base64.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

Error bad(std::string message) {
  return Error{Errc::BadParameter, std::move(message), {}, "BadParameter", {}};
}

}  // namespace

std::string make_skiptoken(const std::string& after) { return base64url_encode(as_bytes("after:" + after)); }

Result<std::string> read_skiptoken(const std::string& token) {
  auto raw = base64url_decode_lenient_padding(token);
  if (!raw) return std::unexpected(bad("The $skiptoken is not valid."));
  std::string_view text = as_chars(*raw);
  constexpr std::string_view kTag = "after:";
  if (text.substr(0, kTag.size()) != kTag) return std::unexpected(bad("The $skiptoken is not valid."));
  std::string_view key = text.substr(kTag.size());
  auto name_char = [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-';
  };
  if (key.empty() || key.size() > 127 || !std::ranges::all_of(key, name_char))
    return std::unexpected(bad("The $skiptoken is not valid."));
  return std::string(key);
}

Result<Page> page_of(const Ctx& c) {
  Page p;
  if (auto it = c.query.find("maxresults"); it != c.query.end()) {
    const std::string& v = it->second;
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < 1 || n > kMaxResults)
      return std::unexpected(bad("Invalid value for maxresults: '" + v.substr(0, 20) +
                                 "'. It must be an integer from 1 to 25."));
    p.size = n;
  }
  if (auto it = c.query.find("$skiptoken"); it != c.query.end()) {
    auto after = read_skiptoken(it->second);
    if (!after) return std::unexpected(after.error());
    p.after = std::move(*after);
  }
  return p;
}

Response list_response(const Ctx& c, nlohmann::json items, const std::vector<std::string>& cursors,
                       const Page& p) {
  assert(cursors.size() == items.size());
  nlohmann::json next = nullptr;
  if (items.size() > p.size && p.size > 0) {
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(p.size), items.end());
    if (cursors.size() >= p.size)
      next = c.origin + c.path + "?api-version=" + percent_encode(c.api_version) +
             "&$skiptoken=" + make_skiptoken(cursors[p.size - 1]) + "&maxresults=" + std::to_string(p.size);
  }
  if (!items.is_array()) items = nlohmann::json::array();
  return json_response(200, {{"value", std::move(items)}, {"nextLink", next}});
}

}  // namespace cv::server
