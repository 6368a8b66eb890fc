#include "backup/seal.hpp"

#include <map>
#include <mutex>

#include "backup/jose.hpp"
#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/trust.hpp"

namespace cv::backup {
namespace {

const char* type_word(const std::string& t) {
  return t == "secret" ? "Secret" : t == "key" ? "Key" : "Certificate";
}

hsm::KeyUsage cek_usage(bool extractable) {
  hsm::KeyUsage u;
  u.encrypt = u.decrypt = u.wrap = u.unwrap = true;
  u.extractable = extractable;  // only a new CEK must leave the token, wrapped to the domain key
  return u;
}

nlohmann::json manifest_json(const Manifest& m) {
  return {{"format", 1},         {"type", m.type},        {"name", m.name},
          {"versions", m.versions}, {"current", m.current}, {"vault", m.vault},
          {"vaultUrl", m.vault_url}, {"domain", m.domain},  {"created", m.created},
          {"signer", m.signer},   {"payloadSha256", m.payload_sha256}};
}

// The signer certificate as a blob carries it: DER and its SHA-256.
struct SignerCert {
  Bytes der;
  Bytes sha256;
};

// Every blob of a vault embeds the same signing certificate, held in the vault row as PEM; decoding and
// parsing it cost as much as the token's signature. Kept by the PEM text itself, so an entry is a pure
// function of its key and never stale (a vault whose certificate changes has another PEM). Bounded (cleared
// when full); behind a mutex, since the server's workers seal blobs in parallel.
Result<SignerCert> signer_cert(const std::string& pem) {
  static std::mutex mu;
  static std::map<std::string, SignerCert, std::less<>> known;
  {
    std::lock_guard lock(mu);
    if (auto it = known.find(pem); it != known.end()) return it->second;
  }
  auto der = crypto::certificate_der_from_pem(pem);
  if (!der) return std::unexpected(der.error());
  SignerCert c{*der, crypto::sha256(*der)};
  std::lock_guard lock(mu);
  if (known.size() >= 256) known.clear();
  known.emplace(pem, c);
  return c;
}

}  // namespace

Result<Sealer> Sealer::begin(vault::Service& svc, const vault::VaultKeys& vk) {
  auto cek = svc.token().generate_secret_key(hsm::KeyType::Aes, 256, cek_usage(true));
  if (!cek) return std::unexpected(cek.error());
  return Sealer(svc, vk, *cek);
}

Sealer::~Sealer() {
  if (cek_) (void)svc_->token().destroy(cek_);
}

Result<Bytes> Sealer::finish(Manifest m, const SecureString& payload) {
  auto& token = svc_->token();
  auto domain = svc_->domain_key(vk_->row.domain_kid);
  if (!domain) return std::unexpected(domain.error());
  auto cert = signer_cert(vk_->row.signer_cert_pem);
  if (!cert) return std::unexpected(cert.error());

  ByteView plain(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
  m.domain = vk_->row.domain_kid;
  m.created = vault::Service::now();
  m.signer = to_hex(cert->sha256);
  m.payload_sha256 = to_hex(crypto::sha256(plain));
  nlohmann::json jwe_header = {{"alg", "RSA-OAEP"},
                               {"enc", "A256GCM"},
                               {"kid", m.domain},
                               {"cty", "application/vnd.coldvault.backup.v1+json"},
                               {"cv.manifest", manifest_json(m)}};
  std::string header_b64 = encode_json_part(jwe_header);

  auto wrapped_cek = token.wrap(hsm::Mech::RsaOaepSha1, domain->pub, cek_);
  if (!wrapped_cek) return std::unexpected(wrapped_cek.error());
  auto iv = token.random(12);
  if (!iv) return std::unexpected(iv.error());
  auto sealed = token.gcm_encrypt(cek_, *iv, as_bytes(header_b64), plain);
  if (!sealed) return std::unexpected(sealed.error());
  ByteView ct(sealed->data(), sealed->size() - 16), tag(sealed->data() + sealed->size() - 16, 16);
  std::string jwe = header_b64 + "." + base64url_encode(*wrapped_cek) + "." + base64url_encode(*iv) + "." +
                    base64url_encode(ct) + "." + base64url_encode(tag);

  nlohmann::json jws_header = {{"alg", "ES256"},
                               {"typ", "coldvault-backup+jose"},
                               {"cty", "JWE"},
                               {"x5c", {base64_encode(cert->der)}},
                               {"x5t#S256", base64url_encode(cert->sha256)},
                               {"cv.jwe.sha256", to_hex(crypto::sha256(as_bytes(jwe)))}};
  std::string signing_input = encode_json_part(jws_header) + "." + base64url_encode(as_bytes(jwe));
  auto sig = token.sign(hsm::Mech::Ecdsa, vk_->signer.priv, crypto::sha256(as_bytes(signing_input)));
  if (!sig) return std::unexpected(sig.error());

  std::string prefix = std::string("ColdVault") + type_word(m.type) + "BackupV1." + m.domain;
  Bytes out;
  out.reserve(1 + prefix.size() + signing_input.size() + 90);
  out.push_back(static_cast<std::uint8_t>(prefix.size()));
  out.insert(out.end(), prefix.begin(), prefix.end());
  out.insert(out.end(), signing_input.begin(), signing_input.end());
  out.push_back('.');
  std::string sig_b64 = base64url_encode(*sig);
  out.insert(out.end(), sig_b64.begin(), sig_b64.end());
  return out;
}

std::vector<Bytes> x5c_chain(const Envelope& e) {
  std::vector<Bytes> chain;
  for (const auto& c : e.jws_header["x5c"])
    if (c.is_string())
      if (auto der = base64_decode(c.get<std::string>())) chain.push_back(std::move(*der));
  return chain;
}

Result<Bytes> check_signature(const Envelope& e) {
  const auto& x5c = e.jws_header["x5c"];
  if (!x5c[0].is_string()) return fail(Errc::BadParameter, "malformed backup blob: x5c[0] is not a string");
  auto cert = base64_decode(x5c[0].get<std::string>());
  if (!cert) return fail(Errc::BadParameter, "malformed backup blob: x5c[0] is not base64");
  std::string signing_input = e.jws_header_b64 + "." + base64url_encode(as_bytes(e.jwe));
  auto ok = crypto::verify_es256(*cert, as_bytes(signing_input), e.signature);
  if (!ok) return fail(Errc::BadParameter, "backup blob signature cannot be checked: " + ok.error().message);
  if (!*ok)
    return fail(Errc::BadParameter, "backup blob signature does not verify: the blob was altered");
  if (e.jws_header.value("cv.jwe.sha256", "") != to_hex(crypto::sha256(as_bytes(e.jwe))))
    return fail(Errc::BadParameter, "backup blob digest does not match its content");
  return std::move(*cert);
}

Opened::Opened(Opened&& o) noexcept
    : envelope(std::move(o.envelope)),
      manifest(std::move(o.manifest)),
      signer_fingerprint(std::move(o.signer_fingerprint)),
      payload(std::move(o.payload)),
      svc_(o.svc_),
      cek_(o.cek_) {
  o.cek_ = {};
}

Opened::~Opened() {
  if (cek_ && svc_) (void)svc_->token().destroy(cek_);
}

Result<Opened> Opened::open(vault::Service& svc, ByteView blob, const std::string& expected_type) {
  auto env = parse_blob(blob);
  if (!env) return std::unexpected(env.error());
  if (env->format == BlobFormat::AzureKeyVault)
    return fail(Errc::BadParameter,
                "cannot decrypt backup blob: it is an Azure Key Vault blob, bound to Microsoft's HSMs");
  if (env->type != expected_type)
    return fail(Errc::BadParameter, "this is a " + env->type + " backup blob, not a " + expected_type + " one");
  auto manifest = manifest_of(*env);
  if (!manifest) return std::unexpected(manifest.error());
  auto cert = check_signature(*env);
  if (!cert) return std::unexpected(cert.error());
  if (to_hex(crypto::sha256(*cert)) != manifest->signer)
    return fail(Errc::BadParameter, "backup blob manifest names another signer than x5c");

  if (env->kid != svc.domain_kid())
    return fail(Errc::BadParameter,
                "cannot decrypt backup blob: security domain " + env->kid + " is not present in this token");
  auto domain = svc.domain_key(env->kid);
  if (!domain) {
    if (domain.error().code == Errc::NotFound)
      return fail(Errc::BadParameter,
                  "cannot decrypt backup blob: security domain " + env->kid + " is not present in this token");
    return std::unexpected(domain.error());
  }
  // Provenance before the token decrypts anything: the domain public key is public, so only the domain's
  // signer registry says whose blobs this home restores.
  auto anchor = vault::trusted_anchor(svc, x5c_chain(*env));
  if (!anchor) return std::unexpected(anchor.error());
  Opened o;
  o.svc_ = &svc;
  auto& token = svc.token();
  auto cek = token.unwrap(hsm::Mech::RsaOaepSha1, domain->priv, env->encrypted_cek, hsm::KeyType::Aes,
                          cek_usage(false));
  if (!cek && !hsm::input_rejected(cek.error())) return std::unexpected(cek.error());  // the token failed
  if (!cek) return fail(Errc::BadParameter, "cannot decrypt backup blob: the content key does not unwrap");
  o.cek_ = *cek;
  Bytes sealed = env->ciphertext;
  sealed.insert(sealed.end(), env->tag.begin(), env->tag.end());
  auto plain = token.gcm_decrypt(o.cek_, env->iv, as_bytes(env->jwe_header_b64), sealed);
  // Only a tag that does not authenticate (Corruption from the token adapter) is the blob's fault; a token that
  // failed (C_DecryptInit refused, the device gone) keeps its own HSM error and exit code.
  if (!plain && plain.error().code != Errc::Corruption) return std::unexpected(plain.error());
  if (!plain) return fail(Errc::BadParameter, "cannot decrypt backup blob: authentication failed");
  if (to_hex(crypto::sha256(*plain)) != manifest->payload_sha256)
    return fail(Errc::BadParameter, "backup blob payload does not match its manifest digest");
  o.payload.assign(plain->begin(), plain->end());
  o.signer_fingerprint = manifest->signer;
  o.anchor = anchor->sha256;
  o.envelope = std::move(*env);
  o.manifest = std::move(*manifest);
  return o;
}

}  // namespace cv::backup
