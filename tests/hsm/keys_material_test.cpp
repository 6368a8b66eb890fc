// Key material never leaves the token in plaintext: the catalogue holds only wrapped bytes, unwrapped
// objects refuse to show their value, and the bytes of an imported key are in no file of the home.
#include <algorithm>
#include <fstream>
#include <iterator>

#include "hsm/keys_fixture.hpp"
#include "vault/key_material.hpp"

using namespace cv;
using cvtest::KeysTest;

class KeysMaterial : public KeysTest {
 protected:
  static bool contains(const Bytes& hay, const Bytes& needle) {
    return !needle.empty() && std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
  }
  // Files under the test folder that contain needle.
  std::vector<std::string> files_containing(const Bytes& needle) {
    std::vector<std::string> hits;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (contains(data, needle)) hits.push_back(e.path().string());
    }
    return hits;
  }
  store::VersionRow row(const std::string& name) {
    return *svc->catalog().version("main", store::ObjType::Key, name, "");
  }
};

TEST_F(KeysMaterial, ImportedKeyBytesAreInNoFileUnderTheHome) {
  auto rsa = cvtest::openssl_rsa(2048);
  auto ec = cvtest::openssl_ec("P-256");
  Bytes rsa_d = cvtest::bn_param(rsa.get(), OSSL_PKEY_PARAM_RSA_D);
  Bytes rsa_p = cvtest::bn_param(rsa.get(), OSSL_PKEY_PARAM_RSA_FACTOR1);
  Bytes ec_d = cvtest::bn_param(ec.get(), OSSL_PKEY_PARAM_PRIV_KEY);
  Bytes oct_k(32);
  for (std::size_t i = 0; i < oct_k.size(); ++i) oct_k[i] = static_cast<std::uint8_t>(0x3C ^ (i * 29));
  ASSERT_GE(rsa_d.size(), 250u);
  ASSERT_GE(ec_d.size(), 30u);

  auto k = keys();
  ASSERT_TRUE(k.import_pem("planted-rsa", sec(cvtest::private_pem(rsa.get())), {}, {}));
  ASSERT_TRUE(k.import_pem("planted-ec", sec(cvtest::private_pem(ec.get())), {}, {}));
  nlohmann::json jwk = {{"kty", "oct"}, {"k", base64url_encode(oct_k)}};
  ASSERT_TRUE(k.import_jwk("planted-oct", sec(jwk.dump()), {}));
  // Use them, so unwrapped objects exist and the token has had every chance to write something.
  ASSERT_TRUE(k.sign("planted-rsa", "", "RS256", Bytes(32, 1)));
  ASSERT_TRUE(k.sign("planted-ec", "", "ES256", Bytes(32, 1)));
  ASSERT_TRUE(k.encrypt("planted-oct", "", "A256GCM", b("x")));

  // The catalogue rows hold wrapped bytes, not the key.
  for (const char* name : {"planted-rsa", "planted-ec", "planted-oct"}) {
    auto v = row(name);
    EXPECT_FALSE(v.ciphertext.empty());
    EXPECT_FALSE(contains(v.ciphertext, rsa_d) || contains(v.ciphertext, ec_d) || contains(v.ciphertext, oct_k))
        << name;
    EXPECT_EQ(v.meta_json.find(base64url_encode(ec_d)), std::string::npos);
  }
  EXPECT_NE(row("planted-oct").ciphertext, oct_k);

  auto scan = [&](const char* when) {
    for (const auto& [what, needle] : {std::pair{"RSA d", rsa_d}, std::pair{"RSA p", rsa_p},
                                       std::pair{"EC d", ec_d}, std::pair{"oct k", oct_k}}) {
      auto hits = files_containing(needle);
      EXPECT_TRUE(hits.empty()) << what << " found " << when << " in " << (hits.empty() ? "" : hits[0]);
      auto b64 = base64url_encode(needle);
      EXPECT_TRUE(files_containing(to_bytes(b64)).empty()) << what << " (base64url) found " << when;
    }
  };
  scan("while the home is open");
  svc.reset();
  scan("after the home is closed");
  reopen();
  EXPECT_TRUE(keys().sign("planted-ec", "", "ES256", Bytes(32, 1))) << "the wrapped key still works";
}

TEST_F(KeysMaterial, UnwrappedObjectsNeverShowTheirValue) {
  auto k = keys();
  ASSERT_TRUE(k.create("r", spec("RSA")));
  ASSERT_TRUE(k.create("e", spec("EC")));
  ASSERT_TRUE(k.create("o", spec("oct")));
  auto vk = svc->vault("main");
  ASSERT_TRUE(vk);
  for (const char* name : {"r", "e", "o"}) {
    auto v = row(name);
    for (bool extractable : {false, true}) {
      auto h = vault::unwrap_stored_key(*svc, **vk, v, extractable);
      ASSERT_TRUE(h) << name << ": " << h.error().message;
      EXPECT_FALSE(svc->token().value_readable(*h)) << name << " extractable=" << extractable;
      EXPECT_TRUE(svc->token().sensitive(*h)) << name << " extractable=" << extractable;
      ASSERT_TRUE(svc->token().destroy(*h));
    }
  }
  // The objects the cache keeps for operations are no different.
  ASSERT_TRUE(k.encrypt("o", "", "A256GCM", b("x")));
  auto cached = vault::cached_key(*svc, **vk, "o", row("o"));
  ASSERT_TRUE(cached);
  EXPECT_FALSE(svc->token().value_readable(*cached));
  EXPECT_EQ(vault::key_type_of(row("e")), hsm::KeyType::Ec);
  EXPECT_TRUE(vault::key_usage_of(row("r"), false).decrypt);
  EXPECT_FALSE(vault::key_usage_of(row("r"), false).extractable);
}

TEST_F(KeysMaterial, VaultMasterKeyCarriesAnEnforcedUnwrapTemplate) {
  auto vk = svc->vault("main");
  ASSERT_TRUE(vk);
  EXPECT_TRUE(svc->token().has_unwrap_template((*vk)->master));
  auto enforced = svc->token().unwrap_template_enforced((*vk)->master);
  ASSERT_TRUE(enforced) << enforced.error().message;
  EXPECT_TRUE(*enforced);
}

TEST_F(KeysMaterial, WrappedBytesMovedToAnotherVaultDoNotUnwrap) {
  ASSERT_TRUE(svc->create_vault({"other", 90, false}));
  auto k = keys();
  ASSERT_TRUE(k.create("mine", spec("EC")));
  auto other = svc->vault("other");
  ASSERT_TRUE(other);
  auto h = vault::unwrap_stored_key(*svc, **other, row("mine"), false);
  ASSERT_FALSE(h) << "another vault's master key cannot open this material";
  EXPECT_EQ(h.error().code, Errc::Corruption);
}
