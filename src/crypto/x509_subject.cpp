// Subject names from text (x509_internal.hpp: parse_subject). Key Vault takes RFC 4514-style text
// with attribute names in any case, as the SDKs' default policy ("cn=DefaultPolicy") shows, so this
// is a small tokenizer rather than OpenSSL's case-sensitive name lookup.
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "crypto/x509_internal.hpp"

namespace cv::crypto::detail {
namespace {

struct Ava {
  std::string key, value;
};
using Rdn = std::vector<Ava>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// The names people write (RFC 4514, X.520, Windows' "E" and "S"), lower case -> OpenSSL's short
// name.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> m = {{"cn", "CN"},
                                                       {"c", "C"},
                                                       {"l", "L"},
                                                       {"st", "ST"},
                                                       {"s", "ST"},
                                                       {"o", "O"},
                                                       {"ou", "OU"},
                                                       {"e", "emailAddress"},
                                                       {"email", "emailAddress"},
                                                       {"emailaddress", "emailAddress"},
                                                       {"street", "street"},
                                                       {"dc", "DC"},
                                                       {"uid", "UID"},
                                                       {"serialnumber", "serialNumber"},
                                                       {"title", "title"},
                                                       {"t", "title"},
                                                       {"g", "GN"},
                                                       {"gn", "GN"},
                                                       {"givenname", "GN"},
                                                       {"sn", "SN"},
                                                       {"surname", "SN"},
                                                       {"initials", "initials"},
                                                       {"postalcode", "postalCode"},
                                                       {"pc", "postalCode"}};
  return m;
}

// The OpenSSL name of an attribute written in any case, or of a dotted OID; "" if unknown.
std::string canonical_attribute(const std::string& key) {
  auto it = aliases().find(lower(key));
  if (it != aliases().end()) return it->second;
  if (!key.empty() && std::isdigit(static_cast<unsigned char>(key.front())) &&
      OBJ_txt2nid(key.c_str()) != NID_undef)
    return key;
  // Other long names OpenSSL knows ("organizationIdentifier"), compared without case.
  int nid = OBJ_ln2nid(key.c_str());
  if (nid == NID_undef) nid = OBJ_sn2nid(key.c_str());
  return nid == NID_undef ? std::string() : OBJ_nid2sn(nid);
}

// Splits text into RDNs (separated by `sep`; ';' too in the comma form) of AVAs (separated by '+').
Result<std::vector<Rdn>> split_dn(std::string_view t, char sep, const std::string& whole) {
  auto bad = [&whole](const std::string& why) {
    return fail(Errc::BadParameter, "invalid subject '" + whole + "': " + why);
  };
  auto is_sep = [sep](char c) { return c == sep || (sep == ',' && c == ';'); };
  std::vector<Rdn> out(1);
  std::size_t i = 0;
  while (true) {
    // Attribute name, up to '='.
    std::size_t eq = i;
    while (eq < t.size() && t[eq] != '=' && !is_sep(t[eq]) && t[eq] != '+') ++eq;
    if (eq >= t.size() || t[eq] != '=')
      return bad("'" + trim(t.substr(i, eq - i)) + "' is not of the form attribute=value");
    Ava ava{trim(t.substr(i, eq - i)), {}};
    i = eq + 1;
    while (i < t.size() && t[i] == ' ') ++i;
    if (i < t.size() && t[i] == '"') {  // quoted: separators are plain characters inside
      ++i;
      bool closed = false;
      while (i < t.size()) {
        char c = t[i++];
        if (c == '\\' && i < t.size()) {
          ava.value += t[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          ava.value += c;
        }
      }
      if (!closed) return bad("unterminated quote in the value of '" + ava.key + "'");
      while (i < t.size() && t[i] == ' ') ++i;
      if (i < t.size() && !is_sep(t[i]) && t[i] != '+')
        return bad("text after the quoted value of '" + ava.key + "'");
    } else {
      std::size_t keep = 0;  // length without trailing unescaped spaces
      while (i < t.size() && !is_sep(t[i]) && t[i] != '+') {
        char c = t[i++];
        if (c == '\\' && i < t.size()) {
          int hi = hex_digit(t[i]), lo = i + 1 < t.size() ? hex_digit(t[i + 1]) : -1;
          if (hi >= 0 && lo >= 0) {  // \2C: a byte in hex (RFC 4514)
            ava.value += static_cast<char>(hi * 16 + lo);
            i += 2;
          } else {
            ava.value += t[i++];
          }
          keep = ava.value.size();
        } else {
          ava.value += c;
          if (c != ' ') keep = ava.value.size();
        }
      }
      ava.value.resize(keep);
    }
    if (ava.key.empty() || ava.value.empty())
      return bad("empty attribute or value in '" + ava.key + "=" + ava.value + "'");
    out.back().push_back(std::move(ava));
    if (i >= t.size()) break;
    if (is_sep(t[i])) out.emplace_back();
    ++i;
  }
  return out;
}

}  // namespace

Result<ossl::X509NamePtr> parse_subject(std::string_view subject) {
  const std::string text = trim(subject);
  if (text.empty()) return fail(Errc::BadParameter, "subject must not be empty");
  const bool slash_form = text.front() == '/';
  auto rdns = split_dn(slash_form ? std::string_view(text).substr(1) : std::string_view(text),
                       slash_form ? '/' : ',', text);
  if (!rdns) return std::unexpected(rdns.error());
  // RFC 4514 text lists the most specific RDN first; the encoding starts with the least specific.
  if (!slash_form) std::ranges::reverse(*rdns);
  ossl::X509NamePtr name(X509_NAME_new());
  if (!name) return ossl::fail_ossl(Errc::Internal, "cannot build subject");
  for (const auto& rdn : *rdns) {
    bool first = true;
    for (const auto& ava : rdn) {
      const std::string key = canonical_attribute(ava.key);
      if (key.empty())
        return fail(Errc::BadParameter,
                    "invalid subject '" + text + "': unknown attribute '" + ava.key + "'");
      // set 0: a new RDN; -1: one more value of the previous RDN (a multi-valued RDN, "OU=a+CN=b").
      if (X509_NAME_add_entry_by_txt(name.get(), key.c_str(), MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(ava.value.data()),
                                     static_cast<int>(ava.value.size()), -1, first ? 0 : -1) != 1)
        return ossl::fail_ossl(Errc::BadParameter,
                               "invalid subject '" + text + "': bad value for '" + ava.key + "'");
      first = false;
    }
  }
  return name;
}

}  // namespace cv::crypto::detail
