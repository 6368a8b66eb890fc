// Envelope decoding (docs/blob-format.md §1-3): strict, bounds-checked, no crypto. This is the surface the
// fuzzer drives, so every path ends in a precise BadParameter rather than a crash.
#include <cctype>

#include "backup/jose.hpp"
#include "coldvault/backup.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"

namespace cv::backup {
namespace {

constexpr std::string_view kAkvSecret = "AzureKeyVaultSecretBackupV1.microsoft.com";
constexpr std::string_view kAkvKey = "AzureKeyVaultKeyBackupV1.microsoft.com";

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !(std::isdigit(static_cast<unsigned char>(s[i])) || (s[i] >= 'a' && s[i] <= 'f')))
      return false;
  }
  return true;
}

std::unexpected<Error> bad(const std::string& why) {
  return fail(Errc::BadParameter, "malformed backup blob: " + why);
}

// Our prefixes: ColdVault<Type>BackupV1.<kid>.
bool parse_our_prefix(std::string_view p, std::string& type, std::string& kid) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"ColdVaultSecretBackupV1.", "secret"},
      {"ColdVaultKeyBackupV1.", "key"},
      {"ColdVaultCertificateBackupV1.", "certificate"}};
  for (auto [head, t] : kTypes) {
    if (p.substr(0, head.size()) == head && is_uuid(p.substr(head.size()))) {
      type = t;
      kid = p.substr(head.size());
      return true;
    }
  }
  return false;
}

Result<void> parse_jwe(std::string_view jwe, Envelope& e) {
  auto parts = split_compact(jwe, 5, "JWE");
  if (!parts) return std::unexpected(parts.error());
  auto header = decode_json_part((*parts)[0], "JWE header");
  if (!header) return std::unexpected(header.error());
  e.jwe_header_b64 = std::string((*parts)[0]);
  e.jwe_header = std::move(*header);
  Bytes* out[] = {&e.encrypted_cek, &e.iv, &e.ciphertext, &e.tag};
  const char* names[] = {"encrypted key", "IV", "ciphertext", "tag"};
  for (int i = 0; i < 4; ++i) {
    auto b = base64url_decode((*parts)[i + 1]);
    if (!b) return bad(std::string("JWE ") + names[i] + " is not canonical base64url");
    *out[i] = std::move(*b);
  }
  return {};
}

}  // namespace

Result<Envelope> parse_blob(ByteView blob) {
  if (blob.empty()) return bad("empty input");
  if (blob.size() > kMaxBlobBytes) return bad("larger than 64 MiB");
  std::size_t len = blob[0];
  if (len == 0 || 1 + len >= blob.size()) return bad("prefix length byte out of range (truncated?)");
  std::string_view prefix = as_chars(blob.subspan(1, len));
  std::string_view body = as_chars(blob.subspan(1 + len));
  Envelope e;
  e.prefix = std::string(prefix);
  e.total_bytes = blob.size();
  if (prefix == kAkvSecret || prefix == kAkvKey) {
    e.format = BlobFormat::AzureKeyVault;
    e.type = prefix == kAkvSecret ? "secret" : "key (or certificate)";
    if (auto r = parse_jwe(body, e); !r) return std::unexpected(r.error());
    if (e.jwe_header.contains("kid") && e.jwe_header["kid"].is_string()) e.kid = e.jwe_header["kid"];
    return e;
  }
  if (!parse_our_prefix(prefix, e.type, e.kid)) return bad("unknown prefix (not a coldvault or Key Vault blob)");
  auto jws = split_compact(body, 3, "JWS");
  if (!jws) return std::unexpected(jws.error());
  auto header = decode_json_part((*jws)[0], "JWS header");
  if (!header) return std::unexpected(header.error());
  e.jws_header_b64 = std::string((*jws)[0]);
  e.jws_header = std::move(*header);
  auto payload = base64url_decode((*jws)[1]);
  if (!payload) return bad("JWS payload is not canonical base64url");
  e.jwe.assign(payload->begin(), payload->end());
  auto sig = base64url_decode((*jws)[2]);
  if (!sig) return bad("JWS signature is not canonical base64url");
  e.signature = std::move(*sig);
  if (auto r = parse_jwe(e.jwe, e); !r) return std::unexpected(r.error());
  // The prefix is outside both the signature and the GCM tag: it must agree with the signed headers.
  const auto& h = e.jwe_header;
  if (!h.is_object() || h.value("kid", "") != e.kid) return bad("prefix domain does not match the JWE kid");
  if (h.value("alg", "") != "RSA-OAEP" || h.value("enc", "") != "A256GCM" ||
      h.value("cty", "") != "application/vnd.coldvault.backup.v1+json")
    return bad("unexpected JWE alg/enc/cty");
  if (!h.contains("cv.manifest") || !h["cv.manifest"].is_object()) return bad("JWE header has no manifest");
  if (h["cv.manifest"].value("type", "") != e.type) return bad("prefix type does not match the manifest");
  const auto& j = e.jws_header;
  if (!j.is_object() || j.value("alg", "") != "ES256" || !j.contains("x5c") || !j["x5c"].is_array() ||
      j["x5c"].empty())
    return bad("JWS header must be ES256 with an x5c chain");
  if (e.iv.size() != 12 || e.tag.size() != 16) return bad("JWE IV must be 12 bytes and tag 16 bytes");
  if (e.signature.size() != 64) return bad("ES256 signature must be 64 bytes");
  return e;
}

Result<Manifest> manifest_of(const Envelope& e) {
  if (e.format != BlobFormat::ColdVault) return bad("a Key Vault blob has no readable manifest");
  const auto& m = e.jwe_header["cv.manifest"];
  Manifest out;
  try {
    if (m.at("format").get<int>() != 1) return bad("unknown manifest format");
    out.type = m.at("type").get<std::string>();
    out.name = m.at("name").get<std::string>();
    out.current = m.at("current").get<std::string>();
    out.vault = m.at("vault").get<std::string>();
    out.vault_url = m.at("vaultUrl").get<std::string>();
    out.domain = m.at("domain").get<std::string>();
    out.signer = m.at("signer").get<std::string>();
    out.payload_sha256 = m.at("payloadSha256").get<std::string>();
    out.created = m.at("created").get<std::int64_t>();
    out.versions = m.at("versions").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return bad("manifest fields missing or of the wrong type");
  }
  if (out.domain != e.kid) return bad("manifest domain does not match the prefix");
  if (out.versions.empty() || out.versions.size() > kMaxVersions) return bad("manifest version count out of range");
  return out;
}

Result<Bytes> read_blob_input(ByteView content) {
  if (content.empty()) return bad("empty input");
  if (content.size() > kMaxBlobBytes * 2) return bad("larger than 64 MiB");
  // Raw envelope: a length byte then a known prefix start.
  if (content[0] < 0x80 && content.size() > 1u + content[0]) {
    std::string_view p = as_chars(content.subspan(1, content[0]));
    if (p.starts_with("ColdVault") || p.starts_with("AzureKeyVault")) return Bytes(content.begin(), content.end());
  }
  std::string_view text = as_chars(content);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) text.remove_prefix(1);
  if (text.starts_with("{")) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("value") || !j["value"].is_string())
      return bad("JSON input must be {\"value\": \"<base64url>\"}");
    auto b = base64url_decode(j["value"].get<std::string>());
    if (!b) return bad("Content of 'value' is not base64url");
    return b;
  }
  auto b = base64url_decode(text);
  if (!b) return bad("neither a raw blob nor base64url text (" + b.error().message + ")");
  return b;
}

std::string blob_value(ByteView blob) { return base64url_encode(blob); }
std::string blob_sha256(ByteView blob) { return to_hex(crypto::sha256(blob)); }

}  // namespace cv::backup
