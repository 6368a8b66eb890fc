// Key operations: every algorithm on each key type it applies to, checked against OpenSSL as the
// outside party, and every refusal (algorithm, sizes, key_ops, enabled, nbf, exp).
#include "hsm/keys_fixture.hpp"
#include "hsm/token_env.hpp"
#include "vault/key_cache.hpp"

using namespace cv;
using cvtest::KeysTest;

class KeysOps : public KeysTest {
 protected:
  cvtest::Pkey public_of(vault::Keys& k, const std::string& name, const std::string& version = "") {
    return cvtest::public_from_der(*k.public_key_der(name, version));
  }
};

TEST_F(KeysOps, Rsa_EncryptDecryptWrapUnwrapEveryAlgorithm) {
  auto k = keys();
  ASSERT_TRUE(k.create("rsa", spec("RSA", 2048)));
  for (const char* alg : {"RSA-OAEP", "RSA-OAEP-256", "RSA1_5"}) {
    auto ct = k.encrypt("rsa", "", alg, b("attack at dawn"));
    ASSERT_TRUE(ct) << alg << ": " << ct.error().message;
    EXPECT_EQ(ct->value.size(), 256u);
    EXPECT_EQ(ct->kid.rfind("https://main.vault.localhost/keys/rsa/", 0), 0u);
    auto pt = k.decrypt("rsa", "", alg, bytes(ct->value));
    ASSERT_TRUE(pt) << alg << ": " << pt.error().message;
    EXPECT_EQ(bytes(pt->value), b("attack at dawn"));
    Bytes cek(32, 0x42);
    auto w = k.wrap("rsa", "", alg, cek);
    ASSERT_TRUE(w);
    auto u = k.unwrap("rsa", "", alg, bytes(w->value));
    ASSERT_TRUE(u) << alg;
    EXPECT_EQ(bytes(u->value), cek);
  }
}

TEST_F(KeysOps, Rsa_DecryptsWhatOpenSslEncryptedWithOaepSha1AndSha256) {
  auto k = keys();
  ASSERT_TRUE(k.create("rsa3k", spec("RSA", 3072)));
  auto pub = public_of(k, "rsa3k");
  for (auto [alg, md] : {std::pair{"RSA-OAEP", EVP_sha1()}, std::pair{"RSA-OAEP-256", EVP_sha256()}}) {
    auto ct = cvtest::openssl_oaep_encrypt(pub.get(), md, b("from outside"));
    ASSERT_EQ(ct.size(), 384u);
    auto pt = k.decrypt("rsa3k", "", alg, ct);
    ASSERT_TRUE(pt) << alg << ": " << pt.error().message;
    EXPECT_EQ(bytes(pt->value), b("from outside"));
  }
  // SHA-1 ciphertext under the SHA-256 algorithm fails as one BadParameter, whatever the cause.
  auto ct = cvtest::openssl_oaep_encrypt(pub.get(), EVP_sha1(), b("x"));
  auto wrong = k.decrypt("rsa3k", "", "RSA-OAEP-256", ct);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::BadParameter);
}

TEST_F(KeysOps, Rsa_CiphertextOfWrongLengthIsBadParameter) {
  auto k = keys();
  ASSERT_TRUE(k.create("rsa", spec("RSA")));
  auto r = k.decrypt("rsa", "", "RSA-OAEP", Bytes(255, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("exactly 256"), std::string::npos);
  EXPECT_EQ(k.unwrap("rsa", "", "RSA-OAEP", Bytes(257, 1)).error().code, Errc::BadParameter);
  EXPECT_EQ(k.encrypt("rsa", "", "RSA-OAEP", Bytes(300, 1)).error().code, Errc::BadParameter) << "too long";
}

TEST_F(KeysOps, Rsa_SignEveryAlgorithmVerifiesInOpenSslAndHere) {
  auto k = keys();
  ASSERT_TRUE(k.create("signer", spec("RSA-HSM", 2048)));
  auto pub = public_of(k, "signer");
  struct Case {
    const char* alg;
    Hash h;
    const EVP_MD* md;
    int salt;
  };
  for (auto c : {Case{"RS256", Hash::Sha256, EVP_sha256(), -100}, Case{"RS384", Hash::Sha384, EVP_sha384(), -100},
                 Case{"RS512", Hash::Sha512, EVP_sha512(), -100}, Case{"PS256", Hash::Sha256, EVP_sha256(), 32},
                 Case{"PS384", Hash::Sha384, EVP_sha384(), 48}, Case{"PS512", Hash::Sha512, EVP_sha512(), 64}}) {
    auto dgst = cvtest::digest(c.h, std::string("message for ") + c.alg);
    auto sig = k.sign("signer", "", c.alg, dgst);
    ASSERT_TRUE(sig) << c.alg << ": " << sig.error().message;
    Bytes s = bytes(sig->value);
    EXPECT_EQ(s.size(), 256u);
    EXPECT_TRUE(cvtest::openssl_verify(pub.get(), c.md, dgst, s, c.salt)) << c.alg;
    if (c.salt > 0) {
      EXPECT_TRUE(cvtest::openssl_verify(pub.get(), c.md, dgst, s, -2)) << "auto salt";
    }
    EXPECT_TRUE(*k.verify("signer", "", c.alg, dgst, s)) << c.alg;
    s[10] ^= 1;
    auto v = k.verify("signer", "", c.alg, dgst, s);
    ASSERT_TRUE(v) << "a wrong signature is false, not an error";
    EXPECT_FALSE(*v);
    EXPECT_FALSE(*k.verify("signer", "", c.alg, dgst, Bytes(3, 0)));
  }
}

TEST_F(KeysOps, Ec_SignEveryCurveRawRsConvertsToDerForOpenSsl) {
  auto k = keys();
  struct Case {
    const char* crv;
    const char* alg;
    Hash h;
    const EVP_MD* md;
    std::size_t len;
  };
  for (auto c : {Case{"P-256", "ES256", Hash::Sha256, EVP_sha256(), 64},
                 Case{"P-384", "ES384", Hash::Sha384, EVP_sha384(), 96},
                 Case{"P-521", "ES512", Hash::Sha512, EVP_sha512(), 132}}) {
    std::string name = std::string("ec-") + c.alg;
    ASSERT_TRUE(k.create(name, spec("EC", {}, c.crv)));
    auto dgst = cvtest::digest(c.h, name);
    auto sig = k.sign(name, "", c.alg, dgst);
    ASSERT_TRUE(sig) << c.alg << ": " << sig.error().message;
    ASSERT_EQ(sig->value.size(), c.len);
    auto der = crypto::ecdsa_raw_to_der(bytes(sig->value));
    ASSERT_TRUE(der);
    EXPECT_TRUE(cvtest::openssl_verify(public_of(k, name).get(), c.md, dgst, *der)) << c.alg;
    EXPECT_TRUE(*k.verify(name, "", c.alg, dgst, bytes(sig->value)));
    auto other = cvtest::digest(c.h, "other");
    EXPECT_FALSE(*k.verify(name, "", c.alg, other, bytes(sig->value)));
  }
}

TEST_F(KeysOps, Sign_RefusesAlgorithmNotFittingKeyAndWrongDigestLength) {
  auto k = keys();
  ASSERT_TRUE(k.create("p256", spec("EC")));
  ASSERT_TRUE(k.create("rsa", spec("RSA")));
  auto r = k.sign("p256", "", "ES384", cvtest::digest(Hash::Sha384, "x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("Allowed: ES256"), std::string::npos) << r.error().message;
  EXPECT_EQ(k.sign("p256", "", "RS256", cvtest::digest(Hash::Sha256, "x")).error().code, Errc::BadParameter);
  EXPECT_EQ(k.sign("rsa", "", "ES256", cvtest::digest(Hash::Sha256, "x")).error().code, Errc::BadParameter);
  EXPECT_EQ(k.sign("rsa", "", "HS256", cvtest::digest(Hash::Sha256, "x")).error().code, Errc::BadParameter);
  r = k.sign("p256", "", "ES256", Bytes(20, 1));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("32-byte"), std::string::npos);
  EXPECT_EQ(k.sign("rsa", "", "PS512", cvtest::digest(Hash::Sha256, "x")).error().code, Errc::BadParameter);
  EXPECT_EQ(k.verify("p256", "", "ES256", Bytes(31, 1), Bytes(64, 1)).error().code, Errc::BadParameter);
  EXPECT_EQ(k.encrypt("rsa", "", "A256GCM", b("x")).error().code, Errc::BadParameter);
}

TEST_F(KeysOps, Oct_GcmEveryKeySizeRoundTripsWithTheTokensIv) {
  auto k = keys();
  for (unsigned bits : {128u, 192u, 256u}) {
    std::string name = "aes" + std::to_string(bits), alg = "A" + std::to_string(bits) + "GCM";
    ASSERT_TRUE(k.create(name, spec("oct-HSM", bits)));
    Bytes aad = b("header");
    auto ct = k.encrypt(name, "", alg, b("secret data"), {}, aad);
    ASSERT_TRUE(ct) << alg << ": " << ct.error().message;
    EXPECT_EQ(ct->iv.size(), 12u);
    EXPECT_EQ(ct->tag.size(), 16u);
    EXPECT_EQ(ct->value.size(), 11u) << "value is the ciphertext without its tag";
    auto pt = k.decrypt(name, "", alg, bytes(ct->value), ct->iv, aad, ct->tag);
    ASSERT_TRUE(pt) << pt.error().message;
    EXPECT_EQ(bytes(pt->value), b("secret data"));
    Bytes tag = ct->tag;
    tag[0] ^= 1;
    auto bad = k.decrypt(name, "", alg, bytes(ct->value), ct->iv, aad, tag);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::BadParameter);
    EXPECT_FALSE(k.decrypt(name, "", alg, bytes(ct->value), ct->iv, b("other"), ct->tag));
  }
  // The tag stays 128 bits: a shorter one is refused, not checked as a truncated tag.
  EXPECT_EQ(k.decrypt("aes128", "", "A128GCM", b("x"), Bytes(12, 1), {}, Bytes(8, 1)).error().code,
            Errc::BadParameter);
  EXPECT_EQ(k.decrypt("aes128", "", "A128GCM", b("x"), Bytes(8, 1), {}, Bytes(16, 1)).error().code,
            Errc::BadParameter);
  auto mismatch = k.encrypt("aes128", "", "A256GCM", b("x"));
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("A128GCM"), std::string::npos);
}

TEST_F(KeysOps, Oct_GcmEncryptTwiceGivesFreshIvsAndBothDecrypt) {
  auto k = keys();
  ASSERT_TRUE(k.create("aes", spec("oct-HSM", 256)));
  auto one = k.encrypt("aes", "", "A256GCM", b("same plaintext"));
  auto two = k.encrypt("aes", "", "A256GCM", b("same plaintext"));
  ASSERT_TRUE(one && two);
  ASSERT_EQ(one->iv.size(), 12u);
  ASSERT_EQ(two->iv.size(), 12u);
  EXPECT_NE(one->iv, two->iv);
  EXPECT_NE(bytes(one->value), bytes(two->value)) << "a fresh nonce gives a different ciphertext";
  for (const auto* r : {&*one, &*two}) {
    auto pt = k.decrypt("aes", "", "A256GCM", bytes(r->value), r->iv, {}, r->tag);
    ASSERT_TRUE(pt) << pt.error().message;
    EXPECT_EQ(bytes(pt->value), b("same plaintext"));
  }
}

TEST_F(KeysOps, Oct_GcmEncryptRefusesACallerIv) {
  auto k = keys();
  ASSERT_TRUE(k.create("aes", spec("oct-HSM", 128)));
  for (std::size_t n : {12u, 8u, 16u}) {
    auto r = k.encrypt("aes", "", "A128GCM", b("x"), Bytes(n, 7));
    ASSERT_FALSE(r) << n << "-byte iv accepted";
    EXPECT_EQ(r.error().code, Errc::BadParameter);
    EXPECT_EQ(r.error().message, "iv must not be supplied for AES-GCM encryption: the HSM generates it.");
  }
  // The algorithm check comes first: a mismatched algorithm names the one the key takes.
  auto mismatch = k.encrypt("aes", "", "A256GCM", b("x"), Bytes(12, 7));
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("A128GCM"), std::string::npos);
}

TEST_F(KeysOps, Oct_KeyWrapMatchesRfc3394AndRefusesMismatchedSize) {
  auto k = keys();
  // Import a known KEK so the result can be checked against OpenSSL's RFC 3394 implementation.
  Bytes kek(32);
  for (std::size_t i = 0; i < kek.size(); ++i) kek[i] = static_cast<std::uint8_t>(0xA0 + i);
  nlohmann::json jwk = {{"kty", "oct-HSM"}, {"k", base64url_encode(kek)}};
  ASSERT_TRUE(k.import_jwk("kek", sec(jwk.dump()), {}));
  Bytes cek(32, 0x5C);
  auto w = k.wrap("kek", "", "A256KW", cek);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(w->value.size(), 40u);
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  EVP_EncryptInit_ex(c, EVP_aes_256_wrap(), nullptr, kek.data(), nullptr);
  Bytes expect(40);
  int len = 0;
  EVP_EncryptUpdate(c, expect.data(), &len, cek.data(), static_cast<int>(cek.size()));
  EVP_CIPHER_CTX_free(c);
  EXPECT_EQ(bytes(w->value), expect);
  auto u = k.unwrap("kek", "", "A256KW", bytes(w->value));
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(bytes(u->value), cek);
  Bytes tampered = bytes(w->value);
  tampered[5] ^= 1;
  auto bad = k.unwrap("kek", "", "A256KW", tampered);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::BadParameter) << bad.error().message << " " << bad.error().native;
  EXPECT_EQ(k.unwrap("kek", "", "A256KW", Bytes(20, 1)).error().code, Errc::BadParameter);
  EXPECT_EQ(k.wrap("kek", "", "A256KW", Bytes(15, 1)).error().code, Errc::BadParameter);
  ASSERT_TRUE(k.create("small", spec("oct", 128)));
  auto r = k.wrap("small", "", "A256KW", cek);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_NE(r.error().message.find("A128KW"), std::string::npos);
  EXPECT_TRUE(k.wrap("small", "", "A128KW", cek));
}

TEST_F(KeysOps, Enforced_KeyOpsEnabledNbfExp) {
  auto k = keys();
  auto s = spec("RSA");
  s.ops = std::vector<std::string>{"encrypt"};
  ASSERT_TRUE(k.create("enc-only", s));
  auto r = k.decrypt("enc-only", "", "RSA-OAEP", Bytes(256, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Forbidden);
  EXPECT_EQ(r.error().message, "Operation decrypt is not permitted on this key.");
  EXPECT_EQ(k.sign("enc-only", "", "RS256", Bytes(32, 1)).error().message,
            "Operation sign is not permitted on this key.");
  EXPECT_EQ(k.unwrap("enc-only", "", "RSA-OAEP", Bytes(256, 1)).error().message,
            "Operation unwrapKey is not permitted on this key.");
  ASSERT_TRUE(k.encrypt("enc-only", "", "RSA-OAEP", b("ok")));

  auto off = spec("EC");
  off.attributes.enabled = false;
  ASSERT_TRUE(k.create("off", off));
  auto d = k.sign("off", "", "ES256", Bytes(32, 1));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, Errc::Disabled);
  EXPECT_EQ(http_status(d.error().code), 403);
  auto later = spec("EC");
  later.attributes.nbf = vault::Service::now() + 3600;
  ASSERT_TRUE(k.create("later", later));
  EXPECT_EQ(k.sign("later", "", "ES256", Bytes(32, 1)).error().code, Errc::Forbidden);
  auto expired = spec("EC");
  expired.attributes.exp = vault::Service::now() - 3600;
  ASSERT_TRUE(k.create("expired", expired));
  EXPECT_EQ(k.verify("expired", "", "ES256", Bytes(32, 1), Bytes(64, 1)).error().code, Errc::Forbidden);

  // Widening key_ops later takes effect at once, with the same cached material.
  vault::UpdateKey u;
  u.ops = std::vector<std::string>{"encrypt", "decrypt"};
  ASSERT_TRUE(k.update("enc-only", "", u));
  auto ct = k.encrypt("enc-only", "", "RSA-OAEP", b("now"));
  EXPECT_TRUE(k.decrypt("enc-only", "", "RSA-OAEP", bytes(ct->value)));
}

TEST_F(KeysOps, Cache_HoldsUnwrappedObjectsAndDeletePurgeEvictThem) {
  auto k = keys();
  ASSERT_TRUE(k.create("c1", spec("EC")));
  ASSERT_TRUE(k.create("c2", spec("EC")));
  auto& cache = svc->key_cache();
  EXPECT_EQ(cache.size(), 0u) << "create leaves nothing unwrapped";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(k.sign("c1", "", "ES256", Bytes(32, 1)));
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_TRUE(k.sign("c2", "", "ES256", Bytes(32, 1)));
  EXPECT_EQ(cache.size(), 2u);
  ASSERT_TRUE(k.remove("c1"));
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_TRUE(k.recover("c1"));
  ASSERT_TRUE(k.sign("c1", "", "ES256", Bytes(32, 1)));
  ASSERT_TRUE(k.remove("c1"));
  ASSERT_TRUE(k.purge("c1"));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(KeyCache, EvictsLeastRecentlyUsedBeyondCapacityAndDestroysIt) {
  cvtest::TokenEnv env;
  ASSERT_TRUE(env.ready());
  auto token = env.open();
  CV_SKIP_UNLESS_MECHS(token, cv::hsm::Mech::AesGcm);
  vault::KeyCache cache(2);
  auto make = [&] { return *token.generate_secret_key(hsm::KeyType::Aes, 256, hsm::KeyUsage{.encrypt = true}); };
  auto h1 = make(), h2 = make(), h3 = make();
  cache.put(token, "v|a|1", h1);
  cache.put(token, "v|b|1", h2);
  ASSERT_TRUE(cache.find("v|a|1"));  // a is now the most recent
  cache.put(token, "v|c|1", h3);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.find("v|b|1"));
  EXPECT_FALSE(token.gcm_encrypt(h2, Bytes(12, 0), {}, Bytes(4, 0))) << "evicted handle was destroyed";
  EXPECT_TRUE(token.gcm_encrypt(h1, Bytes(12, 0), {}, Bytes(4, 0)));
  cache.evict_prefix("v|a|");
  EXPECT_EQ(cache.size(), 1u);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
}
