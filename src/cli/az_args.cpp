#include "cli/az_args.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include "cli/common.hpp"
#include "coldvault/base64.hpp"

namespace cv::cli::az {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool digits(const std::string& s, std::size_t from, std::size_t n) {
  if (s.size() < from + n) return false;
  return std::all_of(s.begin() + from, s.begin() + from + n, [](char c) { return c >= '0' && c <= '9'; });
}

// Moves a std::string's bytes into wiped memory and wipes the string.
SecureString secure_from(std::string& s) {
  SecureString out(s.begin(), s.end());
  secure_wipe(s.data(), s.size());
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::int64_t> time(const std::string& flag, const std::string& text) {
  // az's shorter forms, YYYY-MM-DDTHHZ and YYYY-MM-DDTHH:MMZ, completed to the form parse_time reads.
  std::string t = text;
  if (t.size() == 14 && t[10] == 'T' && digits(t, 11, 2) && t[13] == 'Z') t = t.substr(0, 13) + ":00:00Z";
  if (t.size() == 17 && t[10] == 'T' && digits(t, 11, 2) && t[13] == ':' && digits(t, 14, 2) && t[16] == 'Z')
    t = t.substr(0, 16) + ":00Z";
  auto r = parse_time(t);
  if (!r)
    return fail(Errc::BadParameter, flag + ": '" + text.substr(0, 40) +
                                        "' is not a date: use 2027-12-31T12:59:59Z (az's form), "
                                        "2027-12-31T12:59Z, 2027-12-31T12Z or 2027-12-31 (UTC)");
  return r;
}

Result<bool> three_state(const std::string& flag, const CLI::Option* opt, const std::string& text) {
  if (opt && opt->count() > 0 && text.empty()) return true;
  auto v = lower(text);
  if (v == "true" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "no" || v == "0") return false;
  return fail(Errc::BadParameter, flag + ": expected true or false, not '" + text.substr(0, 40) + "'");
}

Result<std::map<std::string, std::string>> tags(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& it : items) {
    if (it.empty()) continue;
    auto eq = it.find('=');
    if (eq == 0) return fail(Errc::BadParameter, "--tags: '" + it.substr(0, 40) + "' has no key before '='");
    if (eq == std::string::npos)
      out[it] = "";
    else
      out[it.substr(0, eq)] = it.substr(eq + 1);
  }
  return out;
}

Result<SecureString> secret_value_from_file(const SecureBytes& file, const std::string& encoding,
                                            const std::string& path) {
  if (encoding == "base64") {
    std::string enc = base64_encode(ByteView(file.data(), file.size()));
    // Python's base64.encodebytes: 76-character lines, each one ended by "\n".
    std::string lines;
    for (std::size_t i = 0; i < enc.size(); i += 76) lines += enc.substr(i, 76) + "\n";
    secure_wipe(enc.data(), enc.size());
    return secure_from(lines);
  }
  if (encoding == "hex") {
    std::string h = to_hex(ByteView(file.data(), file.size()));
    return secure_from(h);
  }
  if (std::find(kSecretEncodings.begin(), kSecretEncodings.end(), encoding) == kSecretEncodings.end())
    return fail(Errc::BadParameter, "--encoding: '" + encoding.substr(0, 40) +
                                        "' is not one of utf-8, utf-16le, utf-16be, ascii, base64, hex");
  if (!is_utf8(ByteView(file.data(), file.size())))
    return fail(Errc::BadParameter, "Unable to decode file '" + path + "' with '" + encoding +
                                        "' encoding: it is not text; use --encoding base64 or hex");
  if (encoding == "ascii" &&
      std::any_of(file.begin(), file.end(), [](std::uint8_t b) { return b >= 0x80; }))
    return fail(Errc::BadParameter, "invalid encoding 'ascii': " + path + " holds non-ASCII characters");
  return SecureString(file.begin(), file.end());
}

Result<SecureBytes> secret_file_from_value(const SecureString& value, const std::string& encoding) {
  if (encoding == "base64") {
    std::string compact;
    for (char c : value)
      if (c != '\n' && c != '\r') compact.push_back(c);
    auto d = base64_decode(compact);
    secure_wipe(compact.data(), compact.size());
    if (!d) return fail(Errc::BadParameter, "--encoding base64: the secret's value is not base64");
    SecureBytes out(d->begin(), d->end());
    secure_wipe(d->data(), d->size());
    return out;
  }
  if (encoding == "hex") {
    if (value.size() % 2) return fail(Errc::BadParameter, "--encoding hex: the secret's value is not hex");
    SecureBytes out(value.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
      int hi = hex_digit(value[2 * i]), lo = hex_digit(value[2 * i + 1]);
      if (hi < 0 || lo < 0) return fail(Errc::BadParameter, "--encoding hex: the secret's value is not hex");
      out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return out;
  }
  if (std::find(kSecretEncodings.begin(), kSecretEncodings.end(), encoding) == kSecretEncodings.end())
    return fail(Errc::BadParameter, "--encoding: '" + encoding.substr(0, 40) +
                                        "' is not one of utf-8, utf-16le, utf-16be, ascii, base64, hex");
  return SecureBytes(value.begin(), value.end());
}

Result<Bytes> base64_arg(const std::string& flag, const std::string& text) {
  bool standard = text.find_first_of("+/") != std::string::npos;
  bool url = text.find_first_of("-_") != std::string::npos;
  auto bad = [&] {
    return fail(Errc::BadParameter, "Content of '" + flag + "' is not base64 (or base64url).");
  };
  if (standard && url) return bad();
  // Same 62 letters and digits in both; base64url's decoder takes either padding.
  std::string t = text;
  std::replace(t.begin(), t.end(), '+', '-');
  std::replace(t.begin(), t.end(), '/', '_');
  auto r = base64url_decode_lenient_padding(t);
  if (!r) return bad();
  return r;
}

Result<std::string> key_type(const std::string& kty, const std::string& curve, const std::string& protection) {
  std::string t = !kty.empty() ? kty : (curve.empty() ? "RSA" : "EC");
  bool hsm = t.size() > 4 && t.ends_with("-HSM");
  if (protection == "hsm" && !hsm) t += "-HSM";
  if (protection == "software" && hsm)
    return fail(Errc::BadParameter,
                "The key type " + t + " is invalid for software protected keys. Omit --protection");
  return t;
}

void note_ignored(const std::string& flag, const std::string& why) {
  std::cerr << "coldvault: note: " << flag << " ignored: " << why << "\n";
}

CLI::Option* add_ignored(CLI::App* c, const std::string& flag, const std::string& why) {
  return c
      ->add_option_function<std::vector<std::string>>(
          flag, [flag, why](const std::vector<std::string>&) { note_ignored(flag, why); },
          "Accepted for az scripts and ignored: " + why)
      ->expected(0, 1);
}

CLI::Option* add_refused(CLI::App* c, const std::string& flag, const std::string& why) {
  return c
      ->add_option_function<std::vector<std::string>>(
          flag, [flag, why](const std::vector<std::string>&) { die(Errc::Unsupported, flag + " is not supported: " + why); },
          "Not supported: " + why)
      ->expected(0, 1);
}

}  // namespace cv::cli::az
