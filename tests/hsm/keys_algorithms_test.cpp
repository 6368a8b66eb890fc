// The algorithms of Key Vault's 7.6 data plane beyond RS/PS/ES and A*GCM/A*KW: HS256/384/512 on oct keys
// (HMAC in the token), A*CBC and A*CBCPAD on oct keys, ES256K on P-256K. Each result is checked against
// OpenSSL as the outside party, with keys imported from known bytes so OpenSSL can compute the same thing.
// KeysTest runs on the embedded home, always SoftHSM2, so SoftHSM's own limits are asserted where they show.
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "hsm/keys_fixture.hpp"

using namespace cv;
using cvtest::KeysTest;

namespace {

Bytes pattern(std::size_t n, std::uint8_t start) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(start + i);
  return out;
}

Bytes openssl_hmac(const char* md, const Bytes& key, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  std::size_t len = 0;
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(md), 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx, key.data(), key.size(), params);
  EVP_MAC_update(ctx, data.data(), data.size());
  EVP_MAC_final(ctx, out.data(), &len, out.size());
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  out.resize(len);
  return out;
}

const EVP_CIPHER* cbc_cipher(std::size_t key_bytes) {
  return key_bytes == 16 ? EVP_aes_128_cbc() : key_bytes == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
}

Bytes openssl_cbc(const Bytes& key, const Bytes& iv, const Bytes& data, bool pad, bool encrypt) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  EVP_CipherInit_ex(c, cbc_cipher(key.size()), nullptr, key.data(), iv.data(), encrypt ? 1 : 0);
  EVP_CIPHER_CTX_set_padding(c, pad ? 1 : 0);
  Bytes out(data.size() + 32);
  int n = 0, m = 0;
  EVP_CipherUpdate(c, out.data(), &n, data.data(), static_cast<int>(data.size()));
  EVP_CipherFinal_ex(c, out.data() + n, &m);
  EVP_CIPHER_CTX_free(c);
  out.resize(static_cast<std::size_t>(n + m));
  return out;
}

}  // namespace

class KeysAlgorithms : public KeysTest {
 protected:
  // An oct-HSM key imported from known bytes, so OpenSSL can redo what the token did.
  void import_oct(vault::Keys& k, const std::string& name, const Bytes& value) {
    nlohmann::json jwk = {{"kty", "oct-HSM"}, {"k", base64url_encode(value)}};
    auto r = k.import_jwk(name, sec(jwk.dump()), {});
    ASSERT_TRUE(r) << r.error().message;
  }
};

TEST_F(KeysAlgorithms, Hs256_MatchesOpenSslHmacAndVerifiesInTheToken) {
  auto k = keys();
  Bytes key = pattern(32, 0x11);
  import_oct(k, "mac", key);
  for (const Bytes& data : {b("a message"), Bytes(32, 0xAB), Bytes(1000, 7)}) {
    auto mac = k.sign("mac", "", "HS256", data);
    ASSERT_TRUE(mac) << mac.error().message;
    EXPECT_EQ(bytes(mac->value), openssl_hmac("SHA256", key, data));
    EXPECT_EQ(mac->kid.rfind("https://main.vault.localhost/keys/mac/", 0), 0u);
    auto ok = k.verify("mac", "", "HS256", data, bytes(mac->value));
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_TRUE(*ok);
    Bytes wrong = bytes(mac->value);
    wrong[31] ^= 1;
    EXPECT_FALSE(*k.verify("mac", "", "HS256", data, wrong));
    EXPECT_FALSE(*k.verify("mac", "", "HS256", b("another message"), bytes(mac->value)));
    EXPECT_FALSE(*k.verify("mac", "", "HS256", data, Bytes(wrong.begin(), wrong.begin() + 16)));
  }
}

TEST_F(KeysAlgorithms, Hs_ANewOctKeyMayMacByDefaultAndTheMacIsTheKeys) {
  auto k = keys();
  ASSERT_TRUE(k.create("gen", spec("oct-HSM", 256)));
  auto mac = k.sign("gen", "", "HS256", b("x"));
  ASSERT_TRUE(mac) << mac.error().message;
  EXPECT_EQ(mac->value.size(), 32u);
  EXPECT_TRUE(*k.verify("gen", "", "HS256", b("x"), bytes(mac->value)));
  // A second key gives another MAC over the same data: the MAC is keyed by the version's material.
  ASSERT_TRUE(k.create("gen2", spec("oct-HSM", 256)));
  EXPECT_NE(bytes(k.sign("gen2", "", "HS256", b("x"))->value), bytes(mac->value));
  EXPECT_FALSE(*k.verify("gen2", "", "HS256", b("x"), bytes(mac->value)));
}

TEST_F(KeysAlgorithms, Hs384Hs512_SoftHsmRefusesAKeyShorterThanTheHashNamingWhy) {
  auto k = keys();
  import_oct(k, "mac", pattern(32, 0x21));
  for (const char* alg : {"HS384", "HS512"}) {
    auto r = k.sign("mac", "", alg, b("data"));
    ASSERT_FALSE(r) << alg;
    EXPECT_EQ(r.error().code, Errc::Unsupported);
    EXPECT_NE(r.error().message.find(std::string("refuses ") + alg + " with a 256-bit key"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().native, "CKR_KEY_SIZE_RANGE");
  }
  // SoftHSM also refuses HS256 with a 128-bit key (its minimum is the hash length).
  import_oct(k, "short", pattern(16, 0x31));
  auto r = k.sign("short", "", "HS256", b("data"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("HS256 with a 128-bit key"), std::string::npos) << r.error().message;
}

TEST_F(KeysAlgorithms, Hs_RefusedOnRsaAndEcAndOtherAlgsRefusedOnOct) {
  auto k = keys();
  ASSERT_TRUE(k.create("rsa", spec("RSA")));
  ASSERT_TRUE(k.create("ec", spec("EC")));
  import_oct(k, "mac", pattern(32, 0x41));
  for (const char* name : {"rsa", "ec"}) {
    auto r = k.sign(name, "", "HS256", Bytes(32, 1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::BadParameter);
  }
  for (const char* alg : {"RS256", "ES256", "hs256", "HS1", "A256GCM"}) {
    auto r = k.sign("mac", "", alg, Bytes(32, 1));
    ASSERT_FALSE(r) << alg;
    EXPECT_EQ(r.error().code, Errc::BadParameter);
    EXPECT_NE(r.error().message.find("Allowed: HS256, HS384, HS512"), std::string::npos) << r.error().message;
  }
  auto s = spec("oct-HSM", 256);
  s.ops = std::vector<std::string>{"encrypt", "decrypt"};
  ASSERT_TRUE(k.create("enc-only", s));
  EXPECT_EQ(k.sign("enc-only", "", "HS256", b("x")).error().code, Errc::Forbidden);
}

TEST_F(KeysAlgorithms, Cbc_EveryKeySizeMatchesOpenSslBothWays) {
  auto k = keys();
  for (std::size_t n : {16u, 24u, 32u}) {
    std::string name = "aes" + std::to_string(n * 8), a = "A" + std::to_string(n * 8);
    Bytes key = pattern(n, static_cast<std::uint8_t>(n));
    import_oct(k, name, key);
    Bytes iv = pattern(16, 0x70);
    Bytes blocks = pattern(48, 0x01), odd = b("thirteen char");
    // CBC: whole blocks, no padding.
    auto ct = k.encrypt(name, "", a + "CBC", blocks, iv);
    ASSERT_TRUE(ct) << a << ": " << ct.error().message;
    EXPECT_EQ(bytes(ct->value), openssl_cbc(key, iv, blocks, false, true));
    EXPECT_EQ(ct->iv, iv);
    EXPECT_TRUE(ct->tag.empty());
    auto pt = k.decrypt(name, "", a + "CBC", openssl_cbc(key, iv, blocks, false, true), iv);
    ASSERT_TRUE(pt) << pt.error().message;
    EXPECT_EQ(bytes(pt->value), blocks);
    // CBCPAD: PKCS#7, any length.
    auto ctp = k.encrypt(name, "", a + "CBCPAD", odd, iv);
    ASSERT_TRUE(ctp) << ctp.error().message;
    EXPECT_EQ(bytes(ctp->value), openssl_cbc(key, iv, odd, true, true));
    auto ptp = k.decrypt(name, "", a + "CBCPAD", openssl_cbc(key, iv, odd, true, true), iv);
    ASSERT_TRUE(ptp) << ptp.error().message;
    EXPECT_EQ(bytes(ptp->value), odd);
  }
}

TEST_F(KeysAlgorithms, Cbc_WithoutAnIvTheTokenDrawsOneAndReturnsIt) {
  auto k = keys();
  Bytes key = pattern(32, 0x55);
  import_oct(k, "aes", key);
  auto one = k.encrypt("aes", "", "A256CBCPAD", b("same"));
  auto two = k.encrypt("aes", "", "A256CBCPAD", b("same"));
  ASSERT_TRUE(one && two);
  ASSERT_EQ(one->iv.size(), 16u);
  EXPECT_NE(one->iv, two->iv);
  EXPECT_EQ(bytes(one->value), openssl_cbc(key, one->iv, b("same"), true, true));
  auto pt = k.decrypt("aes", "", "A256CBCPAD", bytes(two->value), two->iv);
  ASSERT_TRUE(pt);
  EXPECT_EQ(bytes(pt->value), b("same"));
}

TEST_F(KeysAlgorithms, Cbc_BadInputIsBadParameterWithAPreciseMessage) {
  auto k = keys();
  import_oct(k, "aes", pattern(16, 0x66));
  auto partial = k.encrypt("aes", "", "A128CBC", b("not a block"), Bytes(16, 0));
  ASSERT_FALSE(partial);
  EXPECT_EQ(partial.error().code, Errc::BadParameter);
  EXPECT_NE(partial.error().message.find("Use A128CBCPAD"), std::string::npos) << partial.error().message;
  auto short_iv = k.encrypt("aes", "", "A128CBCPAD", b("x"), Bytes(12, 0));
  ASSERT_FALSE(short_iv);
  EXPECT_EQ(short_iv.error().message, "The iv is 12 bytes; AES-CBC takes 16.");
  EXPECT_EQ(k.decrypt("aes", "", "A128CBCPAD", Bytes(16, 1), {}).error().code, Errc::BadParameter);
  EXPECT_EQ(k.decrypt("aes", "", "A128CBC", Bytes(20, 1), Bytes(16, 0)).error().code, Errc::BadParameter);
  // A ciphertext whose last block does not decrypt to valid PKCS#7 padding.
  Bytes key = pattern(16, 0x66), iv(16, 0);
  Bytes ct = openssl_cbc(key, iv, b("padded text"), true, true);
  Bytes garbage = openssl_cbc(key, iv, Bytes(16, 0x00), false, true);  // decrypts to 16 zero bytes
  auto bad = k.decrypt("aes", "", "A128CBCPAD", garbage, iv);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::BadParameter);
  EXPECT_NE(bad.error().message.find("padding"), std::string::npos) << bad.error().message;
  // The size in the name must be the key's, and the list says what the key takes.
  auto mismatch = k.encrypt("aes", "", "A256CBC", Bytes(16, 0), iv);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("A128GCM, A128CBC, A128CBCPAD"), std::string::npos);
  EXPECT_TRUE(k.decrypt("aes", "", "A128CBCPAD", ct, iv));
}

TEST_F(KeysAlgorithms, Es256k_SignsOnP256kVerifiableByOpenSsl) {
  auto k = keys();
  auto made = k.create("k1", spec("EC-HSM", {}, "P-256K"));
  ASSERT_TRUE(made) << made.error().message;
  auto der = k.public_key_der("k1", "");
  ASSERT_TRUE(der);
  auto pub = cvtest::public_from_der(*der);
  char group[32] = {};
  EVP_PKEY_get_utf8_string_param(pub.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr);
  EXPECT_STREQ(group, "secp256k1");
  Bytes digest = cvtest::digest(Hash::Sha256, "to be signed");
  auto sig = k.sign("k1", "", "ES256K", digest);
  ASSERT_TRUE(sig) << sig.error().message;
  ASSERT_EQ(sig->value.size(), 64u);
  auto sig_der = crypto::ecdsa_raw_to_der(bytes(sig->value));
  ASSERT_TRUE(sig_der);
  EXPECT_TRUE(cvtest::openssl_verify(pub.get(), EVP_sha256(), digest, *sig_der));
  EXPECT_TRUE(*k.verify("k1", "", "ES256K", digest, bytes(sig->value)));
  Bytes other = cvtest::digest(Hash::Sha256, "something else");
  EXPECT_FALSE(*k.verify("k1", "", "ES256K", other, bytes(sig->value)));
  // ES256 names P-256, not P-256K; ES256K on a P-256 key is refused the same way.
  auto wrong = k.sign("k1", "", "ES256", digest);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("Allowed: ES256K"), std::string::npos) << wrong.error().message;
  ASSERT_TRUE(k.create("p256", spec("EC", {}, "P-256")));
  EXPECT_EQ(k.sign("p256", "", "ES256K", digest).error().code, Errc::BadParameter);
}

TEST_F(KeysAlgorithms, Es256k_ImportedP256kKeySignsWhatOpenSslVerifies) {
  auto k = keys();
  auto key = cvtest::openssl_ec("secp256k1");
  ASSERT_TRUE(key);
  auto r = k.import_pem("imp", sec(cvtest::private_pem(key.get())), {}, {});
  ASSERT_TRUE(r) << r.error().message;
  Bytes digest = cvtest::digest(Hash::Sha256, "imported");
  auto sig = k.sign("imp", "", "ES256K", digest);
  ASSERT_TRUE(sig) << sig.error().message;
  auto sig_der = crypto::ecdsa_raw_to_der(bytes(sig->value));
  ASSERT_TRUE(sig_der);
  EXPECT_TRUE(cvtest::openssl_verify(key.get(), EVP_sha256(), digest, *sig_der));
}
