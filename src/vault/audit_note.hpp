// The text readers of the audit log's signed checkpoints (C2SP signed-note over a tlog-checkpoint, docs/audit.md
// §3): pure, no key, so that their fuzzer reaches them without a valid signature. Private to src/vault; the
// signature check itself stays in audit.cpp (open_note), which calls these in the same order as before.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "coldvault/error.hpp"
#include "coldvault/merkle.hpp"

namespace cv::audit {

// One signature line, "— <key name> <base64 signature>"; the base64 is not decoded here.
struct NoteSignature {
  std::string name;
  std::string b64;
};
// BadParameter when the line does not start with the em dash and a space, or has no space after the name.
Result<NoteSignature> parse_signature_line(std::string_view line);

// The checkpoint text before the blank line: origin, decimal size, base64 root, one per line.
struct CheckpointNote {
  std::string origin;
  std::uint64_t size = 0;
  merkle::Hash root{};
};
// BadParameter for fewer than three lines, a size that is not a canonical decimal of at most 19 digits or a
// root that is not a base64 SHA-256; Corruption when the first line is not `origin`.
Result<CheckpointNote> parse_checkpoint_text(std::string_view text, std::string_view origin);

}  // namespace cv::audit
