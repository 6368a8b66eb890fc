// Certificate policies <-> Key Vault's JSON. Reads the REST shape (key_props, secret_props, x509_props,
// issuer, lifetime_actions, attributes) and the `az keyvault certificate get-default-policy` file shape
// (keyProperties, secretProperties, x509CertificateProperties, issuerParameters, lifetimeActions); writes
// the REST shape. Every complaint names the field, so a user can find it in a 40-line policy file.
#include <algorithm>
#include <initializer_list>

#include "vault/certificates_detail.hpp"

namespace cv::vault {
namespace {

using nlohmann::json;
using certs_detail::bad;

// The first of several spellings present and not null.
const json* pick(const json& obj, std::initializer_list<const char*> names) {
  if (!obj.is_object()) return nullptr;
  for (const char* n : names) {
    auto it = obj.find(n);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

Result<void> get_bool(const json& obj, std::initializer_list<const char*> names, const std::string& field,
                      bool& out) {
  const json* v = pick(obj, names);
  if (!v) return {};
  if (!v->is_boolean()) return std::unexpected(bad(field + " must be true or false"));
  out = v->get<bool>();
  return {};
}

Result<void> get_string(const json& obj, std::initializer_list<const char*> names, const std::string& field,
                        std::string& out) {
  const json* v = pick(obj, names);
  if (!v) return {};
  if (!v->is_string()) return std::unexpected(bad(field + " must be a string"));
  out = v->get<std::string>();
  return {};
}

Result<void> get_strings(const json& obj, std::initializer_list<const char*> names, const std::string& field,
                         std::vector<std::string>& out) {
  const json* v = pick(obj, names);
  if (!v) return {};
  if (!v->is_array()) return std::unexpected(bad(field + " must be an array of strings"));
  out.clear();
  for (const auto& e : *v) {
    if (!e.is_string()) return std::unexpected(bad(field + " must be an array of strings"));
    out.push_back(e.get<std::string>());
  }
  return {};
}

Result<void> get_int(const json& obj, std::initializer_list<const char*> names, const std::string& field,
                     std::int64_t& out, bool& present) {
  const json* v = pick(obj, names);
  present = v != nullptr;
  if (!v) return {};
  if (!v->is_number_integer()) return std::unexpected(bad(field + " must be an integer"));
  out = v->get<std::int64_t>();
  return {};
}

#define CV_CHECK(expr)                                              \
  do {                                                              \
    if (auto _r = (expr); !_r) return std::unexpected(_r.error()); \
  } while (0)

Result<void> read_key_props(const json& k, CertificatePolicy& p) {
  bool exportable_given = pick(k, {"exportable"}) != nullptr;
  CV_CHECK(get_bool(k, {"exportable"}, "key_props.exportable", p.exportable));
  CV_CHECK(get_string(k, {"kty", "keyType", "key_type"}, "key_props.kty", p.kty));
  if (p.kty != "RSA" && p.kty != "RSA-HSM" && p.kty != "EC" && p.kty != "EC-HSM")
    return std::unexpected(bad("key_props.kty: key type '" + p.kty.substr(0, 40) +
                               "' is not supported for certificates. Allowed: RSA, RSA-HSM, EC, EC-HSM."));
  const bool hsm = p.kty.ends_with("-HSM"), ec = p.kty.starts_with("EC");
  // An -HSM key never leaves the token: unless the policy says otherwise it is not exportable.
  if (hsm && !exportable_given) p.exportable = false;
  if (hsm && p.exportable)
    return std::unexpected(bad("key_props.exportable: a " + p.kty + " key cannot be exportable; use " +
                               (ec ? "EC" : "RSA") + " or set exportable to false."));
  std::int64_t size = 0;
  bool has_size = false;
  CV_CHECK(get_int(k, {"key_size", "keySize"}, "key_props.key_size", size, has_size));
  std::string crv;
  CV_CHECK(get_string(k, {"crv", "curve"}, "key_props.crv", crv));
  if (ec) {
    if (crv.empty()) crv = "P-256";
    if (crv != "P-256" && crv != "P-384" && crv != "P-521" && crv != "P-256K")
      return std::unexpected(bad("key_props.crv: curve '" + crv.substr(0, 40) +
                                 "' is not supported. Allowed: P-256, P-384, P-521, P-256K."));
    // Key Vault reports key_size 256/384/521 for EC keys; accept it when it agrees with the curve.
    if (has_size && std::to_string(size) != crv.substr(2))
      return std::unexpected(bad("key_props.key_size: " + std::to_string(size) + " does not match curve " + crv));
    p.crv = crv;
    p.key_size.reset();
  } else {
    if (!crv.empty()) return std::unexpected(bad("key_props.crv: a curve does not apply to " + p.kty + " keys"));
    if (!has_size) size = 2048;
    if (size != 2048 && size != 3072 && size != 4096)
      return std::unexpected(bad("key_props.key_size: RSA key size " + std::to_string(size) +
                                 " is not supported. Allowed: 2048, 3072, 4096."));
    p.key_size = static_cast<unsigned>(size);
    p.crv.reset();
  }
  return get_bool(k, {"reuse_key", "reuseKey"}, "key_props.reuse_key", p.reuse_key);
}

Result<void> read_x509_props(const json& x, CertificatePolicy& p) {
  CV_CHECK(get_string(x, {"subject"}, "x509_props.subject", p.subject));
  if (const json* s = pick(x, {"sans", "subjectAlternativeNames", "subject_alternative_names"})) {
    if (!s->is_object()) return std::unexpected(bad("x509_props.sans must be an object"));
    CV_CHECK(get_strings(*s, {"dns_names", "dnsNames"}, "x509_props.sans.dns_names", p.dns_names));
    CV_CHECK(get_strings(*s, {"emails"}, "x509_props.sans.emails", p.emails));
    CV_CHECK(get_strings(*s, {"upns", "userPrincipalNames"}, "x509_props.sans.upns", p.upns));
    CV_CHECK(get_strings(*s, {"ipAddresses", "ip_addresses"}, "x509_props.sans.ipAddresses", p.ip_addresses));
  }
  CV_CHECK(get_strings(x, {"ekus", "extendedKeyUsage", "enhancedKeyUsage"}, "x509_props.ekus", p.ekus));
  CV_CHECK(get_strings(x, {"key_usage", "keyUsage"}, "x509_props.key_usage", p.key_usage));
  static const char* kUsages[] = {"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                                  "keyAgreement",     "keyCertSign",    "cRLSign",         "encipherOnly",
                                  "decipherOnly"};
  for (const auto& u : p.key_usage) {
    bool known = false;
    for (const char* k : kUsages) known = known || u == k;
    if (!known)
      return std::unexpected(bad("x509_props.key_usage: '" + u.substr(0, 40) +
                                 "' is not a key usage. Allowed: digitalSignature, nonRepudiation, "
                                 "keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, cRLSign, "
                                 "encipherOnly, decipherOnly."));
  }
  std::int64_t months = p.validity_months;
  bool has_months = false;
  CV_CHECK(get_int(x, {"validity_months", "validityInMonths"}, "x509_props.validity_months", months, has_months));
  if (months < 1 || months > 1200)
    return std::unexpected(bad("x509_props.validity_months: " + std::to_string(months) + " is out of range 1-1200"));
  p.validity_months = static_cast<int>(months);
  return {};
}

Result<void> read_issuer(const json& i, CertificatePolicy& p) {
  CV_CHECK(get_string(i, {"name"}, "issuer.name", p.issuer));
  // Key Vault matches issuer names without regard to case and reports them as "Self" / "Unknown".
  std::string l = p.issuer;
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "self") p.issuer = "Self";
  else if (l == "unknown") p.issuer = "Unknown";
  else if (p.issuer.empty() || p.issuer.size() > 127 ||
           !std::all_of(p.issuer.begin(), p.issuer.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; }))
    return std::unexpected(bad("issuer.name: '" + p.issuer.substr(0, 40) +
                               "' is not an issuer name (1-127 letters, digits and '-')."));
  // Any other name is a CA issuer: coldvault enrols with none, so such a certificate waits as a CSR
  // (Certificates::create, coldvault/certificate_issuers.hpp).
  if (const json* c = pick(i, {"cty", "certificateType", "certificate_type"})) {
    if (!c->is_string()) return std::unexpected(bad("issuer.cty must be a string"));
    p.certificate_type = c->get<std::string>();
  }
  if (const json* t = pick(i, {"cert_transparency", "certificateTransparency"})) {
    if (!t->is_boolean()) return std::unexpected(bad("issuer.cert_transparency must be true or false"));
    p.cert_transparency = t->get<bool>();
  }
  return {};
}

void rename(json& obj, std::initializer_list<std::pair<const char*, const char*>> names) {
  if (!obj.is_object()) return;
  for (auto [from, to] : names) {
    auto it = obj.find(from);
    if (it == obj.end()) continue;
    json v = std::move(*it);
    obj.erase(from);
    obj[to] = std::move(v);
  }
}

}  // namespace

json certs_detail::normalise_policy_json(json j) {
  if (!j.is_object()) return j;
  rename(j, {{"keyProperties", "key_props"}, {"key_properties", "key_props"}, {"secretProperties", "secret_props"},
             {"secret_properties", "secret_props"}, {"x509CertificateProperties", "x509_props"},
             {"x509_certificate_properties", "x509_props"}, {"issuerParameters", "issuer"},
             {"issuer_parameters", "issuer"}, {"lifetimeActions", "lifetime_actions"}});
  if (j.contains("key_props"))
    rename(j["key_props"], {{"keyType", "kty"}, {"key_type", "kty"}, {"keySize", "key_size"}, {"curve", "crv"},
                            {"reuseKey", "reuse_key"}});
  if (j.contains("secret_props")) rename(j["secret_props"], {{"content_type", "contentType"}});
  if (j.contains("x509_props")) {
    json& x = j["x509_props"];
    rename(x, {{"subjectAlternativeNames", "sans"}, {"subject_alternative_names", "sans"},
               {"extendedKeyUsage", "ekus"}, {"enhancedKeyUsage", "ekus"}, {"keyUsage", "key_usage"},
               {"validityInMonths", "validity_months"}});
    if (x.is_object() && x.contains("sans"))
      rename(x["sans"], {{"dnsNames", "dns_names"}, {"userPrincipalNames", "upns"}, {"ip_addresses", "ipAddresses"}});
  }
  if (j.contains("issuer"))
    rename(j["issuer"], {{"certificateType", "cty"}, {"certificate_type", "cty"},
                         {"certificateTransparency", "cert_transparency"}});
  return j;
}

CertificatePolicy default_certificate_policy() {
  CertificatePolicy p;
  p.subject = "CN=CLIGetDefaultPolicy";
  p.key_size = 2048;
  p.reuse_key = true;
  p.key_usage = {"cRLSign", "dataEncipherment", "digitalSignature", "keyEncipherment", "keyAgreement", "keyCertSign"};
  p.lifetime_actions = json::array({{{"trigger", {{"days_before_expiry", 90}}},
                                     {"action", {{"action_type", "AutoRenew"}}}}});
  return p;
}

Result<CertificatePolicy> certificate_policy_from_json(const json& j) {
  if (!j.is_object()) return std::unexpected(bad("policy: the certificate policy must be a JSON object"));
  CertificatePolicy p;
  p.key_size = 2048;
  const json empty = json::object();
  const json* k = pick(j, {"key_props", "keyProperties", "key_properties"});
  CV_CHECK(read_key_props(k ? *k : empty, p));
  if (const json* s = pick(j, {"secret_props", "secretProperties", "secret_properties"})) {
    CV_CHECK(get_string(*s, {"contentType", "content_type"}, "secret_props.contentType", p.content_type));
    if (p.content_type != kContentTypePkcs12 && p.content_type != kContentTypePem)
      return std::unexpected(bad("secret_props.contentType: '" + p.content_type.substr(0, 60) +
                                 "' is not supported. Allowed: application/x-pkcs12, application/x-pem-file."));
  }
  if (const json* x = pick(j, {"x509_props", "x509CertificateProperties", "x509_certificate_properties"}))
    CV_CHECK(read_x509_props(*x, p));
  if (const json* i = pick(j, {"issuer", "issuerParameters", "issuer_parameters"})) CV_CHECK(read_issuer(*i, p));
  if (const json* l = pick(j, {"lifetime_actions", "lifetimeActions"})) {
    if (!l->is_array()) return std::unexpected(bad("lifetime_actions must be an array"));
    p.lifetime_actions = *l;
  }
  if (const json* a = pick(j, {"attributes"})) {
    CV_CHECK(get_bool(*a, {"enabled"}, "attributes.enabled", p.enabled));
    bool has = false;
    CV_CHECK(get_int(*a, {"created"}, "attributes.created", p.created, has));
    CV_CHECK(get_int(*a, {"updated"}, "attributes.updated", p.updated, has));
  }
  return p;
}

json certificate_policy_json(const CertificatePolicy& p, const std::string& id) {
  json j = json::object();
  if (!id.empty()) j["id"] = id;
  json key = {{"exportable", p.exportable}, {"kty", p.kty}, {"reuse_key", p.reuse_key}};
  if (p.kty.starts_with("EC")) key["crv"] = p.crv.value_or("P-256");
  else key["key_size"] = p.key_size.value_or(2048);
  j["key_props"] = key;
  j["secret_props"] = {{"contentType", p.content_type}};
  json x = {{"subject", p.subject}, {"ekus", p.ekus}, {"key_usage", p.key_usage},
            {"validity_months", p.validity_months}};
  json sans = json::object();
  if (!p.dns_names.empty()) sans["dns_names"] = p.dns_names;
  if (!p.emails.empty()) sans["emails"] = p.emails;
  if (!p.upns.empty()) sans["upns"] = p.upns;
  if (!p.ip_addresses.empty()) sans["ipAddresses"] = p.ip_addresses;
  if (!sans.empty()) x["sans"] = sans;
  j["x509_props"] = x;
  j["lifetime_actions"] = p.lifetime_actions.is_array() ? p.lifetime_actions : json::array();
  json issuer = {{"name", p.issuer}};
  if (p.certificate_type) issuer["cty"] = *p.certificate_type;
  if (p.cert_transparency) issuer["cert_transparency"] = *p.cert_transparency;
  j["issuer"] = issuer;
  j["attributes"] = {{"enabled", p.enabled}, {"created", p.created}, {"updated", p.updated}};
  return j;
}

}  // namespace cv::vault
