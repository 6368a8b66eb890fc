// Path splitting, query decoding and route matching (see router.hpp for why empty segments matter).
#include "server/router.hpp"

#include <algorithm>
#include <cctype>

namespace cv::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_param(const std::string& p) { return p.size() > 2 && p.front() == '{' && p.back() == '}'; }
bool is_optional(const std::string& p) { return is_param(p) && p[p.size() - 2] == '?'; }
std::string param_name(const std::string& p) {
  return p.substr(1, p.size() - (is_optional(p) ? 3 : 2));
}

// Matches segments against a pattern; -1 if no match, else the number of literal segments.
int match_pattern(const std::vector<std::string>& pat, const std::vector<std::string>& segs,
                  Params& out) {
  std::vector<std::string> s = segs;
  // One trailing slash is allowed on any route; an optional last parameter may also be absent.
  if (s.size() == pat.size() + 1 && s.back().empty()) s.pop_back();
  if (s.size() + 1 == pat.size() && is_optional(pat.back())) s.emplace_back();
  if (s.size() != pat.size()) return -1;
  int literals = 0;
  Params p;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (!is_param(pat[i])) {
      if (!iequals(pat[i], s[i])) return -1;
      ++literals;
      continue;
    }
    if (s[i].empty() && !is_optional(pat[i])) return -1;
    (param_name(pat[i]) == "name" ? p.name : p.version) = s[i];
  }
  out = std::move(p);
  return literals;
}

}  // namespace

Result<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return fail(Errc::BadParameter, "malformed %-escape in the URL");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '$') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<std::vector<std::string>> split_path(std::string_view path) {
  std::size_t start = 0;
  while (start < path.size() && path[start] == '/') ++start;
  std::vector<std::string> out;
  if (start == path.size()) return out;
  for (;;) {
    auto slash = path.find('/', start);
    auto seg = percent_decode(
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start), false);
    if (!seg) return std::unexpected(seg.error());
    out.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    std::string_view item =
        query.substr(start, amp == std::string_view::npos ? query.npos : amp - start);
    if (!item.empty()) {
      auto eq = item.find('=');
      auto name = percent_decode(item.substr(0, eq), true);
      if (!name) return std::unexpected(name.error());
      auto value = percent_decode(
          eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1), true);
      if (!value) return std::unexpected(value.error());
      out.emplace(std::move(*name), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

void Router::add(std::string method, std::string_view pattern, Permission perm, Handler h) {
  add_needing(std::move(method), pattern, std::vector<Permission>{std::move(perm)}, std::move(h));
}

void Router::add_needing(std::string method, std::string_view pattern, std::vector<Permission> perms, Handler h) {
  Route r{std::move(method), {}, std::move(perms), std::move(h)};
  std::size_t start = 0;
  for (;;) {
    auto slash = pattern.find('/', start);
    r.pattern.emplace_back(
        pattern.substr(start, slash == pattern.npos ? pattern.npos : slash - start));
    if (slash == pattern.npos) break;
    start = slash + 1;
  }
  routes_.push_back(std::move(r));
}

Match Router::match(std::string_view method, const std::vector<std::string>& segments) const {
  Match best;
  int best_literals = -1;
  bool path_known = false;
  for (const auto& r : routes_) {
    Params p;
    int literals = match_pattern(r.pattern, segments, p);
    if (literals < 0) continue;
    path_known = true;
    if (r.method != method || literals <= best_literals) continue;
    best_literals = literals;
    best.route = &r;
    best.params = std::move(p);
  }
  best.method_mismatch = best.route == nullptr && path_known;
  return best;
}

}  // namespace cv::server
