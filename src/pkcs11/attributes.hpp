// Attribute templates and attribute reads.
//
// A Template owns a copy of every value it points at, in wiped buffers (values include private key
// parts on import), so a CK_ATTRIBUTE array built from it stays valid for as long as the Template
// lives. Key templates are assembled from KeyUsage here so that "which flags a key gets" has one
// home.
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "coldvault/bytes.hpp"
#include "coldvault/error.hpp"
#include "coldvault/hsm.hpp"
#include "coldvault/key_parts.hpp"
#include "pkcs11/p11.hpp"

namespace cv::hsm {

class Template {
 public:
  Template() = default;
  Template(const Template&) = delete;
  Template& operator=(const Template&) = delete;
  Template(Template&&) = default;
  Template& operator=(Template&&) = default;

  Template& add_bool(CK_ATTRIBUTE_TYPE type, bool v);
  Template& add_ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG v);
  Template& add_bytes(CK_ATTRIBUTE_TYPE type, ByteView v);
  Template& add_string(CK_ATTRIBUTE_TYPE type, std::string_view v) {
    return add_bytes(type, as_bytes(v));
  }
  Template& add_mechanisms(CK_ATTRIBUTE_TYPE type, std::initializer_list<CK_MECHANISM_TYPE> mechs);
  // An attribute-array attribute (CKA_UNWRAP_TEMPLATE, CKA_WRAP_TEMPLATE): its value is `inner`'s
  // CK_ATTRIBUTE array, which points into `inner`'s buffers, so `inner` is kept here too.
  Template& add_template(CK_ATTRIBUTE_TYPE type, Template inner);

  CK_ATTRIBUTE_PTR data() { return attrs_.data(); }
  CK_ULONG size() const { return static_cast<CK_ULONG>(attrs_.size()); }

 private:
  // Each value has its own heap buffer; moving a SecureBytes into the vector keeps that buffer, so
  // pointers in attrs_ survive the outer vector growing.
  std::vector<SecureBytes> values_;
  std::vector<CK_ATTRIBUTE> attrs_;
  // Templates nested by add_template. Moving one keeps its value buffers where they are, so the
  // copied CK_ATTRIBUTE arrays in values_ stay valid when this vector grows.
  std::vector<Template> nested_;
};

// Usage flags that apply to each object class (PKCS#11 rejects, e.g., CKA_ENCRYPT on a private
// key). Private/secret templates also get CKA_SENSITIVE=TRUE, CKA_PRIVATE=TRUE and CKA_EXTRACTABLE
// per usage.
void add_secret_usage(Template& t, const KeyUsage& u);
void add_private_usage(Template& t, const KeyUsage& u);
void add_public_usage(Template& t, const KeyUsage& u);
// The domain key's private and public halves (token objects; docs/architecture.md): one definition for the key
// init makes and the copy a domain import unwraps, so both are the same key in every attribute.
void add_domain_private_attrs(Template& t, const std::string& label, ByteView id);
void add_domain_public_attrs(Template& t, const std::string& label, ByteView id);
// A vault master key's (and the integrity key's) attributes but class, type and length: AES, sensitive,
// encrypt/decrypt/wrap/unwrap; `transferable`: CKA_EXTRACTABLE=TRUE with CKA_WRAP_WITH_TRUSTED=TRUE, else not
// extractable; `unwrap_template`: CKA_UNWRAP_TEMPLATE = {CKA_SENSITIVE=TRUE}.
void add_master_key_attrs(Template& t, const std::string& label, bool transferable, bool unwrap_template);

// CKK_* for a KeyType and the object class it belongs to (secret for Aes/GenericSecret, private for
// Rsa/Ec when it is the secret half).
CK_KEY_TYPE ck_key_type(KeyType t);
CK_OBJECT_CLASS ck_secret_class(KeyType t);

// DER OID of a named curve (CKA_EC_PARAMS), and the reverse. NotFound-free: unknown params give
// Unsupported.
ByteView ec_params_der(Curve c);
Result<Curve> curve_from_params(ByteView params);

// Two-call C_GetAttributeValue of one attribute. The CKR_ error (ATTRIBUTE_SENSITIVE, ...)
// otherwise.
Result<Bytes> get_attribute(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                            CK_ATTRIBUTE_TYPE type, std::string_view what);

// Big-endian integer without leading zero bytes (at least one byte kept).
Bytes strip_leading_zeros(Bytes v);

}  // namespace cv::hsm
