#include "bundle/format.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <cstring>

#include <nlohmann/json.hpp>

#include "coldvault/crypto.hpp"
#include "coldvault/merkle.hpp"

namespace cv::bundle::fmt {
namespace {

Error bad(const std::string& why) { return Error{Errc::BadParameter, "malformed vault bundle: " + why, {}, {}, {}}; }

void put_str16(Bytes& b, std::string_view s) {
  put_u16(b, static_cast<std::uint16_t>(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}
void put_str32(Bytes& b, ByteView s) {
  put_u32(b, static_cast<std::uint32_t>(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}
std::string str16(Reader& r) {
  auto n = r.u16();
  auto v = r.bytes(n);
  return std::string(v.begin(), v.end());
}
ByteView str32(Reader& r, std::size_t max) {
  auto n = r.u32();
  if (n > max) return r.bytes(r.left() + 1);  // fails the reader
  return r.bytes(n);
}

bool lower_hex32(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}
bool object_name(const std::string& s) {
  return !s.empty() && s.size() <= 127 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

std::string nlohmann_tags_json(const store::Tags& t) { return nlohmann::json(t).dump(); }
std::optional<store::Tags> tags_from_json_text(std::string_view s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  store::Tags t;
  for (auto& [k, v] : j.items()) {
    if (!v.is_string()) return std::nullopt;
    t[k] = v.get<std::string>();
  }
  return t;
}

}  // namespace

std::uint8_t type_code(store::ObjType t) {
  return t == store::ObjType::Secret ? 1 : t == store::ObjType::Key ? 2 : 3;
}
std::optional<store::ObjType> type_from_code(std::uint8_t c) {
  if (c == 1) return store::ObjType::Secret;
  if (c == 2) return store::ObjType::Key;
  if (c == 3) return store::ObjType::Certificate;
  return std::nullopt;
}

void put_u8(Bytes& b, std::uint8_t v) { b.push_back(v); }
void put_u16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put_u32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
void put_u64(Bytes& b, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
void put_bytes(Bytes& b, ByteView v) { b.insert(b.end(), v.begin(), v.end()); }

ByteView Reader::bytes(std::size_t n) {
  if (!ok_ || n > b_.size() - off_) {
    ok_ = false;
    return {};
  }
  ByteView v(b_.data() + off_, n);
  off_ += n;
  return v;
}
std::uint8_t Reader::u8() {
  auto v = bytes(1);
  return v.empty() ? 0 : v[0];
}
std::uint16_t Reader::u16() {
  auto v = bytes(2);
  return v.empty() ? 0 : static_cast<std::uint16_t>(v[0] << 8 | v[1]);
}
std::uint32_t Reader::u32() {
  auto v = bytes(4);
  std::uint32_t x = 0;
  for (auto c : v) x = x << 8 | c;
  return x;
}
std::uint64_t Reader::u64() {
  auto v = bytes(8);
  std::uint64_t x = 0;
  for (auto c : v) x = x << 8 | c;
  return x;
}

Bytes encode_preamble(std::uint32_t header_len) {
  Bytes b(kMagic, kMagic + 8);
  put_u16(b, 1);
  put_u16(b, 0);
  put_u32(b, header_len);
  return b;
}

Result<Preamble> decode_preamble(ByteView b) {
  if (b.size() < kPreambleBytes) return std::unexpected(bad("shorter than its preamble"));
  if (std::memcmp(b.data(), kMagic, 8) != 0) return std::unexpected(bad("not a vault bundle (magic)"));
  Reader r(b.subspan(8, 8));
  auto version = r.u16();
  auto reserved = r.u16();
  Preamble p{r.u32()};
  if (version != 1) return std::unexpected(bad("format version " + std::to_string(version) + " is not 1"));
  if (reserved != 0) return std::unexpected(bad("reserved preamble bytes are not zero"));
  if (p.header_len == 0 || p.header_len > kMaxHeader) return std::unexpected(bad("header length out of range"));
  return p;
}

Bytes encode_footer(const Footer& f) {
  Bytes b;
  put_u64(b, f.body_off);
  put_u64(b, f.index_off);
  put_u64(b, f.index_len);
  put_u64(b, f.digests_off);
  put_u64(b, f.manifest_off);
  put_u32(b, f.manifest_len);
  put_u32(b, f.signature_len);
  put_bytes(b, ByteView(kEndMagic, 8));
  return b;
}

Result<Footer> decode_footer(ByteView b, std::uint64_t file_size) {
  if (b.size() != kFooterBytes || file_size < kPreambleBytes + kFooterBytes)
    return std::unexpected(bad("the file is too short to hold a footer (truncated?)"));
  if (std::memcmp(b.data() + 48, kEndMagic, 8) != 0)
    return std::unexpected(bad("no footer at the end of the file (truncated, or not a vault bundle)"));
  Reader r(b);
  Footer f{r.u64(), r.u64(), r.u64(), r.u64(), r.u64(), r.u32(), r.u32()};
  const std::uint64_t end = file_size - kFooterBytes;
  if (f.manifest_len == 0 || f.manifest_len > kMaxManifest) return std::unexpected(bad("manifest length out of range"));
  if (f.signature_len == 0 || f.signature_len > kMaxSignature)
    return std::unexpected(bad("signature length out of range"));
  if (f.index_len < kTagBytes + 8 || f.index_len > kMaxIndex) return std::unexpected(bad("index length out of range"));
  // Sections are contiguous; each relation is checked without overflow.
  bool ok = f.body_off > kPreambleBytes && f.body_off - kPreambleBytes <= kMaxHeader && f.index_off > f.body_off &&
            f.index_off <= end && f.index_len <= end - f.index_off && f.digests_off == f.index_off + f.index_len &&
            f.manifest_off > f.digests_off && f.manifest_off <= end && (f.manifest_off - f.digests_off) % 32 == 0 &&
            std::uint64_t{f.manifest_len} + f.signature_len == end - f.manifest_off;
  if (!ok) return std::unexpected(bad("footer offsets do not describe this file (truncated or edited)"));
  return f;
}

SecureBytes encode_record(const Record& r) {
  SecureBytes out;
  Bytes b;  // public fields
  put_u8(b, type_code(r.type));
  put_u8(b, r.object.deleted_date ? 1 : 0);
  put_str16(b, r.object.name);
  put_str16(b, r.object.current_version);
  put_u64(b, static_cast<std::uint64_t>(r.object.deleted_date.value_or(0)));
  put_u64(b, static_cast<std::uint64_t>(r.object.scheduled_purge.value_or(0)));
  put_u16(b, static_cast<std::uint16_t>(r.versions.size()));
  std::size_t total = 0;
  for (const auto& m : r.material) total += m.size();
  out.reserve(4 + b.size() + total + r.versions.size() * 256);
  auto flush = [&] {
    out.insert(out.end(), b.begin(), b.end());
    b.clear();
  };
  for (std::size_t i = 0; i < r.versions.size(); ++i) {
    const auto& v = r.versions[i];
    put_str16(b, v.version);
    put_u8(b, static_cast<std::uint8_t>((v.enabled ? 1 : 0) | (v.nbf ? 2 : 0) | (v.exp ? 4 : 0) |
                                        (v.content_type ? 8 : 0)));
    put_u64(b, static_cast<std::uint64_t>(v.created));
    put_u64(b, static_cast<std::uint64_t>(v.updated));
    put_u64(b, static_cast<std::uint64_t>(v.nbf.value_or(0)));
    put_u64(b, static_cast<std::uint64_t>(v.exp.value_or(0)));
    put_str16(b, v.content_type.value_or(""));
    std::string tags = nlohmann_tags_json(v.tags);
    put_str32(b, as_bytes(tags));
    put_str32(b, as_bytes(v.meta_json));
    put_u8(b, static_cast<std::uint8_t>(r.kinds[i]));
    put_u32(b, static_cast<std::uint32_t>(r.material[i].size()));
    flush();
    out.insert(out.end(), r.material[i].begin(), r.material[i].end());
  }
  flush();
  SecureBytes framed;
  framed.reserve(4 + out.size());
  Bytes len;
  put_u32(len, static_cast<std::uint32_t>(out.size()));
  framed.insert(framed.end(), len.begin(), len.end());
  framed.insert(framed.end(), out.begin(), out.end());
  return framed;
}

Result<Record> decode_record(ByteView b) {
  Reader r(b);
  auto len = r.u32();
  if (!r.ok() || len != r.left()) return std::unexpected(bad("a record's length does not match its index entry"));
  Record rec;
  auto t = type_from_code(r.u8());
  if (!t) return std::unexpected(bad("a record has an unknown object type"));
  rec.type = *t;
  auto flags = r.u8();
  rec.object.name = str16(r);
  rec.object.current_version = str16(r);
  auto deleted = static_cast<std::int64_t>(r.u64());
  auto purge = static_cast<std::int64_t>(r.u64());
  auto n = r.u16();
  if (!r.ok()) return std::unexpected(bad("a record is cut short"));
  if (flags > 1) return std::unexpected(bad("a record has unknown flags"));
  if (!object_name(rec.object.name)) return std::unexpected(bad("a record has an invalid object name"));
  if (!lower_hex32(rec.object.current_version)) return std::unexpected(bad("a record has an invalid current version"));
  if (flags & 1) {
    rec.object.deleted_date = deleted;
    if (purge != 0) rec.object.scheduled_purge = purge;
  } else if (deleted != 0 || purge != 0) {
    return std::unexpected(bad("a live record carries a deletion date"));
  }
  if (n == 0 || n > kMaxVersions) return std::unexpected(bad("a record's version count is out of range"));
  bool has_current = false;
  for (std::uint16_t i = 0; i < n; ++i) {
    store::VersionRow v;
    v.version = str16(r);
    auto vf = r.u8();
    v.created = static_cast<std::int64_t>(r.u64());
    v.updated = static_cast<std::int64_t>(r.u64());
    auto nbf = static_cast<std::int64_t>(r.u64());
    auto exp = static_cast<std::int64_t>(r.u64());
    auto ct = str16(r);
    auto tags = str32(r, 1u << 20);
    auto meta = str32(r, 1u << 24);
    auto kind = r.u8();
    auto mat = str32(r, kMaxRecord);
    if (!r.ok()) return std::unexpected(bad("a record is cut short"));
    if (!lower_hex32(v.version)) return std::unexpected(bad("a record has an invalid version id"));
    if (vf > 15) return std::unexpected(bad("a version has unknown flags"));
    v.enabled = vf & 1;
    if (vf & 2) v.nbf = nbf;
    if (vf & 4) v.exp = exp;
    if (vf & 8) v.content_type = ct;
    else if (!ct.empty()) return std::unexpected(bad("a version has a content type it does not flag"));
    auto parsed = tags_from_json_text(std::string_view(reinterpret_cast<const char*>(tags.data()), tags.size()));
    if (!parsed) return std::unexpected(bad("a version's tags are not a JSON object of strings"));
    v.tags = std::move(*parsed);
    v.meta_json.assign(meta.begin(), meta.end());
    Material k = static_cast<Material>(kind);
    Material want = rec.type == store::ObjType::Secret ? Material::SecretValue
                    : rec.type == store::ObjType::Key  ? Material::WrappedKey
                                                       : Material::PublicBytes;
    if (k != want) return std::unexpected(bad("a version's material is not of its object's kind"));
    if (v.version == rec.object.current_version) has_current = true;
    for (const auto& seen : rec.versions)
      if (seen.version == v.version) return std::unexpected(bad("a record holds version " + v.version + " twice"));
    rec.versions.push_back(std::move(v));
    rec.kinds.push_back(k);
    rec.material.emplace_back(mat.begin(), mat.end());
  }
  if (r.left() != 0) return std::unexpected(bad("a record has bytes after its last version"));
  if (!has_current) return std::unexpected(bad("a record's current version is not among its versions"));
  return rec;
}

Bytes encode_index(const std::vector<IndexEntry>& entries) {
  Bytes b{'C', 'V', 'B', 'I'};
  put_u32(b, static_cast<std::uint32_t>(entries.size()));
  for (const auto& e : entries) {
    put_u8(b, e.settings ? kSettingsType : type_code(e.type));
    put_u8(b, e.deleted ? 1 : 0);
    put_str16(b, e.name);
    put_u16(b, e.versions);
    put_u64(b, e.pt_off);
    put_u32(b, e.pt_len);
  }
  return b;
}

Result<std::vector<IndexEntry>> decode_index(ByteView b, std::uint64_t plaintext_bytes) {
  Reader r(b);
  auto magic = r.bytes(4);
  if (!r.ok() || std::memcmp(magic.data(), "CVBI", 4) != 0) return std::unexpected(bad("the index has no magic"));
  auto n = r.u32();
  if (!r.ok() || n > r.left() / 18) return std::unexpected(bad("the index entry count is out of range"));
  std::vector<IndexEntry> out;
  out.reserve(n);
  std::set<std::string> names;  // "<type>/<lower-case name>": the catalogue compares names without case
  std::uint64_t at = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    IndexEntry e;
    auto code = r.u8();
    auto t = type_from_code(code);
    auto flags = r.u8();
    e.name = str16(r);
    e.versions = r.u16();
    e.pt_off = r.u64();
    e.pt_len = r.u32();
    if (!r.ok()) return std::unexpected(bad("the index is cut short"));
    if (code == kSettingsType) {
      // The settings record: one, the last, no versions, no flags, its fixed name.
      if (i + 1 != n || flags != 0 || e.versions != 0 || e.name != kSettingsName)
        return std::unexpected(bad("index entry " + std::to_string(i) + " (vault settings) is malformed"));
      e.settings = true;
    } else if (!t || flags > 1 || !object_name(e.name) || e.versions == 0 || e.versions > kMaxVersions) {
      return std::unexpected(bad("index entry " + std::to_string(i) + " is malformed"));
    }
    if (e.pt_off != at || e.pt_len < 4 || e.pt_len > kMaxRecord)
      return std::unexpected(bad("index entry " + std::to_string(i) + " does not follow the one before"));
    if (t) e.type = *t;
    e.deleted = flags & 1;
    std::string key = std::to_string(code) + "/" + e.name;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!names.insert(std::move(key)).second)
      return std::unexpected(bad("index entry " + std::to_string(i) + " repeats an object name"));
    at += e.pt_len;
    out.push_back(std::move(e));
  }
  if (r.left() != 0) return std::unexpected(bad("the index has bytes after its last entry"));
  if (at != plaintext_bytes) return std::unexpected(bad("the index does not cover the body"));
  return out;
}

SecureBytes encode_settings(const Settings& s) {
  Bytes b;  // everything but the passwords
  SecureBytes out;
  auto flush = [&] {
    out.insert(out.end(), b.begin(), b.end());
    b.clear();
  };
  put_u8(b, kSettingsType);
  put_u8(b, 0);
  put_str32(b, as_bytes(s.contacts_json));
  put_u16(b, static_cast<std::uint16_t>(s.issuers.size()));
  for (const auto& i : s.issuers) {
    put_str16(b, i.name);
    put_str32(b, as_bytes(i.issuer_json));
    put_u64(b, static_cast<std::uint64_t>(i.created));
    put_u64(b, static_cast<std::uint64_t>(i.updated));
    put_u32(b, static_cast<std::uint32_t>(i.password.size()));
    flush();
    out.insert(out.end(), i.password.begin(), i.password.end());
  }
  put_u16(b, static_cast<std::uint16_t>(s.policies.size()));
  for (const auto& p : s.policies) {
    put_str16(b, p.key);
    put_str32(b, as_bytes(p.policy_json));
    put_u64(b, static_cast<std::uint64_t>(p.created));
    put_u64(b, static_cast<std::uint64_t>(p.updated));
  }
  flush();
  SecureBytes framed;
  Bytes len;
  put_u32(len, static_cast<std::uint32_t>(out.size()));
  framed.reserve(4 + out.size());
  framed.insert(framed.end(), len.begin(), len.end());
  framed.insert(framed.end(), out.begin(), out.end());
  return framed;
}

Result<Settings> decode_settings(ByteView b) {
  Reader r(b);
  auto len = r.u32();
  if (!r.ok() || len != r.left()) return std::unexpected(bad("the settings record's length does not match its index entry"));
  if (r.u8() != kSettingsType || r.u8() != 0) return std::unexpected(bad("the settings record has the wrong type or flags"));
  auto json_text = [](ByteView v, bool array) {
    auto j = nlohmann::json::parse(v.begin(), v.end(), nullptr, false);
    return array ? j.is_array() : j.is_object();
  };
  Settings s;
  auto contacts = str32(r, 1u << 20);
  if (!r.ok()) return std::unexpected(bad("the settings record is cut short"));
  if (!contacts.empty() && !json_text(contacts, true))
    return std::unexpected(bad("the settings record's contacts are not a JSON array"));
  s.contacts_json.assign(contacts.begin(), contacts.end());
  std::set<std::string> seen;
  auto unique = [&](std::string kind, const std::string& name) {
    std::string k = kind + "/" + name;
    for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return seen.insert(std::move(k)).second;
  };
  auto n = r.u16();
  for (std::uint16_t i = 0; r.ok() && i < n; ++i) {
    IssuerEntry e;
    e.name = str16(r);
    auto doc = str32(r, 1u << 20);
    e.created = static_cast<std::int64_t>(r.u64());
    e.updated = static_cast<std::int64_t>(r.u64());
    auto pwd = str32(r, 1024);
    if (!r.ok()) break;
    if (!object_name(e.name) || !json_text(doc, false) || !unique("issuer", e.name))
      return std::unexpected(bad("the settings record's issuer " + std::to_string(i) + " is malformed or repeated"));
    e.issuer_json.assign(doc.begin(), doc.end());
    e.password.assign(pwd.begin(), pwd.end());
    s.issuers.push_back(std::move(e));
  }
  auto p = r.u16();
  for (std::uint16_t i = 0; r.ok() && i < p; ++i) {
    PolicyEntry e;
    e.key = str16(r);
    auto doc = str32(r, 1u << 20);
    e.created = static_cast<std::int64_t>(r.u64());
    e.updated = static_cast<std::int64_t>(r.u64());
    if (!r.ok()) break;
    if (!object_name(e.key) || !json_text(doc, false) || !unique("policy", e.key))
      return std::unexpected(bad("the settings record's rotation policy " + std::to_string(i) + " is malformed or repeated"));
    e.policy_json.assign(doc.begin(), doc.end());
    s.policies.push_back(std::move(e));
  }
  if (!r.ok()) return std::unexpected(bad("the settings record is cut short"));
  if (r.left() != 0) return std::unexpected(bad("the settings record has bytes after its last policy"));
  return s;
}

Bytes chunk_iv(ByteView base_nonce, std::uint64_t index) {
  Bytes iv(base_nonce.begin(), base_nonce.end());
  for (int k = 0; k < 8; ++k) iv[4 + k] ^= static_cast<std::uint8_t>(index >> (56 - 8 * k));
  return iv;
}
Bytes chunk_aad(ByteView bundle_id, std::uint64_t index, bool final) {
  Bytes a{'C', 'V', 'B', '1'};
  put_bytes(a, bundle_id);
  put_u64(a, index);
  put_u8(a, final ? 1 : 0);
  return a;
}
Bytes index_iv(ByteView base_nonce) {
  Bytes iv(base_nonce.begin(), base_nonce.end());
  iv[3] ^= 1;
  return iv;
}
Bytes index_aad(ByteView bundle_id) {
  Bytes a{'C', 'V', 'B', '1', '-', 'i', 'n', 'd', 'e', 'x'};
  put_bytes(a, bundle_id);
  return a;
}

Bytes merkle_root(const std::vector<std::array<std::uint8_t, 32>>& digests) {
  // RFC 9162 over the chunk digests as leaves (coldvault/merkle.hpp, shared with the audit log).
  merkle::Frontier f;
  for (const auto& d : digests) f.append(merkle::leaf_hash(ByteView(d.data(), d.size())));
  const merkle::Hash root = f.root();
  return Bytes(root.begin(), root.end());
}

}  // namespace cv::bundle::fmt
