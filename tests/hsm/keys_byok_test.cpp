// BYOK import (docs/keys.md, "BYOK"): OpenSSL stands in for the exporting HSM, building a .byok for a
// KEK of the vault; the imported key must then be the same key, and every bad blob must store nothing.
#include <openssl/x509.h>

#include "coldvault/byok.hpp"
#include "hsm/keys_fixture.hpp"

using namespace cv;
using cvtest::KeysTest;

class KeysByok : public KeysTest {
 protected:
  // A KEK: RSA-HSM 2048 with key_ops ["import"]; its versioned kid.
  std::string make_kek(const std::string& name, std::vector<std::string> ops = {"import"}) {
    auto s = spec("RSA-HSM", 2048);
    s.ops = ops;
    auto r = keys().create(name, s);
    EXPECT_TRUE(r) << r.error().message;
    return vault::key_json(*r, vault::Shape::Bundle)["key"]["kid"].get<std::string>();
  }
  cvtest::Pkey kek_public(const std::string& name) {
    return cvtest::public_from_der(*keys().public_key_der(name, ""));
  }
  // ciphertext = RSA-OAEP-SHA1(KEK, aes) || AES-KWP(aes, target), as the BYOK specification lays it out.
  static Bytes byok_ciphertext(EVP_PKEY* kek, const Bytes& target) {
    Bytes aes(32);
    for (std::size_t i = 0; i < aes.size(); ++i) aes[i] = static_cast<std::uint8_t>(i * 7 + 3);
    Bytes out = cvtest::openssl_oaep_encrypt(kek, EVP_sha1(), aes);
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    EVP_EncryptInit_ex(c, EVP_aes_256_wrap_pad(), nullptr, aes.data(), nullptr);
    Bytes wrapped(target.size() + 16);
    int len = 0;
    EVP_EncryptUpdate(c, wrapped.data(), &len, target.data(), static_cast<int>(target.size()));
    EVP_CIPHER_CTX_free(c);
    wrapped.resize(static_cast<std::size_t>(len));
    out.insert(out.end(), wrapped.begin(), wrapped.end());
    return out;
  }
  static std::string byok(const std::string& kid, const Bytes& ciphertext) {
    nlohmann::json j = {{"schema_version", "1.0.0"},
                        {"header", {{"kid", kid}, {"alg", "dir"}, {"enc", "CKM_RSA_AES_KEY_WRAP"}}},
                        {"ciphertext", base64url_encode(ciphertext)},
                        {"generator", "coldvault tests"}};
    return base64url_encode(to_bytes(j.dump()));
  }
  static Bytes pkcs8(EVP_PKEY* k) {
    PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(k);
    unsigned char* der = nullptr;
    int len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
    Bytes out(der, der + len);
    OPENSSL_free(der);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return out;
  }
  bool stored(const std::string& name) { return static_cast<bool>(keys().get(name, "")); }
};

TEST_F(KeysByok, RsaTargetImportsAndSignsAsTheSameKey) {
  auto kid = make_kek("kek");
  auto target = cvtest::openssl_rsa(2048);
  auto blob = byok(kid, byok_ciphertext(kek_public("kek").get(), pkcs8(target.get())));
  auto r = keys().import_byok("moved", blob, spec("RSA-HSM"));
  ASSERT_TRUE(r) << r.error().message;
  auto dgst = cvtest::digest(Hash::Sha256, "moved by byok");
  auto sig = keys().sign("moved", "", "RS256", dgst);
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_TRUE(cvtest::openssl_verify(target.get(), EVP_sha256(), dgst, bytes(sig->value)));
}

TEST_F(KeysByok, OctTargetImportsAndDecryptsWhatTheSameKeyEncrypted) {
  auto kid = make_kek("kek");
  Bytes aes(32, 0x5a);
  auto r = keys().import_byok("sym", byok(kid, byok_ciphertext(kek_public("kek").get(), aes)), spec("oct-HSM"));
  ASSERT_TRUE(r) << r.error().message;
  // A256KW under the imported key is RFC 3394 with the same 32 bytes: OpenSSL's unwrap must agree.
  Bytes payload(16, 0x11);
  auto w = keys().wrap("sym", "", "A256KW", payload);
  ASSERT_TRUE(w) << w.error().message;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  EVP_DecryptInit_ex(c, EVP_aes_256_wrap(), nullptr, aes.data(), nullptr);
  Bytes out(w->value.size());
  int len = 0;
  int ok = EVP_DecryptUpdate(c, out.data(), &len, w->value.data(), static_cast<int>(w->value.size()));
  EVP_CIPHER_CTX_free(c);
  ASSERT_GT(ok, 0);
  out.resize(static_cast<std::size_t>(len));
  EXPECT_EQ(out, payload);
}

TEST_F(KeysByok, RefusesBlobForAnotherKekAndStoresNothing) {
  auto kid = make_kek("kek");
  auto target = cvtest::openssl_rsa(2048);
  auto ct = byok_ciphertext(kek_public("kek").get(), pkcs8(target.get()));
  auto other = kid.substr(0, kid.rfind('/')) + "/00000000000000000000000000000000";
  auto r = keys().import_byok("moved", byok(other, ct), spec("RSA-HSM"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("does not name a key version of this vault"), std::string::npos);
  EXPECT_FALSE(stored("moved"));
}

TEST_F(KeysByok, RefusesTamperedCiphertextAndStoresNothing) {
  auto kid = make_kek("kek");
  auto target = cvtest::openssl_rsa(2048);
  auto ct = byok_ciphertext(kek_public("kek").get(), pkcs8(target.get()));
  for (std::size_t at : {std::size_t{10}, ct.size() - 5}) {  // in the OAEP part, then in the key-wrap part
    Bytes bad = ct;
    bad[at] ^= 0x01;
    auto r = keys().import_byok("moved", byok(kid, bad), spec("RSA-HSM"));
    ASSERT_FALSE(r) << "flipped byte " << at;
    EXPECT_EQ(r.error().code, Errc::BadParameter);
    EXPECT_EQ(r.error().message, "the key_hsm ciphertext does not unwrap under KEK " + kid);
  }
  EXPECT_FALSE(stored("moved"));
}

TEST_F(KeysByok, RefusesKekWithoutImportOpAndStoresNothing) {
  auto kid = make_kek("plain", {"encrypt", "decrypt"});
  auto target = cvtest::openssl_rsa(2048);
  auto r = keys().import_byok("moved", byok(kid, byok_ciphertext(kek_public("plain").get(), pkcs8(target.get()))),
                              spec("RSA-HSM"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("is not a key-exchange key"), std::string::npos);
  EXPECT_FALSE(stored("moved"));
}

TEST_F(KeysByok, RefusesMalformedBlobs) {
  auto kid = make_kek("kek");
  for (const std::string& blob : {std::string("!!"), base64url_encode(to_bytes("{not json")),
                                  base64url_encode(to_bytes(R"({"schema_version":"1.0.0","ciphertext":"AA"})"))}) {
    auto r = keys().import_byok("moved", blob, spec("RSA-HSM"));
    ASSERT_FALSE(r) << blob;
    EXPECT_EQ(r.error().code, Errc::BadParameter);
  }
  auto ec = keys().import_byok("moved", byok(kid, Bytes(300, 1)), spec("EC-HSM"));
  ASSERT_FALSE(ec);
  EXPECT_EQ(ec.error().code, Errc::BadParameter);
  EXPECT_FALSE(stored("moved"));
}

// An EC target: the token keeps no public point on the private key, so the import recovers it from the
// key's own signatures. The point it reports must be the OpenSSL key's, with or without crv given, and a
// signature made through the vault must verify with the OpenSSL key.
TEST_F(KeysByok, EcTargetImportsWithItsOwnPublicPointOnEveryCurve) {
  auto kid = make_kek("kek");
  struct Case { const char* ossl; const char* crv; const char* alg; Hash h; const EVP_MD* md; };
  int i = 0;
  for (Case c : {Case{"P-256", "P-256", "ES256", Hash::Sha256, EVP_sha256()},
                 Case{"P-384", "P-384", "ES384", Hash::Sha384, EVP_sha384()},
                 Case{"P-521", "P-521", "ES512", Hash::Sha512, EVP_sha512()}}) {
    for (bool give_crv : {true, false}) {
      std::string name = "ec" + std::to_string(i++);
      auto target = cvtest::openssl_ec(c.ossl);
      auto s = spec("EC-HSM");
      if (give_crv) s.crv = c.crv;
      auto r = keys().import_byok(name, byok(kid, byok_ciphertext(kek_public("kek").get(), pkcs8(target.get()))), s);
      ASSERT_TRUE(r) << c.crv << " " << r.error().message;
      auto j = vault::key_json(*r, vault::Shape::Bundle)["key"];
      EXPECT_EQ(j["crv"], c.crv);
      // The public key coldvault describes is the OpenSSL key's public key.
      auto der = keys().public_key_der(name, "");
      ASSERT_TRUE(der) << der.error().message;
      auto pub = cvtest::public_from_der(*der);
      EXPECT_EQ(EVP_PKEY_eq(pub.get(), target.get()), 1) << c.crv << (give_crv ? " with crv" : " without crv");
      auto dgst = cvtest::digest(c.h, "moved by byok");
      auto sig = keys().sign(name, "", c.alg, dgst);
      ASSERT_TRUE(sig) << sig.error().message;
      auto ok = keys().verify(name, "", c.alg, dgst, bytes(sig->value));
      ASSERT_TRUE(ok);
      EXPECT_TRUE(*ok);
    }
  }
}

TEST_F(KeysByok, EcTargetWithAnotherCurveNamedIsRefusedAndStoresNothing) {
  auto kid = make_kek("kek");
  auto target = cvtest::openssl_ec("P-384");
  auto s = spec("EC-HSM");
  s.crv = "P-256";
  auto r = keys().import_byok("moved", byok(kid, byok_ciphertext(kek_public("kek").get(), pkcs8(target.get()))), s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_EQ(r.error().message, "The key_hsm target is not a P-256 key.");
  EXPECT_FALSE(stored("moved"));
}

TEST_F(KeysByok, ExportThenImportMovesTheSameEcKey) {
  auto kid = make_kek("kek");
  auto s = spec("EC-HSM");
  s.crv = "P-384";
  s.exportable = true;
  ASSERT_TRUE(keys().create("orig", s));
  auto pem = keys().public_key_pem("kek", "");
  ASSERT_TRUE(pem);
  auto text = vault::export_byok(*svc, "main", "orig", "", *pem, kid);
  ASSERT_TRUE(text) << text.error().message;
  auto r = keys().import_byok("moved", base64url_encode(to_bytes(*text)), spec("EC-HSM"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*keys().public_key_der("moved", ""), *keys().public_key_der("orig", ""));
  auto dgst = cvtest::digest(Hash::Sha384, "round trip");
  auto sig = keys().sign("moved", "", "ES384", dgst);
  ASSERT_TRUE(sig) << sig.error().message;
  auto ok = keys().verify("orig", "", "ES384", dgst, bytes(sig->value));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(*ok);
}

TEST_F(KeysByok, ExportThenImportMovesTheSameRsaKey) {
  auto kid = make_kek("kek");
  auto s = spec("RSA-HSM", 3072);
  s.exportable = true;
  auto made = keys().create("orig", s);
  ASSERT_TRUE(made) << made.error().message;
  auto pem = keys().public_key_pem("kek", "");
  ASSERT_TRUE(pem);
  // A key not made exportable never leaves: refused, whatever the KEK.
  ASSERT_TRUE(keys().create("kept", spec("RSA-HSM", 2048)));
  auto kept = vault::export_byok(*svc, "main", "kept", "", *pem, kid);
  ASSERT_FALSE(kept);
  EXPECT_EQ(kept.error().code, Errc::Forbidden);
  EXPECT_NE(kept.error().message.find("was not created exportable"), std::string::npos) << kept.error().message;
  // Rotation keeps the property.
  ASSERT_TRUE(keys().rotate("orig"));
  auto text = vault::export_byok(*svc, "main", "orig", "", *pem, kid);
  ASSERT_TRUE(text) << text.error().message;
  auto j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["header"]["kid"], kid);
  EXPECT_EQ(j["header"]["enc"], "CKM_RSA_AES_KEY_WRAP");
  auto r = keys().import_byok("moved", base64url_encode(to_bytes(*text)), spec("RSA-HSM"));
  ASSERT_TRUE(r) << r.error().message;
  auto dgst = cvtest::digest(Hash::Sha256, "round trip");
  auto sig = keys().sign("moved", "", "PS256", dgst);
  ASSERT_TRUE(sig) << sig.error().message;
  auto ok = keys().verify("orig", "", "PS256", dgst, bytes(sig->value));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE(*ok);
}

TEST_F(KeysByok, ExportRefusesAKekThatIsNotAnRsaPublicKeyPem) {
  ASSERT_TRUE(keys().create("orig", spec("oct-HSM", 256)));
  auto r = vault::export_byok(*svc, "main", "orig", "", "not a pem", "https://x/keys/kek/1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
}
