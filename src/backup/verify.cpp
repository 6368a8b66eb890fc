// Offline blob verification (docs/blob-format.md §6): who made a blob and that nothing in it changed. One
// function, verify_blob, judges a blob; verify() (one file) and verify_many() (`blob verify FILE...`, many
// files on every core) differ only in how the signer's certificate chain is judged: asked of OpenSSL for
// the one file, once per distinct chain for many. No token, PIN, home or network.
#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "backup/seal.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"

namespace cv::backup {
namespace {

using ChainJudge = std::function<Result<crypto::ChainVerdict>(const std::vector<Bytes>& chain_der)>;

// A header field that should be a string; anything else reads as "" (and then fails its check) instead of
// throwing from inside a verifier that runs on worker threads.
std::string string_field(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Signature, digest, signer/manifest agreement and chain: every check is made and reported, `ok` only when
// all hold. Errors: what parse_blob/manifest_of refuse, and what the judge refuses (an unparsable chain).
Result<Verdict> verify_blob(ByteView blob, const ChainJudge& judge) {
  auto e = parse_blob(blob);
  if (!e) return std::unexpected(e.error());
  if (e->format == BlobFormat::AzureKeyVault)
    return fail(Errc::BadParameter, "an Azure Key Vault blob carries no signature coldvault can verify");
  auto m = manifest_of(*e);
  if (!m) return std::unexpected(m.error());
  Verdict v;
  auto& r = v.report;
  r["sha256"] = blob_sha256(blob);
  r["manifest"] = e->jwe_header["cv.manifest"];
  auto chain = x5c_chain(*e);
  bool sig_ok = false, digest_ok = false, signer_ok = false;
  std::string sig_error;
  if (!chain.empty()) {
    std::string input = e->jws_header_b64 + "." + base64url_encode(as_bytes(e->jwe));
    auto s = crypto::verify_es256(chain[0], as_bytes(input), e->signature);
    sig_ok = s && *s;
    if (!s) sig_error = s.error().message;
    signer_ok = to_hex(crypto::sha256(chain[0])) == m->signer;
  }
  const std::string jwe_sha = string_field(e->jws_header, "cv.jwe.sha256");
  digest_ok = jwe_sha == to_hex(crypto::sha256(as_bytes(e->jwe)));
  r["signature"] = {{"ok", sig_ok}, {"alg", "ES256"}};
  if (!sig_error.empty()) r["signature"]["error"] = sig_error;
  r["digest"] = {{"ok", digest_ok}, {"jweSha256", jwe_sha}};
  r["signerMatchesManifest"] = signer_ok;
  bool chain_ok = false;
  if (!chain.empty()) {
    auto c = judge(chain);
    if (!c) return std::unexpected(c.error());
    chain_ok = c->chain_ok;
    r["chain"] = {{"ok", c->chain_ok}, {"subject", c->subject}, {"issuer", c->issuer}, {"sha256", c->sha256_fingerprint}};
    if (!c->chain_ok) r["chain"]["error"] = "signer is not trusted by the given anchor: " + c->error;
  }
  v.ok = sig_ok && digest_ok && signer_ok && chain_ok;
  r["verdict"] = v.ok ? "valid" : "invalid";
  return v;
}

// The chains met by one verify_many call, keyed by SHA-256 of the chain's DER (each certificate with its
// length in front, so two chains never share a key). An entry depends only on those bytes, the anchor and
// the clock; the cache lives for one call (one anchor, a few seconds), so nothing can make it stale.
// The judging happens under the lock, so a chain is verified exactly once even when every thread meets it
// at the same moment; distinct chains are few (one per signing vault).
class ChainCache {
 public:
  explicit ChainCache(std::string_view trust_pem) : trust_(trust_pem) {}
  Result<crypto::ChainVerdict> judge(const std::vector<Bytes>& chain_der) {
    std::lock_guard lock(mu_);
    auto [it, fresh] = seen_.try_emplace(key_of(chain_der), crypto::ChainVerdict{});
    if (fresh) it->second = crypto::verify_chain(chain_der, trust_);
    return it->second;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return seen_.size();
  }

 private:
  static std::string key_of(const std::vector<Bytes>& chain_der) {
    Bytes all;
    for (const auto& der : chain_der) {
      const auto n = static_cast<std::uint32_t>(der.size());
      for (int shift = 24; shift >= 0; shift -= 8) all.push_back(static_cast<std::uint8_t>(n >> shift));
      all.insert(all.end(), der.begin(), der.end());
    }
    return to_hex(crypto::sha256(all));
  }
  std::string_view trust_;
  std::mutex mu_;
  std::map<std::string, Result<crypto::ChainVerdict>> seen_;
};

nlohmann::json refused_report(const Error& err) {
  return {{"verdict", "invalid"}, {"error", {{"code", kv_error_code(err)}, {"message", err.message}}}};
}

}  // namespace

Result<Verdict> verify(ByteView blob, std::string_view trust_pem) {
  return verify_blob(blob, [trust_pem](const std::vector<Bytes>& chain_der) {
    return crypto::verify_chain(chain_der, trust_pem);
  });
}

Result<Verdict> verify_many(const std::vector<BlobInput>& inputs, std::string_view trust_pem, unsigned threads) {
  // A bad anchor would fail every blob alike: refuse the call instead.
  if (auto anchor = crypto::certificate_der_from_pem(trust_pem); !anchor)
    return fail(Errc::BadParameter, "--trust: " + anchor.error().message);
  ChainCache chains(trust_pem);
  const ChainJudge judge = [&chains](const std::vector<Bytes>& chain_der) { return chains.judge(chain_der); };
  std::vector<nlohmann::json> results(inputs.size());
  std::vector<char> valid(inputs.size(), 0);
  auto run = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      auto blob = read_blob_input(inputs[i].content);
      auto v = blob ? verify_blob(*blob, judge) : Result<Verdict>(std::unexpected(blob.error()));
      valid[i] = v && v->ok;
      results[i] = {{"file", inputs[i].file}, {"ok", v && v->ok}, {"report", v ? std::move(v->report) : refused_report(v.error())}};
    }
  };
  std::size_t n = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  n = std::clamp<std::size_t>(n, 1, std::max<std::size_t>(inputs.size(), 1));
  // One contiguous chunk per thread; the calling thread takes the first. An exception (a bug, bad_alloc)
  // is carried to the caller rather than ending the process from a worker.
  const std::size_t per = (inputs.size() + n - 1) / n;
  std::vector<std::exception_ptr> thrown(n);
  std::vector<std::thread> workers;
  auto chunk = [&](std::size_t t) {
    try {
      run(std::min(inputs.size(), t * per), std::min(inputs.size(), (t + 1) * per));
    } catch (...) {
      thrown[t] = std::current_exception();
    }
  };
  for (std::size_t t = 1; t < n; ++t) workers.emplace_back(chunk, t);
  chunk(0);
  for (auto& w : workers) w.join();
  for (auto& e : thrown)
    if (e) std::rethrow_exception(e);

  Verdict out;
  const auto k = static_cast<std::size_t>(std::count(valid.begin(), valid.end(), 1));
  out.ok = k == inputs.size();
  out.report = {{"verdict", out.ok ? "valid" : "invalid"},
                {"blobs", inputs.size()},
                {"valid", k},
                {"invalid", inputs.size() - k},
                {"chains", chains.size()},
                {"results", std::move(results)}};
  return out;
}

}  // namespace cv::backup
