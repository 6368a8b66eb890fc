// Test tool: forges coldvault secret backup blobs the way an attacker could, from public data only: the
// domain public key (`coldvault domain show -o pem`) and a certificate the attacker made. The trust tests
// (tests/e2e/trust_cli.sh, tests/sdk/trust.test.mjs) prove that restore refuses what this makes.
//
//   forge_blob secret --domain-pub PEM --kid KID --name NAME --value VALUE --key KEY --cert CERT
//                     [--chain CA.pem] [--manifest-signer HEX] --out FILE
//     a complete blob in the documented v1 format: JWE to the domain key, JWS by KEY/CERT (x5c = CERT
//     then --chain); --manifest-signer puts another signer fingerprint into the manifest.
//   forge_blob resign --blob GENUINE --key KEY --cert CERT --out FILE
//     keeps a genuine blob's JWE and replaces its JWS (header and signature) with one by KEY/CERT.
//   forge_blob resign-bundle --bundle GENUINE.cvb --key KEY --cert CERT --out FILE
//     keeps a genuine vault bundle's body, index and digests and makes it the attacker's: the header's and
//     manifest's signer become CERT's fingerprint, the manifest's header digest follows, and the detached JWS
//     is made by KEY with x5c = CERT (docs/bundle-format.md). Internally consistent; only trust refuses it.
//
// Exit 0 with the blob written (raw envelope bytes), 2 on a usage or input error.
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "coldvault/base64.hpp"
#include "coldvault/bytes.hpp"

namespace {

using cv::Bytes;

[[noreturn]] void die(const std::string& why) {
  std::cerr << "forge_blob: " << why << "\n";
  std::exit(2);
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) die("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Bytes sha256(const void* p, std::size_t n) {
  Bytes out(32);
  unsigned len = 0;
  EVP_Digest(p, n, out.data(), &len, EVP_sha256(), nullptr);
  return out;
}
Bytes sha256(const std::string& s) { return sha256(s.data(), s.size()); }
Bytes sha256(const Bytes& b) { return sha256(b.data(), b.size()); }

std::string hex(const Bytes& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto c : b) s += d[c >> 4], s += d[c & 15];
  return s;
}

std::string b64u(const std::string& s) { return cv::base64url_encode(cv::as_bytes(s)); }
std::string b64u(const Bytes& b) { return cv::base64url_encode(b); }

std::vector<Bytes> certs_der(const std::string& path) {
  std::string pem = slurp(path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::vector<Bytes> out;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    int n = i2d_X509(x, nullptr);
    Bytes der(static_cast<std::size_t>(n));
    unsigned char* p = der.data();
    i2d_X509(x, &p);
    out.push_back(std::move(der));
    X509_free(x);
  }
  BIO_free(bio);
  if (out.empty()) die(path + " holds no certificate");
  return out;
}

EVP_PKEY* read_key(const std::string& path, bool pub) {
  std::string pem = slurp(path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = pub ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr)
                    : PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!k) die("cannot parse key " + path);
  return k;
}

// ES256 over SHA-256(input), JOSE r||s.
Bytes es256(EVP_PKEY* key, const std::string& input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    die("signing failed (is the key P-256?)");
  Bytes der(len);
  EVP_DigestSign(ctx, der.data(), &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  Bytes raw(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw.data() + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

// The JWS around `jwe`, signed by key with x5c = chain.
std::string sign_jwe(const std::string& jwe, EVP_PKEY* key, const std::vector<Bytes>& chain) {
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& c : chain) x5c.push_back(cv::base64_encode(c));
  nlohmann::json h = {{"alg", "ES256"},
                      {"typ", "coldvault-backup+jose"},
                      {"cty", "JWE"},
                      {"x5c", x5c},
                      {"x5t#S256", b64u(sha256(chain[0]))},
                      {"cv.jwe.sha256", hex(sha256(jwe))}};
  std::string input = b64u(h.dump()) + "." + b64u(jwe);
  return input + "." + b64u(es256(key, input));
}

void write_envelope(const std::string& path, const std::string& prefix, const std::string& body) {
  std::string out;
  out.push_back(static_cast<char>(prefix.size()));
  out += prefix + body;
  std::ofstream f(path, std::ios::binary);
  f << out;
  if (!f) die("cannot write " + path);
}

std::map<std::string, std::string> parse_args(int argc, char** argv) {
  std::map<std::string, std::string> a;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (!k.starts_with("--")) die("unexpected argument " + k);
    a[k.substr(2)] = argv[i + 1];
  }
  return a;
}

std::string need(const std::map<std::string, std::string>& a, const std::string& k) {
  auto it = a.find(k);
  if (it == a.end()) die("--" + k + " is required");
  return it->second;
}

int forge_secret(const std::map<std::string, std::string>& a) {
  EVP_PKEY* domain = read_key(need(a, "domain-pub"), true);
  EVP_PKEY* key = read_key(need(a, "key"), false);
  auto chain = certs_der(need(a, "cert"));
  if (a.count("chain"))
    for (auto& c : certs_der(a.at("chain"))) chain.push_back(std::move(c));
  const std::string kid = need(a, "kid"), name = need(a, "name"), value = need(a, "value");

  Bytes vb(16);
  RAND_bytes(vb.data(), 16);
  const std::string version = hex(vb);
  const std::int64_t now = std::time(nullptr);
  nlohmann::json payload = {
      {"format", 1}, {"type", "secret"}, {"name", name}, {"current", version},
      {"versions",
       {{{"version", version},
         {"tags", {{"origin", "forged"}}},
         {"attributes", {{"enabled", true}, {"created", now}, {"updated", now}}},
         {"value", value}}}}};
  const std::string plain = payload.dump();
  const std::string signer = a.count("manifest-signer") ? a.at("manifest-signer") : hex(sha256(chain[0]));
  nlohmann::json manifest = {{"format", 1},          {"type", "secret"},
                             {"name", name},         {"versions", {version}},
                             {"current", version},   {"vault", a.count("vault") ? a.at("vault") : "main"},
                             {"vaultUrl", "https://main.vault.localhost"}, {"domain", kid},
                             {"created", now},       {"signer", signer},
                             {"payloadSha256", hex(sha256(plain))}};
  nlohmann::json jwe_header = {{"alg", "RSA-OAEP"},
                               {"enc", "A256GCM"},
                               {"kid", kid},
                               {"cty", "application/vnd.coldvault.backup.v1+json"},
                               {"cv.manifest", manifest}};
  const std::string header_b64 = b64u(jwe_header.dump());

  // RSA-OAEP (SHA-1) of a fresh CEK to the public domain key.
  Bytes cek(32), iv(12);
  RAND_bytes(cek.data(), 32);
  RAND_bytes(iv.data(), 12);
  EVP_PKEY_CTX* pc = EVP_PKEY_CTX_new(domain, nullptr);
  std::size_t ek_len = 0;
  if (EVP_PKEY_encrypt_init(pc) != 1 || EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_encrypt(pc, nullptr, &ek_len, cek.data(), cek.size()) != 1)
    die("RSA-OAEP to the domain key failed");
  Bytes ek(ek_len);
  EVP_PKEY_encrypt(pc, ek.data(), &ek_len, cek.data(), cek.size());
  ek.resize(ek_len);
  EVP_PKEY_CTX_free(pc);

  // A256GCM, AAD = ASCII(B64U(header)).
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  int len = 0;
  Bytes ct(plain.size()), tag(16);
  EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nullptr, cek.data(), iv.data());
  EVP_EncryptUpdate(c, nullptr, &len, reinterpret_cast<const unsigned char*>(header_b64.data()),
                    static_cast<int>(header_b64.size()));
  EVP_EncryptUpdate(c, ct.data(), &len, reinterpret_cast<const unsigned char*>(plain.data()),
                    static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(c, ct.data() + len, &len);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag.data());
  EVP_CIPHER_CTX_free(c);

  const std::string jwe = header_b64 + "." + b64u(ek) + "." + b64u(iv) + "." + b64u(ct) + "." + b64u(tag);
  write_envelope(need(a, "out"), "ColdVaultSecretBackupV1." + kid, sign_jwe(jwe, key, chain));
  EVP_PKEY_free(domain);
  EVP_PKEY_free(key);
  return 0;
}

int resign(const std::map<std::string, std::string>& a) {
  std::string blob = slurp(need(a, "blob"));
  if (blob.empty()) die("empty blob");
  std::size_t l = static_cast<unsigned char>(blob[0]);
  if (blob.size() < 1 + l) die("not a raw blob envelope");
  const std::string prefix = blob.substr(1, l), body = blob.substr(1 + l);
  auto d1 = body.find('.'), d2 = body.find('.', d1 + 1);
  if (d1 == std::string::npos || d2 == std::string::npos) die("not a coldvault blob body");
  auto jwe = cv::base64url_decode(body.substr(d1 + 1, d2 - d1 - 1));
  if (!jwe) die("JWE part is not base64url");
  EVP_PKEY* key = read_key(need(a, "key"), false);
  write_envelope(need(a, "out"), prefix,
                 sign_jwe(std::string(jwe->begin(), jwe->end()), key, certs_der(need(a, "cert"))));
  EVP_PKEY_free(key);
  return 0;
}

std::uint64_t be(const std::string& s, std::size_t off, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(s[off + i]);
  return v;
}
void put_be(std::string& s, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
}

int resign_bundle(const std::map<std::string, std::string>& a) {
  std::string f = slurp(need(a, "bundle"));
  if (f.size() < 72 || f.compare(f.size() - 8, 8, std::string("CVB1END\0", 8)) != 0) die("not a vault bundle");
  const std::size_t foot = f.size() - 56;
  std::uint64_t body_off = be(f, foot, 8), manifest_off = be(f, foot + 32, 8);
  std::uint64_t manifest_len = be(f, foot + 40, 4);
  auto header = nlohmann::json::parse(f.substr(16, body_off - 16));
  auto manifest = nlohmann::json::parse(f.substr(manifest_off, manifest_len));
  auto chain = certs_der(need(a, "cert"));
  std::string signer = hex(sha256(chain[0]));
  header["signer"]["sha256"] = signer;
  std::string h = header.dump();
  manifest["signer"] = signer;
  manifest["headerSha256"] = hex(sha256(h));
  std::string m = manifest.dump();
  nlohmann::json x5c = nlohmann::json::array();
  for (const auto& c : chain) x5c.push_back(cv::base64_encode(c));
  nlohmann::json ph = {{"alg", "ES256"}, {"typ", "coldvault-bundle+jws"}, {"x5c", x5c}, {"x5t#S256", b64u(sha256(chain[0]))}};
  std::string protected_b64 = b64u(ph.dump());
  EVP_PKEY* key = read_key(need(a, "key"), false);
  std::string jws = protected_b64 + ".." + b64u(es256(key, protected_b64 + "." + b64u(m)));
  EVP_PKEY_free(key);
  // Everything between the header and the manifest moves by the header's change in length.
  std::int64_t delta = static_cast<std::int64_t>(h.size()) - static_cast<std::int64_t>(body_off - 16);
  std::string out = f.substr(0, 12);
  put_be(out, h.size(), 4);
  out += h;
  out += f.substr(body_off, manifest_off - body_off);
  out += m;
  out += jws;
  put_be(out, body_off + delta, 8);
  put_be(out, be(f, foot + 8, 8) + delta, 8);
  put_be(out, be(f, foot + 16, 8), 8);
  put_be(out, be(f, foot + 24, 8) + delta, 8);
  put_be(out, manifest_off + delta, 8);
  put_be(out, m.size(), 4);
  put_be(out, jws.size(), 4);
  out += std::string("CVB1END\0", 8);
  std::ofstream(need(a, "out"), std::ios::binary) << out;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: forge_blob secret|resign --flag value ...");
  std::string verb = argv[1];
  auto a = parse_args(argc, argv);
  if (verb == "secret") return forge_secret(a);
  if (verb == "resign") return resign(a);
  if (verb == "resign-bundle") return resign_bundle(a);
  die("unknown verb " + verb);
}
