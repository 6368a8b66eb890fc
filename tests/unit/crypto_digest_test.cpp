// Digests, constant-time comparison and DigestInfo framing.
#include <gtest/gtest.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "coldvault/crypto.hpp"

namespace cv::crypto {
namespace {

TEST(Digest, MatchesKnownVectorsForAbc) {
  // FIPS 180-2 appendix examples for "abc".
  const ByteView abc = as_bytes("abc");
  EXPECT_EQ(to_hex(digest(Hash::Sha1, abc)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(to_hex(digest(Hash::Sha256, abc)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(digest(Hash::Sha384, abc)),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(to_hex(digest(Hash::Sha512, abc)),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(Digest, Sha256OfEmptyInput) {
  EXPECT_EQ(to_hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(EqualCt, ComparesContentsAndLength) {
  const Bytes a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4}, d{1, 2};
  EXPECT_TRUE(equal_ct(a, b));
  EXPECT_FALSE(equal_ct(a, c));
  EXPECT_FALSE(equal_ct(a, d));
  EXPECT_TRUE(equal_ct(Bytes{}, Bytes{}));
}

TEST(DigestInfo, ParsesAsDerWithTheRightAlgorithm) {
  const std::pair<Hash, int> cases[] = {{Hash::Sha1, NID_sha1},
                                        {Hash::Sha256, NID_sha256},
                                        {Hash::Sha384, NID_sha384},
                                        {Hash::Sha512, NID_sha512}};
  for (auto [h, nid] : cases) {
    const Bytes md = digest(h, as_bytes("message"));
    const Bytes info = digest_info(h, md);
    const unsigned char* p = info.data();
    X509_SIG* sig = d2i_X509_SIG(nullptr, &p, static_cast<long>(info.size()));
    ASSERT_NE(sig, nullptr);
    EXPECT_EQ(p, info.data() + info.size()) << "no trailing bytes";
    const X509_ALGOR* alg = nullptr;
    const ASN1_OCTET_STRING* value = nullptr;
    X509_SIG_get0(sig, &alg, &value);
    const ASN1_OBJECT* oid = nullptr;
    int param_type = 0;
    X509_ALGOR_get0(&oid, &param_type, nullptr, alg);
    EXPECT_EQ(OBJ_obj2nid(oid), nid);
    EXPECT_EQ(param_type, V_ASN1_NULL);  // RFC 8017 DigestInfo carries NULL parameters
    EXPECT_EQ(Bytes(value->data, value->data + value->length), md);
    X509_SIG_free(sig);
  }
}

}  // namespace
}  // namespace cv::crypto
