// The auditor's reports (docs/audit.md §6): self-contained HTML pages readable without JavaScript (no
// <script>, inline CSS only), every value passed through html_escape. They render reports the domain
// already made (backup::verify_many, audit::verify_export); they judge nothing themselves.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "coldvault/error.hpp"

namespace cv::report {

// The one escape of the reports: & < > " ' become entities, everything else is copied (the pages are
// UTF-8). Safe in element content and in quoted attribute values.
std::string html_escape(std::string_view text);

// `blob verify --html`: a summary line, then per blob its file, object type and name, versions, source
// vault, signer (subject and SHA-256), creation time, chain status and verdict. `bulk` has the shape of
// backup::verify_many's report.
std::string blobs_html(const nlohmann::json& bulk);

// `audit report`: origin, range, the checkpoints in the export, verdict, the failing check and its detail,
// and a table of the records (at most kMaxRecordRows, the page says when more were left out). `verdict` is
// audit::verify_export's report for `dir`. Lines that are not JSON objects are shown as such. Errors:
// StorageFailure when records.jsonl exists but cannot be read.
inline constexpr std::size_t kMaxRecordRows = 20000;
Result<std::string> audit_html(const std::string& dir, const nlohmann::json& verdict);

// Conflict when `path` exists (any kind of entry): the front doors ask before any work, so a run whose
// report could not be written prints nothing; write_html checks again at the write.
Result<void> check_new_file(const std::string& path);
// Writes a page to a new file, atomically (write_file_atomic), mode 0644: Conflict if `path` exists,
// so a report is never overwritten.
Result<void> write_html(const std::string& path, std::string_view html);

}  // namespace cv::report
