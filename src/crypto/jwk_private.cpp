// Private JWKs for import (Key Vault's "import key" body): RSA and EC key pairs and oct keys.
//
// Secrets cross several buffers on their way to SecureBytes, and each is wiped:
//  - the JSON is parsed into a SecureJson (strings are SecureStrings, containers use the wiping
//    allocator), so the parsed values and nlohmann's token buffer (also string_t) wipe themselves
//    when freed, short ones included;
//  - base64url output (plain Bytes from cv::base64url_decode) is wiped by Scrub right after use;
//  - BIGNUMs are BN_secure_new (BN_FLG_SECURE), so OpenSSL allocates their OSSL_PARAM copies in
//    memory it clears on free, and BN_clear_free wipes the limbs.
// One copy is beyond reach: nlohmann's lexer keeps the raw text of the current token in a plain
// std::vector<char> for error messages, freed unwiped when parsing ends. The caller's json_text is
// the caller's to wipe.
//
// Before returning, the parts are checked to form one key (EVP_PKEY_check: primes, CRT values and
// the pairwise relation for RSA; scalar range and d*G == (x, y) for EC), so the token never stores
// a key whose public half does not match its private half.
#include <openssl/rsa.h>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
#include "coldvault/secure_json.hpp"
#include "crypto/public_keys.hpp"

namespace cv::crypto {
namespace {

// An import body is a few KiB even for RSA-4096.
constexpr std::size_t kMaxJwkBytes = 64 * 1024;

// Wipes a decoded buffer, including spare capacity, when it goes out of scope.
struct Scrub {
  Bytes& b;
  ~Scrub() {
    b.resize(b.capacity());
    secure_wipe(b.data(), b.size());
  }
};

Result<SecureJson> parse_object(std::string_view text) {
  if (text.size() > kMaxJwkBytes) return fail(Errc::BadParameter, "JWK too large");
  SecureJson j = SecureJson::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  // nlohmann's own message would quote the offending input, which may be key material.
  if (j.is_discarded() || !j.is_object())
    return fail(Errc::BadParameter, "JWK is not a JSON object");
  return j;
}

Result<std::string_view> member(const SecureJson& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    return fail(Errc::BadParameter, std::string("JWK lacks string member ") + name);
  const auto& s = it->get_ref<const SecureString&>();
  return std::string_view(s.data(), s.size());
}

Result<Bytes> decode_member(const SecureJson& j, const char* name) {
  auto text = member(j, name);
  if (!text) return std::unexpected(text.error());
  auto bytes = base64url_decode(*text);
  if (!bytes)
    return fail(Errc::BadParameter, std::string("JWK member ") + name + " is not base64url");
  return bytes;
}

// A secret member as a BIGNUM in OpenSSL's "secure" class (see the file comment).
Result<ossl::SecretBnPtr> secret_bn(const SecureJson& j, const char* name) {
  auto text = member(j, name);
  if (!text) return std::unexpected(text.error());
  auto bytes = base64url_decode(*text);
  if (!bytes)
    return fail(Errc::BadParameter, std::string("JWK member ") + name + " is not base64url");
  Scrub scrub{*bytes};
  if (bytes->empty())
    return fail(Errc::BadParameter, std::string("JWK member ") + name + " is empty");
  ossl::SecretBnPtr bn(BN_secure_new());
  if (!bn || !BN_bin2bn(bytes->data(), static_cast<int>(bytes->size()), bn.get()))
    return ossl::fail_ossl(Errc::Internal, "cannot allocate key part");
  return bn;
}

// Builds a key pair from params and runs OpenSSL's full check on it.
Result<void> check_keypair(const char* type, OSSL_PARAM_BLD* bld) {
  ossl::ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx) return ossl::fail_ossl(Errc::Internal, "cannot build key from JWK");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "JWK parts do not form a key");
  ossl::PkeyPtr pkey(raw);
  ossl::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_check(check.get()) != 1)
    return ossl::fail_ossl(Errc::BadParameter, "JWK parts do not form a consistent key");
  return {};
}

Result<void> rsa_from_jwk(const SecureJson& j, RsaPrivate& out) {
  // Multi-prime keys (RFC 7518 "oth") have no PKCS#11 template to go into.
  if (j.contains("oth")) return fail(Errc::Unsupported, "multi-prime RSA keys are not supported");
  auto n_text = member(j, "n");
  if (!n_text) return std::unexpected(n_text.error());
  auto e_text = member(j, "e");
  if (!e_text) return std::unexpected(e_text.error());
  auto pub = rsa_public_from_jwk(*n_text, *e_text);
  if (!pub) return std::unexpected(pub.error());
  out.n = std::move(pub->n);
  out.e = std::move(pub->e);

  struct Part {
    const char* member;
    const char* param;
    SecureBytes* dest;
  };
  const Part parts[] = {{"d", OSSL_PKEY_PARAM_RSA_D, &out.d},
                        {"p", OSSL_PKEY_PARAM_RSA_FACTOR1, &out.p},
                        {"q", OSSL_PKEY_PARAM_RSA_FACTOR2, &out.q},
                        {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1, &out.dp},
                        {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2, &out.dq},
                        {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &out.qi}};
  ossl::BnPtr n = ossl::bn_from(out.n);
  ossl::BnPtr e = ossl::bn_from(out.e);
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build RSA key");
  // The builder refers to the BIGNUMs until to_param, so they live until check_keypair returns.
  std::vector<ossl::SecretBnPtr> bns;
  for (const Part& part : parts) {
    auto bn = secret_bn(j, part.member);
    if (!bn) return std::unexpected(bn.error());
    if (OSSL_PARAM_BLD_push_BN(bld.get(), part.param, bn->get()) != 1)
      return ossl::fail_ossl(Errc::Internal, "cannot build RSA key");
    *part.dest = ossl::bn_secure_bytes(bn->get());
    bns.push_back(std::move(*bn));
  }
  return check_keypair("RSA", bld.get());
}

Result<void> ec_from_jwk(const SecureJson& j, EcPrivate& out) {
  auto crv = member(j, "crv");
  if (!crv) return std::unexpected(crv.error());
  auto x = member(j, "x");
  if (!x) return std::unexpected(x.error());
  auto y = member(j, "y");
  if (!y) return std::unexpected(y.error());
  auto pub = ec_public_from_jwk(*crv, *x, *y);
  if (!pub) return std::unexpected(pub.error());
  out.pub = std::move(*pub);
  const std::size_t width = curve_bytes(out.pub.curve);
  auto d = secret_bn(j, "d");
  if (!d) return std::unexpected(d.error());
  // RFC 7518 wants d at full width; shorter (leading zeros dropped) is tolerated, longer is not.
  if (static_cast<std::size_t>(BN_num_bytes(d->get())) > width)
    return fail(Errc::BadParameter, "JWK member d is too long for the curve");
  auto point = detail::raw_ec_point(out.pub);
  if (!point) return std::unexpected(point.error());
  ossl::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      detail::group_name(out.pub.curve), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point->data(),
                                       point->size()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d->get()) != 1)
    return ossl::fail_ossl(Errc::Internal, "cannot build EC key");
  out.d = ossl::bn_secure_bytes(d->get(), width);
  return check_keypair("EC", bld.get());
}

}  // namespace

Result<PrivateKeyParts> parse_private_jwk(std::string_view json_text) {
  auto j = parse_object(json_text);
  if (!j) return std::unexpected(j.error());
  auto kty = member(*j, "kty");
  if (!kty) return std::unexpected(kty.error());
  PrivateKeyParts parts;
  if (*kty == "RSA" || *kty == "RSA-HSM") {
    parts.is_rsa = true;
    if (auto r = rsa_from_jwk(*j, parts.rsa); !r) return std::unexpected(r.error());
  } else if (*kty == "EC" || *kty == "EC-HSM") {
    if (auto r = ec_from_jwk(*j, parts.ec); !r) return std::unexpected(r.error());
  } else {
    return fail(Errc::BadParameter,
                "unsupported JWK kty for a key pair; allowed: RSA, RSA-HSM, "
                "EC, EC-HSM");
  }
  return parts;
}

Result<SecureBytes> parse_oct_jwk(std::string_view json_text) {
  auto j = parse_object(json_text);
  if (!j) return std::unexpected(j.error());
  auto kty = member(*j, "kty");
  if (!kty) return std::unexpected(kty.error());
  if (*kty != "oct" && *kty != "oct-HSM")
    return fail(Errc::BadParameter,
                "unsupported JWK kty for a symmetric key; allowed: oct, oct-HSM");
  auto k = decode_member(*j, "k");
  if (!k) return std::unexpected(k.error());
  Scrub scrub{*k};
  if (k->size() != 16 && k->size() != 24 && k->size() != 32)
    return fail(Errc::BadParameter, "JWK member k must be 16, 24 or 32 bytes");
  return SecureBytes(k->begin(), k->end());
}

}  // namespace cv::crypto
