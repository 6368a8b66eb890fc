// The auditor's HTML pages (coldvault/html_report.hpp). Every value that came from a blob, an export or a
// report goes through cell()/text() and so through html_escape: a record's name or a certificate subject
// is attacker-controlled text. No script, no external resource: the page is judged by reading it.
#include "coldvault/html_report.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "coldvault/atomic_file.hpp"
#include "coldvault/time_text.hpp"

namespace cv::report {
namespace {

using nlohmann::json;

constexpr std::string_view kStyle =
    "body{font-family:sans-serif;margin:24px;color:#111}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px}"
    "table{border-collapse:collapse;font-size:13px;margin-top:8px}"
    "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#eee}.mono{font-family:monospace;word-break:break-all}"
    ".valid{color:#0a0;font-weight:bold}.invalid{color:#c00;font-weight:bold}"
    ".summary{font-size:16px;padding:8px;border:2px solid #888;display:inline-block}"
    ".bad{background:#fdd}";

// A JSON value as text: strings as they are, numbers and booleans as JSON writes them, absent as "".
std::string plain(const json& j) {
  if (j.is_null()) return {};
  if (j.is_string()) return j.get<std::string>();
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}
const json& at(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}
std::string text(std::string_view s) { return html_escape(s); }
std::string cell(const json& j, const char* cls = nullptr) {
  std::string open = cls ? std::string("<td class=\"") + cls + "\">" : std::string("<td>");
  return open + text(plain(j)) + "</td>";
}
std::string verdict_span(bool ok) {
  return ok ? "<span class=\"valid\">valid</span>" : "<span class=\"invalid\">invalid</span>";
}
std::string page_head(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + text(title) +
         "</title><style>" + std::string(kStyle) + "</style></head><body>\n<h1>" + text(title) + "</h1>\n" +
         "<p>Generated " + text(utc_iso8601(std::time(nullptr))) + " by coldvault.</p>\n";
}

// One blob's row. A blob that did not decode has only its error.
std::string blob_row(const json& res) {
  const json& r = at(res, "report");
  const json& m = at(r, "manifest");
  const json& chain = at(r, "chain");
  const bool ok = at(res, "ok").is_boolean() && res["ok"].get<bool>();
  std::string row = std::string("<tr") + (ok ? "" : " class=\"bad\"") + ">" + cell(at(res, "file"), "mono");
  if (!at(r, "error").is_null()) {
    return row + "<td colspan=\"6\">not a verifiable blob: " + text(plain(at(at(r, "error"), "message"))) +
           "</td><td>" + verdict_span(false) + "</td></tr>\n";
  }
  row += "<td>" + text(plain(at(m, "type"))) + "<br>" + text(plain(at(m, "name"))) + "</td>";
  const json& versions = at(m, "versions");
  row += "<td>" + text(std::to_string(versions.is_array() ? versions.size() : 0)) + " (current " +
         text(plain(at(m, "current"))) + ")</td>";
  row += "<td>" + text(plain(at(m, "vault"))) + "<br><span class=\"mono\">" + text(plain(at(m, "vaultUrl"))) +
         "</span></td>";
  row += "<td>" + text(plain(at(chain, "subject"))) + "<br><span class=\"mono\">SHA-256 " +
         text(plain(at(chain, "sha256"))) + "</span></td>";
  const json& created = at(m, "created");
  row += "<td>" + text(created.is_number_integer() ? utc_iso8601(created.get<std::int64_t>()) : plain(created)) + "</td>";
  const bool chain_ok = at(chain, "ok").is_boolean() && chain["ok"].get<bool>();
  row += "<td>" + std::string(chain_ok ? "trusted" : "not trusted") +
         (chain_ok ? "" : "<br>" + text(plain(at(chain, "error")))) + "</td>";
  // The checks that failed, so an invalid verdict says why.
  std::string why;
  auto check = [&](const json& ok_field, std::string_view name) {
    if (!(ok_field.is_boolean() && ok_field.get<bool>())) why += (why.empty() ? "" : ", ") + std::string(name);
  };
  check(at(at(r, "signature"), "ok"), "signature");
  check(at(at(r, "digest"), "ok"), "digest");
  check(at(r, "signerMatchesManifest"), "signer/manifest");
  check(at(chain, "ok"), "chain");
  row += "<td>" + verdict_span(ok) + (why.empty() ? "" : "<br>failed: " + text(why)) + "</td></tr>\n";
  return row;
}

struct NoteLines {
  std::string origin, size, root;
};
// The three text lines of a checkpoint note as written (the verdict says whether they verify).
NoteLines note_lines(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  NoteLines n;
  std::getline(in, n.origin);
  std::getline(in, n.size);
  std::getline(in, n.root);
  return n;
}

std::string checkpoints_table(const std::filesystem::path& d) {
  std::vector<std::pair<std::string, std::filesystem::path>> notes = {{"from", d / "checkpoint-from.note"}};
  std::error_code ec;
  std::vector<std::filesystem::path> between;
  if (std::filesystem::is_directory(d / "checkpoints", ec))
    for (const auto& e : std::filesystem::directory_iterator(d / "checkpoints", ec)) between.push_back(e.path());
  auto size_of = [](const std::filesystem::path& p) { return std::strtoull(p.stem().c_str(), nullptr, 10); };
  std::sort(between.begin(), between.end(), [&](const auto& a, const auto& b) { return size_of(a) < size_of(b); });
  for (const auto& p : between) notes.emplace_back("between", p);
  notes.emplace_back("to", d / "checkpoint-to.note");
  std::string out = "<table><tr><th>role</th><th>file</th><th>tree size</th><th>root (base64)</th></tr>\n";
  for (const auto& [role, p] : notes) {
    if (!std::filesystem::exists(p, ec)) {
      out += "<tr class=\"bad\"><td>" + text(role) + "</td><td class=\"mono\">" + text(p.filename().string()) +
             "</td><td colspan=\"2\">missing</td></tr>\n";
      continue;
    }
    auto n = note_lines(p);
    out += "<tr><td>" + text(role) + "</td><td class=\"mono\">" +
           text(std::filesystem::relative(p, d, ec).string()) + "</td><td>" + text(n.size) +
           "</td><td class=\"mono\">" + text(n.root) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string blobs_html(const json& bulk) {
  const bool ok = at(bulk, "verdict") == "valid";
  std::string h = page_head("coldvault blob verification");
  h += "<p class=\"summary\">" + text(plain(at(bulk, "blobs"))) + " blob(s): " + text(plain(at(bulk, "valid"))) +
       " valid, " + text(plain(at(bulk, "invalid"))) + " invalid. Verdict: " + verdict_span(ok) + "</p>\n";
  h += "<table><tr><th>file</th><th>object</th><th>versions</th><th>source vault</th><th>signer</th>"
       "<th>created</th><th>chain</th><th>verdict</th></tr>\n";
  for (const auto& res : at(bulk, "results")) h += blob_row(res);
  return h + "</table>\n</body></html>\n";
}

Result<std::string> audit_html(const std::string& dir, const json& verdict) {
  namespace fs = std::filesystem;
  const fs::path d(dir);
  const bool ok = at(verdict, "verdict") == "valid";
  std::string h = page_head("coldvault audit export report");
  h += "<p class=\"summary\">Verdict: " + verdict_span(ok);
  if (!ok)
    h += " &mdash; check <b>" + text(plain(at(verdict, "check"))) + "</b>: " + text(plain(at(verdict, "detail")));
  h += "</p>\n<table>";
  auto row = [&](std::string_view k, const json& v) {  // a field the verifier did not reach is left out
    if (v.is_null()) return;
    h += "<tr><th>" + text(k) + "</th>" + cell(v, "mono") + "</tr>\n";
  };
  row("export", verdict.value("dir", dir));
  row("origin", at(verdict, "origin"));
  row("from (tree size)", at(verdict, "from"));
  row("to (tree size)", at(verdict, "to"));
  row("records", at(verdict, "records"));
  row("checkpoints verified", at(verdict, "checkpoints"));
  row("root", at(verdict, "root"));
  row("known checkpoint (size)", at(verdict, "known"));
  row("failing check", at(verdict, "check"));
  row("detail", at(verdict, "detail"));
  h += "</table>\n<h2>Checkpoints in the export</h2>\n" + checkpoints_table(d);

  h += "<h2>Records</h2>\n";
  std::error_code ec;
  if (!fs::exists(d / "records.jsonl", ec)) return h + "<p>records.jsonl is missing.</p>\n</body></html>\n";
  std::ifstream in(d / "records.jsonl", std::ios::binary);
  if (!in) return fail(Errc::StorageFailure, "cannot read " + (d / "records.jsonl").string());
  std::string table =
      "<table><tr><th>seq</th><th>time</th><th>operation</th><th>outcome</th><th>actor</th><th>vault</th>"
      "<th>type</th><th>name</th><th>status</th><th>error</th></tr>\n";
  std::size_t lines = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (++lines > kMaxRecordRows) continue;
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) {
      table += "<tr class=\"bad\"><td colspan=\"10\">line " + text(std::to_string(lines)) +
               " is not a JSON object</td></tr>\n";
      continue;
    }
    const bool refused = at(j, "outcome") == "refused";
    table += std::string("<tr") + (refused ? " class=\"bad\"" : "") + ">";
    for (const char* k : {"seq", "time", "operation", "outcome", "actor", "vault", "type", "name", "status", "error"})
      table += cell(at(j, k));
    table += "</tr>\n";
  }
  if (lines > kMaxRecordRows)
    h += "<p>The first " + text(std::to_string(kMaxRecordRows)) + " of " + text(std::to_string(lines)) +
         " records are shown; records.jsonl holds them all.</p>\n";
  return h + table + "</table>\n</body></html>\n";
}

Result<void> check_new_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::symlink_status(path, ec).type() != std::filesystem::file_type::not_found)
    return fail(Errc::Conflict, path + " already exists; a report is never overwritten");
  return {};
}

Result<void> write_html(const std::string& path, std::string_view html) {
  return write_file_atomic(path, as_bytes(html), 0644, IfExists::Refuse);
}

}  // namespace cv::report
