#include "coldvault/time_text.hpp"

#include <ctime>

namespace cv {
namespace {

std::string utc(std::int64_t t, const char* format) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string utc_iso8601(std::int64_t unix_seconds) { return utc(unix_seconds, "%Y-%m-%dT%H:%M:%SZ"); }
std::string utc_compact(std::int64_t unix_seconds) { return utc(unix_seconds, "%Y%m%d%H%M%S"); }

}  // namespace cv
