// Custodians of a security domain: enrollment on the custodian's own token, reading their certificates,
// and the domain's custodian registry (rows authenticated by the home's integrity key).
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "coldvault/crypto.hpp"
#include "coldvault/domain_rows.hpp"
#include "coldvault/domain_transfer.hpp"
#include "coldvault/x509.hpp"
#include "vault/home.hpp"
#include "vault/integrity.hpp"
#include "vault/transfer_detail.hpp"

namespace cv::vault {

namespace {

std::string binding(const store::CustodianRow& r) {
  return nlohmann::json{"coldvault-custodian-v1", r.domain_kid, r.sha256, r.name, r.added}.dump();
}

bool label_ok(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

Result<hsm::Token> open_custodian_token(const std::string& module, const std::string& token, const std::string& pin_file) {
  if (token.empty()) return fail(Errc::BadParameter, "give --token (the custodian token's label or a pkcs11: URI)");
  if (auto r = hsm::refuse_pin_in_uri(token); !r) return std::unexpected(r.error());
  HomeConfig c;
  c.embedded = false;
  c.module = module.empty() ? hsm::default_module_path() : module;
  c.token = token;
  HomeOptions o;
  o.pin_file = pin_file;
  auto pin = read_user_pin(o, c, "");
  if (!pin) return std::unexpected(pin.error());
  return hsm::Token::open(token_spec(c), *pin);
}

Result<SecureBytes> read_so_pin(const std::string& file, const std::string& token_label) {
  if (!file.empty()) return read_pin_file(file);
  if (const char* env = std::getenv("COLDVAULT_SO_PIN"); env && *env) return SecureBytes(env, env + std::strlen(env));
  return prompt_secret("SO PIN for token '" + token_label + "': ",
                       "no SO PIN for token '" + token_label + "': pass --so-pin-file or set COLDVAULT_SO_PIN");
}

Result<CustodianCert> enroll_custodian(hsm::Token& token, const std::string& label, unsigned bits) {
  if (!label_ok(label))
    return fail(Errc::BadParameter, "a custodian label is 1-64 letters, digits, '-', '_' or '.'");
  if (bits != 2048 && bits != 3072 && bits != 4096)
    return fail(Errc::BadParameter, "a custodian key is RSA 2048, 3072 or 4096 bits");
  for (auto m : {hsm::Mech::RsaOaepSha1, hsm::Mech::RsaPkcs1})
    if (auto r = token.require(m); !r) return std::unexpected(r.error());
  auto kp = token.create_custodian_key(label, bits);
  if (!kp) return std::unexpected(kp.error());
  auto undo = [&] {
    (void)token.destroy(kp->priv);
    (void)token.destroy(kp->pub);
  };
  auto pub = token.rsa_public(kp->pub);
  if (!pub) return undo(), std::unexpected(pub.error());
  crypto::X509Request req;
  req.subject = "CN=coldvault custodian " + label;
  req.key_usage = {"keyEncipherment", "dataEncipherment"};
  req.validity_months = 120;
  crypto::SigningKey key;
  key.rsa = *pub;
  key.sign = [&](ByteView digest_info) { return token.sign(hsm::Mech::RsaPkcs1, kp->priv, digest_info); };
  auto der = crypto::self_signed_certificate(req, key);
  if (!der) return undo(), std::unexpected(der.error());
  // From now on the key only decrypts; CKA_ID lets decrypt-share find it from the certificate alone.
  if (auto r = token.finish_custodian_key(*kp, transfer::custodian_key_id(*pub)); !r)
    return undo(), std::unexpected(r.error());
  auto pem = crypto::certificate_pem_from_der(*der);
  if (!pem) return undo(), std::unexpected(pem.error());
  return CustodianCert{label, to_hex(crypto::sha256(*der)), *pem, bits, 0};
}

Result<CustodianCert> read_custodian_cert(std::string_view pem, const std::string& what) {
  auto der = crypto::certificate_der_from_pem(pem);
  if (!der) return fail(Errc::BadParameter, what + ": not a PEM certificate (" + der.error().message + ")");
  auto f = crypto::certificate_fields(*der);
  if (!f) return fail(Errc::BadParameter, what + ": " + f.error().message);
  auto rsa = crypto::rsa_public_from_spki(f->spki_der);
  if (!rsa) return fail(Errc::BadParameter, what + ": a custodian certificate carries an RSA key");
  unsigned bits = static_cast<unsigned>(rsa->n.size() * 8);
  if (bits < 2048) return fail(Errc::BadParameter, what + ": the custodian key has " + std::to_string(bits) +
                                                       " bits; at least 2048 are needed");
  if (f->not_after <= Service::now())
    return fail(Errc::BadParameter, what + ": the custodian certificate has expired");
  std::string name = f->subject;
  if (auto p = name.find("CN=coldvault custodian "); p != std::string::npos) {
    name = name.substr(p + 23);
    if (auto comma = name.find(','); comma != std::string::npos) name.resize(comma);
  }
  auto armoured = crypto::certificate_pem_from_der(*der);
  if (!armoured) return std::unexpected(armoured.error());
  return CustodianCert{name, to_hex(f->sha256), *armoured, bits, 0};
}

Result<std::vector<CustodianCert>> custodians(Service& svc) {
  if (svc.domain_kid().empty()) return fail(Errc::NotFound, "this home holds no security domain yet");
  auto integrity = svc.integrity();
  if (!integrity) return std::unexpected(integrity.error());
  auto rows = store::custodians(svc.catalog(), svc.domain_kid());
  if (!rows) return std::unexpected(rows.error());
  std::vector<CustodianCert> out;
  for (const auto& r : *rows) {
    if (auto ok = (*integrity)->check(binding(r), r.auth, "custodian registry entry " + r.sha256); !ok)
      return std::unexpected(ok.error());
    if (to_hex(crypto::sha256(r.cert_der)) != r.sha256)
      return fail(Errc::Corruption, "custodian registry entry " + r.sha256 + " does not hold that certificate");
    auto rsa = crypto::certificate_fields(r.cert_der);
    unsigned bits = 0;
    if (rsa)
      if (auto k = crypto::rsa_public_from_spki(rsa->spki_der); k) bits = static_cast<unsigned>(k->n.size() * 8);
    out.push_back(CustodianCert{r.name, r.sha256, crypto::pem_encode("CERTIFICATE", r.cert_der), bits, r.added});
  }
  return out;
}

Result<void> register_custodians(Service& svc, const std::vector<CustodianCert>& list) {
  auto integrity = svc.integrity();
  if (!integrity) return std::unexpected(integrity.error());
  auto known = store::custodians(svc.catalog(), svc.domain_kid());
  if (!known) return std::unexpected(known.error());
  for (const auto& c : list) {
    bool listed = false;
    for (const auto& k : *known) listed = listed || k.sha256 == c.sha256;
    if (listed) continue;
    auto der = crypto::certificate_der_from_pem(c.pem);
    if (!der) return std::unexpected(der.error());
    store::CustodianRow r{svc.domain_kid(), c.sha256, c.name, *der, Service::now(), {}};
    auto auth = (*integrity)->seal(binding(r));
    if (!auth) return std::unexpected(auth.error());
    r.auth = std::move(*auth);
    if (auto ok = store::add_custodian(svc.catalog(), r); !ok) return ok;
  }
  return {};
}

}  // namespace cv::vault
