// Paging: maxresults, $skiptoken, nextLink.
#include "server/paging.hpp"

#include <charconv>

#include "coldvault/base64.hpp"
#include "server/router.hpp"

namespace cv::server {
namespace {

Error bad(std::string message) {
  return Error{Errc::BadParameter, std::move(message), {}, "BadParameter", {}};
}

}  // namespace

std::string make_skiptoken(std::size_t offset) {
  return base64url_encode(as_bytes("offset:" + std::to_string(offset)));
}

Result<std::size_t> read_skiptoken(const std::string& token) {
  auto raw = base64url_decode_lenient_padding(token);
  if (!raw) return std::unexpected(bad("The $skiptoken is not valid."));
  std::string_view text = as_chars(*raw);
  constexpr std::string_view kTag = "offset:";
  std::size_t n = 0;
  if (text.substr(0, kTag.size()) != kTag || text.size() == kTag.size() ||
      text.size() > kTag.size() + 9)
    return std::unexpected(bad("The $skiptoken is not valid."));
  auto [end, ec] = std::from_chars(text.data() + kTag.size(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size())
    return std::unexpected(bad("The $skiptoken is not valid."));
  return n;
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
    auto off = read_skiptoken(it->second);
    if (!off) return std::unexpected(off.error());
    p.offset = *off;
  }
  return p;
}

Response list_response(const Ctx& c, nlohmann::json items, const Page& p) {
  nlohmann::json next = nullptr;
  if (items.size() > p.size) {
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(p.size), items.end());
    next = c.origin + c.path + "?api-version=" + percent_encode(c.api_version) +
           "&$skiptoken=" + make_skiptoken(p.offset + p.size) +
           "&maxresults=" + std::to_string(p.size);
  }
  if (!items.is_array()) items = nlohmann::json::array();
  return json_response(200, {{"value", std::move(items)}, {"nextLink", next}});
}

}  // namespace cv::server
