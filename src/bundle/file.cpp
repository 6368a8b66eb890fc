// Reading a bundle, and the offline tools built on it: inspect and verify (no token, no PIN).
#include "bundle/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <optional>
#include <system_error>

#include "coldvault/base64.hpp"
#include "coldvault/bundle.hpp"
#include "coldvault/crypto.hpp"

namespace cv::bundle {
namespace {

using nlohmann::json;

Error bad(const std::string& why) { return Error{Errc::BadParameter, "malformed vault bundle: " + why, {}, {}, {}}; }

Bytes hex_bytes(const std::string& s) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}

// Members of untrusted JSON, never throwing: empty / nullopt / nullptr when absent or of another type.
std::string str_at(const json& j, const char* k) {
  if (!j.is_object()) return {};
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::optional<std::int64_t> int_at(const json& j, const char* k) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(k);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}
std::optional<bool> bool_at(const json& j, const char* k) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(k);
  if (it == j.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}
const json* obj_at(const json& j, const char* k) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(k);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

bool is_hex(const std::string& s, std::size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The member `k` of `j` as T, or a BadParameter naming it.
template <class T>
Result<T> member(const json& j, const char* where, const char* k) {
  auto it = j.find(k);
  bool ok = it != j.end();
  if (ok) {
    if constexpr (std::is_same_v<T, std::string>) ok = it->is_string();
    else if constexpr (std::is_same_v<T, bool>) ok = it->is_boolean();
    else ok = it->is_number_integer() && (std::is_signed_v<T> || it->template get<std::int64_t>() >= 0);
  }
  if (!ok) return std::unexpected(bad(std::string(where) + " has no valid \"" + k + "\""));
  return it->template get<T>();
}

}  // namespace

std::string describe(const BundleFile& f) {
  return "bundle " + f.bundle_id_hex.substr(0, 8) + " of vault " + f.vault;
}

BundleFile::BundleFile(BundleFile&& o) noexcept
    : footer(o.footer),
      header_bytes(std::move(o.header_bytes)),
      manifest_bytes(std::move(o.manifest_bytes)),
      header(std::move(o.header)),
      manifest(std::move(o.manifest)),
      jws_header(std::move(o.jws_header)),
      jws_protected_b64(std::move(o.jws_protected_b64)),
      signature(std::move(o.signature)),
      x5c(std::move(o.x5c)),
      bundle_id_hex(std::move(o.bundle_id_hex)),
      vault(std::move(o.vault)),
      domain(std::move(o.domain)),
      signer(std::move(o.signer)),
      bundle_id(std::move(o.bundle_id)),
      base_nonce(std::move(o.base_nonce)),
      created(o.created),
      retention_days(o.retention_days),
      purge_protection(o.purge_protection),
      chunk_size(o.chunk_size),
      chunk_count(o.chunk_count),
      plaintext_bytes(o.plaintext_bytes),
      final_chunk_bytes(o.final_chunk_bytes),
      index_entries(o.index_entries),
      path_(std::move(o.path_)),
      fd_(o.fd_),
      size_(o.size_),
      bytes_read_(o.bytes_read_.load()) {
  o.fd_ = -1;
}

BundleFile::~BundleFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Bytes> BundleFile::read(std::uint64_t off, std::size_t n) {
  if (off > size_ || n > size_ - off) return std::unexpected(bad("the file is truncated"));
  Bytes out(n);
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(off + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0)
      return fail(Errc::StorageFailure, "cannot read " + path_ + ": " + std::generic_category().message(errno));
    if (r == 0) return std::unexpected(bad("the file is truncated"));
    got += static_cast<std::size_t>(r);
  }
  bytes_read_ += n;
  return out;
}

Result<BundleFile> BundleFile::open(const std::string& path) {
  BundleFile f;
  f.path_ = path;
  f.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd_ < 0) {
    int err = errno;
    return fail(err == ENOENT ? Errc::NotFound : Errc::StorageFailure,
                "cannot read " + path + ": " + std::generic_category().message(err));
  }
  struct stat st{};
  if (::fstat(f.fd_, &st) != 0 || !S_ISREG(st.st_mode))
    return fail(Errc::BadParameter, "cannot read " + path + ": not a regular file");
  f.size_ = static_cast<std::uint64_t>(st.st_size);
  if (f.size_ < fmt::kPreambleBytes + fmt::kFooterBytes)
    return std::unexpected(bad("the file is too short to be a bundle (" + std::to_string(f.size_) + " bytes)"));

  auto pre = f.read(0, fmt::kPreambleBytes);
  if (!pre) return std::unexpected(pre.error());
  auto p = fmt::decode_preamble(*pre);
  if (!p) return std::unexpected(p.error());
  auto foot = f.read(f.size_ - fmt::kFooterBytes, fmt::kFooterBytes);
  if (!foot) return std::unexpected(foot.error());
  auto footer = fmt::decode_footer(*foot, f.size_);
  if (!footer) return std::unexpected(footer.error());
  f.footer = *footer;
  if (f.footer.body_off != fmt::kPreambleBytes + p->header_len)
    return std::unexpected(bad("the footer's body offset disagrees with the header length"));

  // Manifest and signature.
  auto m = f.read(f.footer.manifest_off, f.footer.manifest_len);
  if (!m) return std::unexpected(m.error());
  f.manifest_bytes = std::move(*m);
  f.manifest = json::parse(f.manifest_bytes.begin(), f.manifest_bytes.end(), nullptr, false);
  if (!f.manifest.is_object()) return std::unexpected(bad("the manifest is not a JSON object"));
  auto s = f.read(f.footer.manifest_off + f.footer.manifest_len, f.footer.signature_len);
  if (!s) return std::unexpected(s.error());
  std::string jws(s->begin(), s->end());
  auto dot = jws.find("..");
  if (dot == std::string::npos || jws.find('.', dot + 2) != std::string::npos)
    return std::unexpected(bad("the signature is not a detached compact JWS"));
  f.jws_protected_b64 = jws.substr(0, dot);
  auto ph = base64url_decode(f.jws_protected_b64);
  auto sig = base64url_decode(jws.substr(dot + 2));
  if (!ph || !sig) return std::unexpected(bad("the signature is not base64url"));
  f.signature = std::move(*sig);
  f.jws_header = json::parse(ph->begin(), ph->end(), nullptr, false);
  if (!f.jws_header.is_object() || str_at(f.jws_header, "alg") != "ES256" ||
      str_at(f.jws_header, "typ") != "coldvault-bundle+jws" || !f.jws_header.contains("x5c") ||
      !f.jws_header["x5c"].is_array() || f.jws_header["x5c"].empty())
    return std::unexpected(bad("the signature header is not an ES256 coldvault-bundle+jws with x5c"));
  for (const auto& c : f.jws_header["x5c"]) {
    if (!c.is_string()) return std::unexpected(bad("an x5c entry is not a string"));
    auto der = base64_decode(c.get<std::string>());
    if (!der) return std::unexpected(bad("an x5c entry is not base64"));
    f.x5c.push_back(std::move(*der));
  }
  if (str_at(f.jws_header, "x5t#S256") != base64url_encode(crypto::sha256(f.x5c[0])))
    return std::unexpected(bad("the signature header's x5t#S256 is not the digest of x5c[0]"));

  // Manifest fields.
  const json& mj = f.manifest;
  if (str_at(mj, "format") != "coldvault-bundle-manifest" || int_at(mj, "version") != 1)
    return std::unexpected(bad("the manifest is not a coldvault-bundle-manifest version 1"));
  auto id = member<std::string>(mj, "the manifest", "bundleId");
  auto vault = member<std::string>(mj, "the manifest", "vault");
  auto domain = member<std::string>(mj, "the manifest", "domain");
  auto signer = member<std::string>(mj, "the manifest", "signer");
  auto created = member<std::int64_t>(mj, "the manifest", "created");
  auto cs = member<std::uint64_t>(mj, "the manifest", "chunkSize");
  auto cc = member<std::uint64_t>(mj, "the manifest", "chunkCount");
  auto pt = member<std::uint64_t>(mj, "the manifest", "plaintextBytes");
  auto fin = member<std::uint64_t>(mj, "the manifest", "finalChunkBytes");
  auto ie = member<std::uint64_t>(mj, "the manifest", "indexEntries");
  for (const auto* r : {&id, &vault, &domain, &signer})
    if (!*r) return std::unexpected(r->error());
  for (const auto* r : {&cs, &cc, &pt, &fin, &ie})
    if (!*r) return std::unexpected(r->error());
  if (!created) return std::unexpected(created.error());
  for (const char* k : {"headerSha256", "chunkRoot", "indexSha256"})
    if (!is_hex(str_at(mj, k), 64)) return std::unexpected(bad(std::string("the manifest has no valid \"") + k + "\""));
  if (!is_hex(*id, 32)) return std::unexpected(bad("the manifest's bundleId is not 32 hex digits"));
  if (!is_hex(*signer, 64)) return std::unexpected(bad("the manifest's signer is not a SHA-256"));
  if (!mj.contains("counts") || !mj["counts"].is_object()) return std::unexpected(bad("the manifest has no counts"));
  f.bundle_id_hex = *id;
  f.bundle_id = hex_bytes(*id);
  f.vault = *vault;
  f.domain = *domain;
  f.signer = *signer;
  f.created = *created;
  f.chunk_size = *cs;
  f.chunk_count = *cc;
  f.plaintext_bytes = *pt;
  f.final_chunk_bytes = *fin;
  f.index_entries = *ie;
  if (f.chunk_size < 4096 || f.chunk_size > (1u << 20) || (f.chunk_size & (f.chunk_size - 1)) != 0)
    return std::unexpected(bad("chunk size " + std::to_string(f.chunk_size) + " is not a power of two in 4 KiB..1 MiB"));
  if (f.chunk_count == 0 || f.chunk_count >= (1ull << 32))
    return std::unexpected(bad("chunk count out of range"));
  if (f.final_chunk_bytes > f.chunk_size || (f.final_chunk_bytes == 0 && f.plaintext_bytes != 0) ||
      f.plaintext_bytes != (f.chunk_count - 1) * f.chunk_size + f.final_chunk_bytes)
    return std::unexpected(bad("the manifest's chunk count, plaintext length and final chunk length disagree"));
  std::uint64_t body_len = (f.chunk_count - 1) * (f.chunk_size + fmt::kTagBytes) + f.final_chunk_bytes + fmt::kTagBytes;
  if (f.footer.index_off - f.footer.body_off != body_len)
    return std::unexpected(bad("the body is " + std::to_string(f.footer.index_off - f.footer.body_off) +
                               " bytes where the manifest's " + std::to_string(f.chunk_count) + " chunks make " +
                               std::to_string(body_len) + " (chunks missing, duplicated or cut)"));
  if (f.footer.manifest_off - f.footer.digests_off != 32 * f.chunk_count)
    return std::unexpected(bad("the digest list does not have one digest per chunk"));

  // Header.
  auto h = f.read(fmt::kPreambleBytes, p->header_len);
  if (!h) return std::unexpected(h.error());
  f.header_bytes = std::move(*h);
  f.header = json::parse(f.header_bytes.begin(), f.header_bytes.end(), nullptr, false);
  const json& hj = f.header;
  if (!hj.is_object() || str_at(hj, "format") != "coldvault-bundle" || int_at(hj, "version") != 1)
    return std::unexpected(bad("the header is not a coldvault-bundle version 1"));
  const json* aead = obj_at(hj, "aead");
  if (!aead || str_at(*aead, "alg") != "A256GCM" || int_at(*aead, "tagBytes") != 16 ||
      int_at(*aead, "chunkSize") != static_cast<std::int64_t>(f.chunk_size))
    return std::unexpected(bad("the header's aead is not A256GCM with the manifest's chunk size"));
  auto nonce = base64url_decode(str_at(*aead, "baseNonce"));
  if (!nonce || nonce->size() != 12) return std::unexpected(bad("the header's base nonce is not 12 bytes"));
  f.base_nonce = std::move(*nonce);
  const json* keys = obj_at(hj, "keys");
  if (!keys || str_at(*keys, "alg") != "RSA-OAEP")
    return std::unexpected(bad("the header's keys are not RSA-OAEP"));
  for (const char* k : {"bundleKey", "gcmKey", "wrapKey"})
    if (str_at(*keys, k).empty()) return std::unexpected(bad(std::string("the header has no \"") + k + "\""));
  const json* hv = obj_at(hj, "vault");
  const json* hd = obj_at(hj, "domain");
  const json* hs = obj_at(hj, "signer");
  auto retention = hv ? int_at(*hv, "retentionDays") : std::nullopt;
  auto protection = hv ? bool_at(*hv, "purgeProtection") : std::nullopt;
  if (!hv || !hd || !hs || str_at(*hv, "url").empty() || !retention || !protection ||
      !is_hex(str_at(*hd, "spkiSha256"), 64) || str_at(*hs, "alg") != "ES256" || !obj_at(hj, "counts"))
    return std::unexpected(bad("the header lacks a vault, domain, signer or counts member"));
  f.retention_days = static_cast<int>(std::clamp<std::int64_t>(*retention, 0, 1000));
  f.purge_protection = *protection;
  // The header is authenticated by the manifest's digest; these say the same thing twice and must agree.
  if (str_at(hj, "bundleId") != f.bundle_id_hex || str_at(*hv, "name") != f.vault || str_at(*hd, "kid") != f.domain ||
      int_at(hj, "created") != f.created || hj["counts"] != mj["counts"] || str_at(*hs, "sha256") != f.signer)
    return std::unexpected(bad("the header and the manifest disagree (bundle id, vault, domain, time, counts or signer)"));
  return f;
}

Result<void> BundleFile::check_signature() const {
  std::string input = jws_protected_b64 + "." + base64url_encode(manifest_bytes);
  auto ok = crypto::verify_es256(x5c[0], as_bytes(input), signature);
  if (!ok) return fail(Errc::BadParameter, "vault bundle signature cannot be checked: " + ok.error().message);
  if (!*ok) return fail(Errc::BadParameter, "vault bundle signature does not verify: the manifest was altered");
  if (to_hex(crypto::sha256(x5c[0])) != signer)
    return fail(Errc::BadParameter, "vault bundle manifest names another signer than x5c");
  return {};
}

bool BundleFile::header_matches() const {
  return to_hex(crypto::sha256(header_bytes)) == str_at(manifest, "headerSha256");
}

Result<std::vector<Digest>> BundleFile::read_digests() {
  auto raw = read(footer.digests_off, 32 * chunk_count);
  if (!raw) return std::unexpected(raw.error());
  std::vector<Digest> d(chunk_count);
  for (std::uint64_t i = 0; i < chunk_count; ++i) std::memcpy(d[i].data(), raw->data() + 32 * i, 32);
  if (to_hex(fmt::merkle_root(d)) != str_at(manifest, "chunkRoot"))
    return fail(Errc::BadParameter, "vault bundle chunk digests do not match the signed chunk root: the digest list was altered");
  return d;
}

Result<Bytes> BundleFile::read_index() {
  auto ix = read(footer.index_off, footer.index_len);
  if (!ix) return std::unexpected(ix.error());
  if (to_hex(crypto::sha256(*ix)) != str_at(manifest, "indexSha256"))
    return fail(Errc::BadParameter, "vault bundle index does not match its signed digest: the index was altered");
  return ix;
}

Result<Bytes> BundleFile::read_chunk(std::uint64_t i, const std::vector<Digest>& digests) {
  auto c = read(chunk_offset(i), chunk_plain_len(i) + fmt::kTagBytes);
  if (!c) return std::unexpected(c.error());
  auto d = crypto::sha256(*c);
  if (std::memcmp(d.data(), digests[i].data(), 32) != 0)
    return fail(Errc::BadParameter, "vault bundle chunk " + std::to_string(i) + " of " + std::to_string(chunk_count) +
                                        " does not match its digest: the body was altered, reordered or replaced");
  return c;
}

Result<nlohmann::json> inspect(const std::string& file) {
  auto f = BundleFile::open(file);
  if (!f) return std::unexpected(f.error());
  json h = f->header;
  h.erase("keys");  // wrapped keys: opaque to a reader, noise in a report
  return json{{"file", file},
               {"bytes", f->size()},
               {"format", "coldvault-bundle"},
               {"version", 1},
               {"bundleId", f->bundle_id_hex},
               {"vault", f->header["vault"]},
               {"domain", f->header["domain"]},
               {"created", f->created},
               {"counts", f->manifest["counts"]},
               {"chunks", {{"size", f->chunk_size}, {"count", f->chunk_count}, {"plaintextBytes", f->plaintext_bytes}}},
               {"indexEntries", f->index_entries},
               {"signer", {{"sha256", f->signer}, {"alg", "ES256"}}},
               {"manifestSha256", to_hex(crypto::sha256(f->manifest_bytes))}};
}

Result<Verdict> verify(const std::string& file, std::string_view trust_pem) {
  auto f = BundleFile::open(file);
  if (!f) return std::unexpected(f.error());
  Verdict v;
  json& r = v.report;
  r["file"] = file;
  r["bundleId"] = f->bundle_id_hex;
  r["vault"] = f->vault;
  r["domain"] = f->domain;
  r["created"] = f->created;
  r["counts"] = f->manifest["counts"];
  r["manifestSha256"] = to_hex(crypto::sha256(f->manifest_bytes));
  auto sig = f->check_signature();
  r["signature"] = {{"ok", sig.has_value()}, {"alg", "ES256"}};
  if (!sig) r["signature"]["error"] = sig.error().message;
  auto c = crypto::verify_chain(f->x5c, trust_pem);
  if (!c) return std::unexpected(c.error());
  r["chain"] = {{"ok", c->chain_ok}, {"subject", c->subject}, {"sha256", c->sha256_fingerprint}};
  if (!c->chain_ok) r["chain"]["error"] = "signer is not trusted by the given certificate: " + c->error;
  bool header_ok = f->header_matches();
  r["header"] = {{"ok", header_ok}};
  bool index_ok = false, chunks_ok = false, root_ok = false;
  auto index = f->read_index();
  index_ok = index.has_value();
  r["index"] = {{"ok", index_ok}};
  if (!index) r["index"]["error"] = index.error().message;
  auto digests = f->read_digests();
  root_ok = digests.has_value();
  r["chunkRoot"] = {{"ok", root_ok}};
  if (!digests) r["chunkRoot"]["error"] = digests.error().message;
  std::uint64_t good = 0;
  if (digests) {
    chunks_ok = true;
    for (std::uint64_t i = 0; i < f->chunk_count; ++i) {
      auto ch = f->read_chunk(i, *digests);
      if (!ch) {
        if (ch.error().code != Errc::BadParameter) return std::unexpected(ch.error());
        chunks_ok = false;
        r["chunks"] = {{"ok", false}, {"count", f->chunk_count}, {"firstBad", i}, {"error", ch.error().message}};
        break;
      }
      ++good;
    }
    if (chunks_ok) r["chunks"] = {{"ok", true}, {"count", f->chunk_count}};
  } else {
    r["chunks"] = {{"ok", false}, {"count", f->chunk_count}, {"error", "not checked: the digest list is not the signed one"}};
  }
  r["bytesRead"] = f->bytes_read();
  v.ok = sig && c->chain_ok && header_ok && index_ok && root_ok && chunks_ok;
  r["verdict"] = v.ok ? "valid" : "invalid";
  return v;
}

}  // namespace cv::bundle
