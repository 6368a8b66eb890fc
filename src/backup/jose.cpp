#include "backup/jose.hpp"

#include "coldvault/base64.hpp"

namespace cv::backup {

Result<std::vector<std::string_view>> split_compact(std::string_view text, std::size_t n, const char* what) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    auto dot = text.find('.', start);
    parts.push_back(text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
    if (parts.size() > n) break;
  }
  if (parts.size() != n)
    return fail(Errc::BadParameter, std::string("malformed backup blob: ") + what + " must have " +
                                        std::to_string(n) + " parts, found " + std::to_string(parts.size()));
  for (auto p : parts)
    if (p.empty())
      return fail(Errc::BadParameter, std::string("malformed backup blob: empty ") + what + " part");
  return parts;
}

Result<nlohmann::json> decode_json_part(std::string_view part, const char* what) {
  auto raw = base64url_decode(part);
  if (!raw) return fail(Errc::BadParameter, std::string("malformed backup blob: ") + what + " is not base64url");
  auto j = nlohmann::json::parse(raw->begin(), raw->end(), nullptr, false);
  if (!j.is_object()) return fail(Errc::BadParameter, std::string("malformed backup blob: ") + what + " is not a JSON object");
  return j;
}

std::string encode_json_part(const nlohmann::json& j) {
  std::string s = j.dump();
  return base64url_encode(as_bytes(s));
}

}  // namespace cv::backup
