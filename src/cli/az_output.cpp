// knack's output formats, rebuilt from their documented rules (see az_output.hpp):
// - json: indent 2, sorted keys, UTF-8 as is. jsonc is json when stdout is not a terminal (knack drops
//   colour then); coldvault never colours.
// - tsv: the result, or each element of a list result, is one line; a dict's values in key order, a
//   nested list as its length, a nested dict as an empty field, null as "None", nested booleans as
//   Python's "True"/"False", a top-level boolean as "true"/"false".
// - table: tabulate's "simple" layout of each element's scalar fields (keys id/type/etag and null,
//   list and dict values left out), headers with a capital first letter, numbers right-aligned, every cell padded to its column.
// - yaml: PyYAML's safe_dump block style, sorted keys.
#include "cli/az_output.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace cv::cli {
namespace {

using json = nlohmann::ordered_json;  // tsv and table print members in their stored order

std::string py_str(const json& v) {  // Python's str() of a JSON scalar
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string tsv_field(const json& v) {
  if (v.is_array()) return std::to_string(v.size());
  if (v.is_object()) return "";
  return py_str(v);
}

std::string tsv(const json& result) {
  std::vector<json> rows = result.is_array() ? std::vector<json>(result.begin(), result.end())
                                             : std::vector<json>{result};
  std::string out;
  for (const auto& row : rows) {
    if (row.is_object() || row.is_array()) {
      bool first = true;
      for (const auto& v : row) {
        if (!first) out += '\t';
        out += tsv_field(v);
        first = false;
      }
    } else if (row.is_boolean()) {
      out += row.get<bool>() ? "true" : "false";
    } else {
      out += tsv_field(row);
    }
    out += '\n';
  }
  return out;
}

std::string table(const json& result) {
  std::vector<json> rows = result.is_array() ? std::vector<json>(result.begin(), result.end())
                                             : std::vector<json>{result};
  std::vector<std::string> headers;  // in order of first appearance
  std::vector<std::vector<std::pair<std::string, json>>> cells;
  for (const auto& r : rows) {
    std::vector<std::pair<std::string, json>> line;
    if (r.is_object()) {
      for (auto it = r.begin(); it != r.end(); ++it) {
        const std::string& k = it.key();
        if (k == "id" || k == "type" || k == "etag") continue;
        if (it->is_null() || it->is_array() || it->is_object()) continue;
        std::string h = k;
        h[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(h[0])));
        line.emplace_back(h, *it);
      }
    } else if (r.is_array()) {
      for (std::size_t i = 0; i < r.size(); ++i) line.emplace_back("Column" + std::to_string(i + 1), r[i]);
    } else {
      line.emplace_back("Result", r);
    }
    for (const auto& [h, v] : line)
      if (std::find(headers.begin(), headers.end(), h) == headers.end()) headers.push_back(h);
    cells.push_back(std::move(line));
  }
  if (headers.empty()) return "";
  std::vector<std::size_t> width;
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> text(cells.size());
  for (const auto& h : headers) {
    width.push_back(h.size());
    numeric.push_back(true);
  }
  for (std::size_t r = 0; r < cells.size(); ++r) {
    for (std::size_t c = 0; c < headers.size(); ++c) {
      std::string s;
      for (const auto& [h, v] : cells[r])
        if (h == headers[c]) {
          s = py_str(v);
          if (!v.is_number()) numeric[c] = false;
        }
      width[c] = std::max(width[c], s.size());
      text[r].push_back(std::move(s));
    }
  }
  auto pad = [&](const std::string& s, std::size_t c) {
    std::string fill(width[c] - s.size(), ' ');
    return numeric[c] ? fill + s : s + fill;
  };
  std::string out;
  auto emit = [&](const std::vector<std::string>& line) {
    std::string l;
    for (std::size_t c = 0; c < line.size(); ++c) l += (c ? "  " : "") + pad(line[c], c);  // tabulate pads the last column too
    out += l + "\n";
  };
  emit(headers);
  std::vector<std::string> rule;
  for (auto w : width) rule.push_back(std::string(w, '-'));
  emit(rule);
  for (const auto& line : text) emit(line);
  return out;
}

// PyYAML quotes a plain scalar that would read back as something else, or that YAML syntax breaks.
bool yaml_needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  static const char* words[] = {"null", "Null", "NULL", "~",  "true", "True", "TRUE", "false", "False",
                                "FALSE", "yes", "Yes", "YES", "no",  "No",   "NO",   "on",    "On",
                                "ON",   "off", "Off", "OFF", "y", "Y", "n", "N"};
  for (const char* w : words)
    if (s == w) return true;
  if (std::string("-?:,[]{}#&*!|>'\"%@`").find(s[0]) != std::string::npos) return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.back() == ':') return true;
  if (s.find('\n') != std::string::npos) return true;
  // Numbers and timestamps read back as such.
  if (s.find_first_not_of("0123456789+-.eE_:") == std::string::npos && s.find_first_of("0123456789") != std::string::npos)
    return true;
  if (s.size() >= 10 && std::isdigit(static_cast<unsigned char>(s[0])) && s[4] == '-' && s[7] == '-') return true;
  return false;
}

std::string yaml_scalar(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (!v.is_string()) return v.dump();
  std::string s = v.get<std::string>();
  if (!yaml_needs_quotes(s)) return s;
  if (s.find('\n') != std::string::npos) return json(s).dump();  // double-quoted with escapes
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

void yaml(const json& v, int indent, std::string& out);

void yaml_mapping(const json& v, int indent, std::string& out, bool first_inline) {
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!(first && first_inline)) out += std::string(indent, ' ');
    first = false;
    out += yaml_scalar(json(it.key())) + ":";
    const json& c = *it;
    if (c.is_object() && !c.empty()) {
      out += "\n";
      yaml_mapping(c, indent + 2, out, false);
    } else if (c.is_array() && !c.empty()) {
      out += "\n";
      yaml(c, indent, out);  // PyYAML does not indent a sequence under its key
    } else {
      out += " " + (c.is_object() ? std::string("{}") : c.is_array() ? std::string("[]") : yaml_scalar(c)) + "\n";
    }
  }
}

void yaml(const json& v, int indent, std::string& out) {
  if (v.is_object() && !v.empty()) return yaml_mapping(v, indent, out, false);
  if (v.is_array() && !v.empty()) {
    for (const auto& e : v) {
      out += std::string(indent, ' ') + "- ";
      if (e.is_object() && !e.empty())
        yaml_mapping(e, indent + 2, out, true);
      else if (e.is_array() && !e.empty()) {
        out += "\n";
        yaml(e, indent + 2, out);
      } else
        out += (e.is_object() ? std::string("{}") : e.is_array() ? std::string("[]") : yaml_scalar(e)) + "\n";
    }
    return;
  }
  // A document that is one scalar: PyYAML ends it with "...".
  out += (v.is_object() ? std::string("{}") : v.is_array() ? std::string("[]") : yaml_scalar(v)) + "\n";
  if (!v.is_object() && !v.is_array()) out += "...\n";
}

}  // namespace

std::string az_format(const json& result, const std::string& format) {
  if (format == "none" || result.is_null()) return "";
  if (format == "tsv") return tsv(result);
  if (format == "table") return table(result);
  // json and yaml sort keys at every level (knack's sort_keys=True, PyYAML's default): through the
  // sorted json type and back.
  const json sorted = json(nlohmann::json(result));
  if (format == "yaml") {
    std::string out;
    yaml(sorted, 0, out);
    return out;
  }
  return sorted.dump(2) + "\n";  // json, jsonc
}

std::string az_format(const nlohmann::json& result, const std::string& format) {
  return az_format(json(result), format);  // members already sorted
}

}  // namespace cv::cli
