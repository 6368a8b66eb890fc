// libFuzzer target for the audit log's signed checkpoint notes (docs/audit.md §3; src/vault/audit_note.hpp):
// the split at the blank line, every signature line, and the checkpoint text (origin, size, root), as
// `audit verify` reads checkpoint-from.note, checkpoint-to.note and a kept note, minus the signature check.
// Any crash, leak or UB is a bug; every input must come back as a value or an error.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "coldvault/base64.hpp"
#include "vault/audit_note.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string note(reinterpret_cast<const char*>(data), size);
  auto sep = note.find("\n\n");
  std::string text = sep == std::string::npos ? note : note.substr(0, sep + 1);
  if (sep != std::string::npos) {
    std::istringstream sigs(note.substr(sep + 2));
    for (std::string line; std::getline(sigs, line);)
      if (auto s = cv::audit::parse_signature_line(line)) (void)cv::base64_decode(s->b64);
  }
  // The origin a verifier pins is the note's own first line here, so the size and root are reached.
  std::string origin = text.substr(0, text.find('\n'));
  (void)cv::audit::parse_checkpoint_text(text, origin);
  (void)cv::audit::parse_checkpoint_text(text, "coldvault.local/audit/0011223344556677");
  return 0;
}
