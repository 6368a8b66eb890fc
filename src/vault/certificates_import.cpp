// Certificates::import: a PFX/PKCS#12 (with password; OpenSSL 3 defaults or legacy) or a PEM bundle
// (private key + chain). The private key is required (as in Key Vault), enters the token and is stored
// only wrapped; the secret is the PFX (re-encoded without password) or PEM per the policy's content type,
// without the private key when the policy says exportable=false. The policy is read from the
// certificate (subject, SANs, EKUs, key usage, validity, key type) with issuer "Unknown", as Key Vault
// does, and the given policy's key/secret properties over it. Bad input writes nothing.
#include "coldvault/crypto.hpp"
#include "vault/certificates_detail.hpp"
#include "vault/secrets_detail.hpp"

namespace cv::vault {

using namespace certs_detail;
using store::ObjType;

namespace {

bool looks_like_pem(const SecureBytes& content) {
  std::string_view s(reinterpret_cast<const char*>(content.data()), content.size());
  auto start = s.find_first_not_of(" \t\r\n");
  return start != std::string_view::npos && s.substr(start).starts_with("-----BEGIN");
}

// The policy Key Vault reports for an imported certificate.
CertificatePolicy policy_from_certificate(const crypto::CertFields& f, const crypto::PrivateKeyParts& key,
                                          const std::string& content_type) {
  CertificatePolicy p;
  p.subject = f.subject;
  p.dns_names = f.dns_names;
  p.ip_addresses = f.ip_addresses;
  p.emails = f.emails;
  p.upns = f.upns;
  p.ekus = f.ekus;
  p.key_usage = f.key_usage;
  const double months = static_cast<double>(f.not_after - f.not_before) / (86400.0 * 30.4375);
  p.validity_months = std::clamp(static_cast<int>(months + 0.5), 1, 1200);
  if (key.is_rsa) {
    p.kty = "RSA";
    p.key_size = static_cast<unsigned>(key.rsa.n.size() * 8);
  } else {
    p.kty = "EC";
    p.crv = curve_name(key.ec.pub.curve);
  }
  p.issuer = "Unknown";
  p.content_type = content_type;
  return p;
}

}  // namespace

Result<CertificateBundle> Certificates::import(const std::string& name, const ImportCertificate& i) {
  if (auto r = check_object_name(name); !r) return std::unexpected(r.error());
  if (auto r = keys_detail::check_tags(i.tags); !r) return std::unexpected(r.error());
  const bool pem = i.content_type ? *i.content_type == kContentTypePem : looks_like_pem(i.content);
  if (i.content_type && *i.content_type != kContentTypePem && *i.content_type != kContentTypePkcs12)
    return std::unexpected(bad("contentType: '" + i.content_type->substr(0, 60) +
                               "' is not supported. Allowed: application/x-pkcs12, application/x-pem-file."));
  const char* what = pem ? "PEM" : "PFX";
  auto c = pem ? crypto::parse_pem_bundle(
                     std::string_view(reinterpret_cast<const char*>(i.content.data()), i.content.size()), i.password)
               : crypto::parse_pkcs12(i.content, i.password);
  if (!c) return std::unexpected(bad("The certificate could not be imported: " + c.error().message));
  if (c->certificates.empty()) return std::unexpected(bad(std::string("the ") + what + " has no certificate"));
  if (!c->key)
    return std::unexpected(bad(std::string("the ") + what +
                               " has no private key; a certificate is imported with its private key"));
  auto fields = crypto::certificate_fields(c->certificates[0]);
  if (!fields) return std::unexpected(bad("The certificate could not be imported: " + fields.error().message));

  CertificatePolicy p = policy_from_certificate(*fields, *c->key, pem ? kContentTypePem : kContentTypePkcs12);
  if (i.policy) {
    const CertificatePolicy& g = *i.policy;
    p.exportable = g.exportable;
    p.reuse_key = g.reuse_key;
    p.content_type = g.content_type;
    p.lifetime_actions = g.lifetime_actions;
    p.certificate_type = g.certificate_type;
    p.cert_transparency = g.cert_transparency;
    // "RSA-HSM" over an RSA key is kept as given; another kind is the caller's mistake.
    if (g.kty.starts_with(p.kty)) p.kty = g.kty;
    else if (!g.kty.empty() && g.kty != "RSA")
      return std::unexpected(bad("key_props.kty: the policy says " + g.kty + " but the imported key is " + p.kty + "."));
  }
  if (p.kty.ends_with("-HSM") && p.exportable)
    return std::unexpected(bad("key_props.exportable: a " + p.kty + " key cannot be exportable."));
  if (p.content_type != kContentTypePem && p.content_type != kContentTypePkcs12)
    return std::unexpected(bad("secret_props.contentType: '" + p.content_type.substr(0, 60) + "' is not supported."));

  auto vk = svc_.vault(vault_);
  if (!vk) return std::unexpected(vk.error());
  auto exists = check_new_version(svc_, vault_, name);
  if (!exists) return std::unexpected(exists.error());
  auto version = svc_.new_version_id();
  if (!version) return std::unexpected(version.error());
  const auto now = Service::now();
  p.created = p.updated = now;

  auto km = key_meta_for(p);
  if (!km) return std::unexpected(km.error());
  auto wrapped = keys_detail::import_material(svc_, **vk, *c->key, *km);
  if (!wrapped) return std::unexpected(bad("The certificate's key could not be imported: " + wrapped.error().message));
  p.key_size = km->kind == KeyKind::Rsa ? std::optional<unsigned>(km->key_size) : std::nullopt;
  const Attributes attrs{i.attributes.enabled, fields->not_before, fields->not_after};
  auto key_row = managed_key_row(*version, *km, std::move(*wrapped), i.tags, attrs);

  auto value = secret_value(p.content_type, p.exportable ? c->key : std::nullopt, c->certificates);
  c->key.reset();  // wipes the private parts
  if (!value) return std::unexpected(value.error());
  if (value->size() > kMaxSecretBytes)
    return std::unexpected(bad("The certificate's secret would be " + std::to_string(value->size()) +
                               " bytes; the limit is " + std::to_string(kMaxSecretBytes) + " bytes."));
  auto secret = secrets_detail::sealed_row(svc_, **vk, vault_, name, *version, *value, p.content_type, i.tags, attrs);
  if (!secret) return std::unexpected(secret.error());
  secret->meta_json = kManagedSecretMeta;

  CertMeta meta;
  meta.cer = c->certificates[0];
  meta.policy = p;
  store::VersionRow cert;
  cert.version = *version;
  cert.content_type = p.content_type;
  cert.tags = i.tags;
  cert.enabled = i.attributes.enabled.value_or(true);
  cert.nbf = fields->not_before;
  cert.exp = fields->not_after;
  cert.created = cert.updated = now;
  cert.meta_json = meta.to_json();
  if (auto r = write_version(svc_, vault_, name, cert, key_row, *secret); !r) return std::unexpected(r.error());
  auto o = svc_.catalog().object(vault_, ObjType::Certificate, name);
  if (!o) return std::unexpected(o.error());
  return make_bundle(svc_, vault_, *o, cert, p);
}

}  // namespace cv::vault
