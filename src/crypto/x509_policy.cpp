// The policy half of a certificate request: the subject name and the extensions Key Vault's
// x509_props describe (subject alternative names, extended key usages, key usage). Everything here
// is caller input, so each check names the field it rejects.
#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "crypto/x509_internal.hpp"

namespace cv::crypto::detail {
namespace {

using GenNamesPtr = std::unique_ptr<GENERAL_NAMES, ossl::Deleter<GENERAL_NAMES_free>>;
using GenNamePtr = std::unique_ptr<GENERAL_NAME, ossl::Deleter<GENERAL_NAME_free>>;
using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, ossl::Deleter<EXTENDED_KEY_USAGE_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT_free>>;
using BitStrPtr = std::unique_ptr<ASN1_BIT_STRING, ossl::Deleter<ASN1_BIT_STRING_free>>;
using Ia5Ptr = std::unique_ptr<ASN1_IA5STRING, ossl::Deleter<ASN1_IA5STRING_free>>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, ossl::Deleter<ASN1_OCTET_STRING_free>>;
using TypePtr = std::unique_ptr<ASN1_TYPE, ossl::Deleter<ASN1_TYPE_free>>;

constexpr const char* kUpnOid = "1.3.6.1.4.1.311.20.2.3";

bool is_dotted_oid(std::string_view s) {
  // At least two arcs, digits only, first arc 0..2 (X.660); no empty arcs or leading dots.
  if (s.size() < 3 || s[0] < '0' || s[0] > '2' || s[1] != '.') return false;
  bool digit_seen = false;
  for (char c : s.substr(2)) {
    if (c == '.') {
      if (!digit_seen) return false;
      digit_seen = false;
    } else if (c >= '0' && c <= '9') {
      digit_seen = true;
    } else {
      return false;
    }
  }
  return digit_seen;
}

bool is_ia5_token(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

Result<void> check_dns_name(const std::string& name) {
  const bool ok = !name.empty() && name.size() <= 253 && std::ranges::all_of(name, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '*' ||
           c == '_';
  });
  if (!ok)
    return fail(Errc::BadParameter,
                "invalid DNS name in subject alternative names: '" + name + "'");
  return {};
}

Result<GenNamePtr> ia5_name(int type, const std::string& value) {
  GenNamePtr gen(GENERAL_NAME_new());
  Ia5Ptr str(ASN1_IA5STRING_new());
  if (!gen || !str || ASN1_STRING_set(str.get(), value.data(), static_cast<int>(value.size())) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build subject alternative name");
  GENERAL_NAME_set0_value(gen.get(), type, str.release());
  return gen;
}

Result<GenNamePtr> ip_name(const std::string& text) {
  std::array<unsigned char, 16> addr{};
  int len = 0;
  if (inet_pton(AF_INET, text.c_str(), addr.data()) == 1) {
    len = 4;
  } else if (inet_pton(AF_INET6, text.c_str(), addr.data()) == 1) {
    len = 16;
  } else {
    return fail(Errc::BadParameter,
                "invalid IP address in subject alternative names: '" + text + "'");
  }
  GenNamePtr gen(GENERAL_NAME_new());
  OctetPtr oct(ASN1_OCTET_STRING_new());
  if (!gen || !oct || ASN1_OCTET_STRING_set(oct.get(), addr.data(), len) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build subject alternative name");
  GENERAL_NAME_set0_value(gen.get(), GEN_IPADD, oct.release());
  return gen;
}

// Microsoft's user principal name: otherName { 1.3.6.1.4.1.311.20.2.3, [0] UTF8String }.
Result<GenNamePtr> upn_name(const std::string& upn) {
  if (upn.empty() || upn.find('@') == std::string::npos)
    return fail(Errc::BadParameter, "invalid UPN in subject alternative names: '" + upn + "'");
  GenNamePtr gen(GENERAL_NAME_new());
  ObjPtr oid(OBJ_txt2obj(kUpnOid, 1));
  TypePtr value(ASN1_TYPE_new());
  ASN1_UTF8STRING* utf8 = ASN1_UTF8STRING_new();
  if (!utf8 || ASN1_STRING_set(utf8, upn.data(), static_cast<int>(upn.size())) != 1) {
    ASN1_UTF8STRING_free(utf8);
    return ossl::fail_ossl(Errc::Internal, "cannot build UPN");
  }
  if (!gen || !oid || !value) {
    ASN1_UTF8STRING_free(utf8);
    return ossl::fail_ossl(Errc::Internal, "cannot build UPN");
  }
  ASN1_TYPE_set(value.get(), V_ASN1_UTF8STRING, utf8);
  if (GENERAL_NAME_set0_othername(gen.get(), oid.get(), value.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build UPN");
  oid.release();
  value.release();
  return gen;
}

Result<GenNamesPtr> alt_names(const X509Request& req) {
  GenNamesPtr names(GENERAL_NAMES_new());
  if (!names) return ossl::fail_ossl(Errc::Internal, "cannot build subject alternative names");
  auto push = [&](Result<GenNamePtr> gen) -> Result<void> {
    if (!gen) return std::unexpected(gen.error());
    if (sk_GENERAL_NAME_push(names.get(), gen->get()) <= 0)
      return ossl::fail_ossl(Errc::Internal, "cannot build subject alternative names");
    gen->release();
    return {};
  };
  for (const auto& dns : req.dns_names) {
    if (auto r = check_dns_name(dns); !r) return std::unexpected(r.error());
    if (auto r = push(ia5_name(GEN_DNS, dns)); !r) return std::unexpected(r.error());
  }
  for (const auto& ip : req.ip_addresses)
    if (auto r = push(ip_name(ip)); !r) return std::unexpected(r.error());
  for (const auto& email : req.emails) {
    if (!is_ia5_token(email) || email.find('@') == std::string::npos)
      return fail(Errc::BadParameter,
                  "invalid email in subject alternative names: '" + email + "'");
    if (auto r = push(ia5_name(GEN_EMAIL, email)); !r) return std::unexpected(r.error());
  }
  for (const auto& upn : req.upns)
    if (auto r = push(upn_name(upn)); !r) return std::unexpected(r.error());
  return names;
}

Result<EkuPtr> ekus(const std::vector<std::string>& oids) {
  EkuPtr eku(sk_ASN1_OBJECT_new_null());
  if (!eku) return ossl::fail_ossl(Errc::Internal, "cannot build extended key usage");
  for (const auto& text : oids) {
    ObjPtr obj(is_dotted_oid(text) ? OBJ_txt2obj(text.c_str(), 1) : nullptr);
    if (!obj)
      return ossl::fail_ossl(Errc::BadParameter, "invalid extended key usage OID '" + text +
                                                     "' (dotted form expected)");
    if (sk_ASN1_OBJECT_push(eku.get(), obj.get()) <= 0)
      return ossl::fail_ossl(Errc::Internal, "cannot build extended key usage");
    obj.release();
  }
  return eku;
}

// Key Vault's names, in bit order (RFC 5280, 4.2.1.3).
constexpr std::array<const char*, 9> kKeyUsageNames = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
    "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly"};

Result<BitStrPtr> key_usage(const std::vector<std::string>& names) {
  BitStrPtr bits(ASN1_BIT_STRING_new());
  if (!bits) return ossl::fail_ossl(Errc::Internal, "cannot build key usage");
  for (const auto& name : names) {
    auto it = std::ranges::find_if(kKeyUsageNames, [&](const char* known) {
      return name.size() == std::strlen(known) && strcasecmp(name.c_str(), known) == 0;
    });
    if (it == kKeyUsageNames.end()) {
      std::string allowed;
      for (const char* k : kKeyUsageNames)
        allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      return fail(Errc::BadParameter,
                  "unknown key usage '" + name + "' (allowed: " + allowed + ")");
    }
    if (ASN1_BIT_STRING_set_bit(bits.get(), static_cast<int>(it - kKeyUsageNames.begin()), 1) != 1)
      return ossl::fail_ossl(Errc::Internal, "cannot build key usage");
  }
  return bits;
}

Result<void> push_ext(STACK_OF(X509_EXTENSION) * sk, int nid, int critical, void* value) {
  ossl::X509ExtPtr ext(X509V3_EXT_i2d(nid, critical, value));
  if (!ext || sk_X509_EXTENSION_push(sk, ext.get()) <= 0)
    return ossl::fail_ossl(Errc::Internal,
                           std::string("cannot encode extension ") + OBJ_nid2sn(nid));
  ext.release();
  return {};
}

}  // namespace

Result<ExtStackPtr> policy_extensions(const X509Request& req) {
  ExtStackPtr exts(sk_X509_EXTENSION_new_null());
  if (!exts) return ossl::fail_ossl(Errc::Internal, "cannot build extensions");
  auto names = alt_names(req);
  if (!names) return std::unexpected(names.error());
  if (sk_GENERAL_NAME_num(names->get()) > 0)
    if (auto r = push_ext(exts.get(), NID_subject_alt_name, 0, names->get()); !r)
      return std::unexpected(r.error());
  auto eku = ekus(req.ekus);
  if (!eku) return std::unexpected(eku.error());
  if (sk_ASN1_OBJECT_num(eku->get()) > 0)
    if (auto r = push_ext(exts.get(), NID_ext_key_usage, 0, eku->get()); !r)
      return std::unexpected(r.error());
  auto ku = key_usage(req.key_usage);
  if (!ku) return std::unexpected(ku.error());
  if (!req.key_usage.empty())
    if (auto r = push_ext(exts.get(), NID_key_usage, 1, ku->get()); !r)
      return std::unexpected(r.error());
  return exts;
}

Result<void> add_conf_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ossl::X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return ossl::fail_ossl(Errc::Internal,
                           std::string("cannot add certificate extension ") + OBJ_nid2sn(nid));
  return {};
}

}  // namespace cv::crypto::detail
