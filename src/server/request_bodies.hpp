// The request-body readers of the REST routes: a JSON body (json_body's object) into the typed request a
// route hands to the domain. Pure: no service, no token, no catalogue; the handlers call them first, and
// tests/fuzz/rest_body_fuzz.cpp calls them directly. Every malformed body is a BadParameter naming the
// property, never a 5xx. Each is defined in its route file (routes_<resource>.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coldvault/certificate_issuers.hpp"
#include "coldvault/certificates.hpp"
#include "coldvault/keys.hpp"
#include "coldvault/secrets.hpp"
#include "server/body.hpp"

namespace cv::server {

// PUT /secrets/{name}; PATCH /secrets/{name}/{version}.
Result<vault::SetSecret> parse_set_secret(const BodyJson& j);
Result<vault::UpdateSecret> parse_update_secret(const BodyJson& j);

// POST /keys/{name}/create; PATCH /keys/{name}/{version}.
Result<vault::KeySpec> parse_create_key(const BodyJson& j);
Result<vault::UpdateKey> parse_update_key(const BodyJson& j);
// PUT /keys/{name}: a JWK, or a BYOK blob in key.key_hsm (then jwk is empty).
struct KeyImportBody {
  vault::KeySpec spec;
  std::optional<SecureString> key_hsm;
  SecureString jwk;  // the "key" object's text, for Keys::import_jwk
};
Result<KeyImportBody> parse_import_key(const BodyJson& j);

// POST /keys/{name}/{version}/{encrypt|decrypt|wrapkey|unwrapkey|sign}.
struct KeyOpBody {
  std::string alg;
  SecureBytes value;  // plaintext to encrypt, a key to wrap
  Bytes iv, aad, tag;
};
Result<KeyOpBody> parse_key_op(const BodyJson& j);
// POST /keys/{name}/{version}/verify.
struct VerifyBody {
  std::string alg;
  Bytes digest, signature;
};
Result<VerifyBody> parse_verify(const BodyJson& j);

// POST /certificates/{name}/create: without a policy the route takes the certificate's current one.
struct CertificateCreateBody {
  std::optional<vault::CertificatePolicy> policy;
  std::optional<vault::Tags> tags;
  vault::Attributes attributes;
};
Result<CertificateCreateBody> parse_create_certificate(const BodyJson& j);
// POST /certificates/{name}/import: value is PEM text or base64 of a PFX (content type set accordingly).
Result<vault::ImportCertificate> parse_import_certificate(const BodyJson& j);
// PATCH /certificates/{name}/{version}.
Result<vault::UpdateCertificate> parse_update_certificate(const BodyJson& j);
// POST /certificates/{name}/pending/merge: x5c entries as DER (base64 of DER, of PEM, or of base64 text).
struct MergeBody {
  std::vector<Bytes> chain;
  std::optional<vault::Tags> tags;
  vault::Attributes attributes;
};
Result<MergeBody> parse_merge_certificate(const BodyJson& j);
// PUT /certificates/contacts; PUT and PATCH /certificates/issuers/{name}.
Result<std::vector<vault::CertificateContact>> parse_contacts(const BodyJson& j);
Result<vault::IssuerChange> parse_issuer_change(const BodyJson& j);

}  // namespace cv::server
