// A consistent copy of a catalogue file, made by SQLite itself (its online backup API, what `sqlite3
// .backup` does): one read transaction on the source, so writers elsewhere neither block it nor appear half
// in it. The copy is a complete catalogue that Catalog::open reads. Used as the baseline of whole-vault
// bundles in bench/bundle_bench.cpp (how fast the machine can copy the same rows with no token at all).
#pragma once

#include <string>

#include "coldvault/error.hpp"

namespace cv::store {

// Copies the SQLite database at `from` to a new file `to` (mode 0600). SQLite writes the pages into a hidden
// temp file beside `to`, which is fsync'd, then linked to `to` and the folder fsync'd, so `to` appears
// complete or not at all; on every error the temp file is removed and `to` is untouched.
// Errors: Conflict when `to` exists (nothing is overwritten); StorageFailure naming the file when SQLite
// cannot read `from` (absent, not a database) or the file system refuses the copy.
// Thread safety: any thread; `from` may be in use by other connections and processes.
Result<void> backup_file(const std::string& from, const std::string& to);

}  // namespace cv::store
