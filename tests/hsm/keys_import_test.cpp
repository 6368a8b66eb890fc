// Key import: PEM (plain and password-protected) and JWK with private parts; the imported key then
// works in the token and matches the material OpenSSL made.
#include "hsm/keys_fixture.hpp"

using namespace cv;
using cvtest::KeysTest;

class KeysImport : public KeysTest {};

namespace {

std::string b64p(EVP_PKEY* k, const char* name) { return base64url_encode(cvtest::bn_param(k, name)); }

std::string rsa_jwk(EVP_PKEY* k) {
  nlohmann::json j = {{"kty", "RSA"},
                      {"n", b64p(k, OSSL_PKEY_PARAM_RSA_N)},
                      {"e", b64p(k, OSSL_PKEY_PARAM_RSA_E)},
                      {"d", b64p(k, OSSL_PKEY_PARAM_RSA_D)},
                      {"p", b64p(k, OSSL_PKEY_PARAM_RSA_FACTOR1)},
                      {"q", b64p(k, OSSL_PKEY_PARAM_RSA_FACTOR2)},
                      {"dp", b64p(k, OSSL_PKEY_PARAM_RSA_EXPONENT1)},
                      {"dq", b64p(k, OSSL_PKEY_PARAM_RSA_EXPONENT2)},
                      {"qi", b64p(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1)},
                      {"key_ops", {"sign", "verify"}}};
  return j.dump();
}

Bytes left_pad(Bytes v, std::size_t n) {
  v.insert(v.begin(), n - v.size(), 0);
  return v;
}

std::string ec_jwk(EVP_PKEY* k, const char* crv, std::size_t cb) {
  nlohmann::json j = {{"kty", "EC-HSM"},
                      {"crv", crv},
                      {"x", base64url_encode(left_pad(cvtest::bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X), cb))},
                      {"y", base64url_encode(left_pad(cvtest::bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y), cb))},
                      {"d", base64url_encode(left_pad(cvtest::bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY), cb))}};
  return j.dump();
}

}  // namespace

TEST_F(KeysImport, Pem_RsaKeyImportsAndSignsVerifiablyByOpenSsl) {
  auto ossl = cvtest::openssl_rsa(2048);
  auto k = keys();
  auto r = k.import_pem("imp", sec(cvtest::private_pem(ossl.get())), {}, {});
  ASSERT_TRUE(r) << r.error().message;
  auto j = vault::key_json(*r, vault::Shape::Bundle)["key"];
  EXPECT_EQ(j["kty"], "RSA");
  EXPECT_EQ(j["n"], b64p(ossl.get(), OSSL_PKEY_PARAM_RSA_N));
  auto dgst = cvtest::digest(Hash::Sha256, "imported");
  auto sig = k.sign("imp", "", "RS256", dgst);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_TRUE(cvtest::openssl_verify(ossl.get(), EVP_sha256(), dgst, bytes(sig->value)));
}

TEST_F(KeysImport, Pem_EncryptedNeedsTheRightPassword) {
  auto ossl = cvtest::openssl_ec("P-384");
  auto pem = cvtest::private_pem(ossl.get(), "s3cret");
  auto k = keys();
  auto wrong = k.import_pem("enc", sec(pem), sec("nope"), {});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::BadParameter);
  EXPECT_FALSE(k.get("enc", "")) << "a refused import writes nothing";
  vault::KeySpec s;
  s.kty = "EC-HSM";
  auto r = k.import_pem("enc", sec(pem), sec("s3cret"), s);
  ASSERT_TRUE(r) << r.error().message;
  auto j = vault::key_json(*r, vault::Shape::Bundle)["key"];
  EXPECT_EQ(j["kty"], "EC-HSM");
  EXPECT_EQ(j["crv"], "P-384");
  auto dgst = cvtest::digest(Hash::Sha384, "x");
  auto sig = k.sign("enc", "", "ES384", dgst);
  ASSERT_TRUE(sig);
  auto der = crypto::ecdsa_raw_to_der(bytes(sig->value));
  EXPECT_TRUE(cvtest::openssl_verify(ossl.get(), EVP_sha384(), dgst, *der));
}

TEST_F(KeysImport, Pem_RefusesMismatchedKtyUnsupportedSizeAndGarbage) {
  auto k = keys();
  auto ec = cvtest::private_pem(cvtest::openssl_ec("P-256").get());
  vault::KeySpec s;
  s.kty = "RSA";
  EXPECT_EQ(k.import_pem("x", sec(ec), {}, s).error().code, Errc::BadParameter);
  auto small = cvtest::private_pem(cvtest::openssl_rsa(1024).get());
  auto r = k.import_pem("x", sec(small), {}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("2048, 3072, 4096"), std::string::npos);
  EXPECT_EQ(k.import_pem("x", sec("not a pem"), {}, {}).error().code, Errc::BadParameter);
}

TEST_F(KeysImport, Jwk_RsaWithItsOwnKeyOps) {
  auto ossl = cvtest::openssl_rsa(2048);
  auto k = keys();
  auto r = k.import_jwk("jr", sec(rsa_jwk(ossl.get())), {});
  ASSERT_TRUE(r) << r.error().message;
  auto j = vault::key_json(*r, vault::Shape::Bundle)["key"];
  EXPECT_EQ(j["key_ops"], nlohmann::json({"sign", "verify"}));
  auto dgst = cvtest::digest(Hash::Sha512, "jwk");
  auto sig = k.sign("jr", "", "PS512", dgst);
  ASSERT_TRUE(sig);
  EXPECT_TRUE(cvtest::openssl_verify(ossl.get(), EVP_sha512(), dgst, bytes(sig->value), 64));
  EXPECT_EQ(k.encrypt("jr", "", "RSA-OAEP", b("x")).error().code, Errc::Forbidden);
}

TEST_F(KeysImport, Jwk_EcAndOct) {
  auto k = keys();
  auto ossl = cvtest::openssl_ec("P-521");
  auto r = k.import_jwk("je", sec(ec_jwk(ossl.get(), "P-521", 66)), {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(vault::key_json(*r, vault::Shape::Bundle)["key"]["kty"], "EC-HSM");
  auto dgst = cvtest::digest(Hash::Sha512, "p521");
  auto sig = k.sign("je", "", "ES512", dgst);
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->value.size(), 132u);
  EXPECT_TRUE(cvtest::openssl_verify(ossl.get(), EVP_sha512(), dgst, *crypto::ecdsa_raw_to_der(bytes(sig->value))));

  Bytes raw(16);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 7 + 1);
  nlohmann::json oct = {{"kty", "oct"}, {"k", base64url_encode(raw)}};
  auto o = k.import_jwk("jo", sec(oct.dump()), {});
  ASSERT_TRUE(o) << o.error().message;
  // A128GCM under the imported key must match OpenSSL with the same key and the token's IV.
  auto ct = k.encrypt("jo", "", "A128GCM", b("payload"));
  ASSERT_TRUE(ct) << ct.error().message;
  ASSERT_EQ(ct->iv.size(), 12u);
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), nullptr, raw.data(), ct->iv.data());
  Bytes out(7);
  int len = 0;
  EVP_EncryptUpdate(c, out.data(), &len, b("payload").data(), 7);
  EVP_EncryptFinal_ex(c, out.data() + len, &len);
  Bytes tag(16);
  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag.data());
  EVP_CIPHER_CTX_free(c);
  EXPECT_EQ(bytes(ct->value), out);
  EXPECT_EQ(ct->tag, tag);

  nlohmann::json bad_oct = {{"kty", "oct"}, {"k", base64url_encode(Bytes(20, 1))}};
  EXPECT_EQ(k.import_jwk("jo2", sec(bad_oct.dump()), {}).error().code, Errc::BadParameter);
  EXPECT_EQ(k.import_jwk("jo2", sec("{\"kty\":\"RSA\",\"n\":\"AQAB\"}"), {}).error().code, Errc::BadParameter);
  EXPECT_EQ(k.import_jwk("jo2", sec("[1,2"), {}).error().code, Errc::BadParameter);
}
