// az's value formats for the data-plane verbs' flags (`az keyvault secret|key|certificate ...`), so a
// script written for az passes the same values here. One place per format; the verbs in cmd_*.cpp only
// bind the flags and call these. docs/cli.md lists every flag and which of these reads it.
//
// Every function returns BadParameter naming the flag and the accepted values; none echoes a secret.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/secure_string.hpp"

namespace cv::cli::az {

// --expires / --not-before: az's forms 2027-01-31T10:00:00Z, 2027-01-31T10:00Z, 2027-01-31T10Z and
// 2027-01-31 (UTC), plus what coldvault always took (offsets, fractions, Unix seconds).
Result<std::int64_t> time(const std::string& flag, const std::string& text);

// az's three-state flags (--disabled, --enabled, --exportable, --include-pending, ...): given bare it
// means true; with a value, true/false/yes/no/1/0 in any case.
Result<bool> three_state(const std::string& flag, const CLI::Option* opt, const std::string& text);

// --tags a=1 b=2: "k" alone is k="" and an empty item is skipped (so `--tags ""` or a bare `--tags`
// is the empty set, which clears the tags on set-attributes), as az reads them; "=v" is refused.
Result<std::map<std::string, std::string>> tags(const std::vector<std::string>& items);

// `secret set --encoding`: utf-8, ascii, utf-16le, utf-16be store the file's text as it is (az reads
// the file as text and only checks it can be written in that encoding: ascii refuses bytes >= 0x80);
// base64 stores the file's bytes as base64 in 76-character lines each ending in "\n" (Python's
// encodebytes, what az stores); hex as lowercase hex.
inline const std::vector<std::string> kSecretEncodings = {"utf-8", "utf-16le", "utf-16be", "ascii",
                                                          "base64", "hex"};
Result<SecureString> secret_value_from_file(const SecureBytes& file, const std::string& encoding,
                                            const std::string& path);
// `secret download --encoding`: the inverse. Text encodings write the value as it is (as az, which
// writes text in the platform's UTF-8 whatever the encoding); base64 and hex decode it, ignoring the
// line breaks base64 has; a value that does not decode is BadParameter.
Result<SecureBytes> secret_file_from_value(const SecureString& value, const std::string& encoding);

// Binary arguments of key operations (--value, --digest, --signature): az's standard base64 with
// padding; coldvault's base64url (padded or not) is accepted too. Either alphabet, not a mix.
Result<Bytes> base64_arg(const std::string& flag, const std::string& text);

// `key create` --kty/--curve/--protection as az resolves them: no --kty means EC with --curve, else
// RSA; --protection hsm appends -HSM; software refuses an -HSM type.
Result<std::string> key_type(const std::string& kty, const std::string& curve, const std::string& protection);

// An az flag with no meaning offline: one note on stderr saying it was ignored and why.
void note_ignored(const std::string& flag, const std::string& why);
// Adds such a flag to `c` (taking any number of values) and notes it from the verb's callback when given.
CLI::Option* add_ignored(CLI::App* c, const std::string& flag, const std::string& why);
// An az flag coldvault cannot honour and must not drop silently (a key's release policy): given, the
// verb stops with Unsupported and `why`.
CLI::Option* add_refused(CLI::App* c, const std::string& flag, const std::string& why);

}  // namespace cv::cli::az
