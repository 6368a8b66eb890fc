// The vault bundle's byte layout (docs/bundle-format.md) without a token: records, index, footer, preamble,
// nonces and the RFC 9162 Merkle root, and every refusal of a malformed piece.
#include <gtest/gtest.h>

#include "bundle/format.hpp"
#include "coldvault/crypto.hpp"

using namespace cv;
using namespace cv::bundle;

namespace {

fmt::Record sample() {
  fmt::Record r;
  r.type = store::ObjType::Secret;
  r.object = {"db-pass", std::string(32, 'b'), 1700000000, 1707776000};
  store::VersionRow a;
  a.version = std::string(32, 'a');
  a.content_type = "text/plain";
  a.tags = {{"env", "prod"}};
  a.enabled = false;
  a.nbf = 1600000000;
  a.created = 1;
  a.updated = 2;
  a.meta_json = "{}";
  store::VersionRow b = a;
  b.version = std::string(32, 'b');
  b.content_type.reset();
  b.nbf.reset();
  b.exp = 4102444800;
  b.enabled = true;
  r.versions = {a, b};
  r.kinds = {fmt::Material::SecretValue, fmt::Material::SecretValue};
  r.material = {to_secure("alpha"), to_secure("")};
  return r;
}

std::array<std::uint8_t, 32> digest_of(char c) {
  std::array<std::uint8_t, 32> d;
  d.fill(static_cast<std::uint8_t>(c));
  return d;
}

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST(BundleFormat, Record_RoundTripsEveryField) {
  auto r = sample();
  auto bytes = fmt::encode_record(r);
  auto back = fmt::decode_record(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->object.name, "db-pass");
  EXPECT_EQ(back->object.deleted_date, 1700000000);
  EXPECT_EQ(back->object.scheduled_purge, 1707776000);
  ASSERT_EQ(back->versions.size(), 2u);
  EXPECT_EQ(back->versions[0].content_type, "text/plain");
  EXPECT_EQ(back->versions[0].tags.at("env"), "prod");
  EXPECT_FALSE(back->versions[0].enabled);
  EXPECT_EQ(back->versions[0].nbf, 1600000000);
  EXPECT_FALSE(back->versions[0].exp);
  EXPECT_FALSE(back->versions[1].content_type);
  EXPECT_EQ(back->versions[1].exp, 4102444800);
  EXPECT_EQ(std::string(back->material[0].begin(), back->material[0].end()), "alpha");
  EXPECT_TRUE(back->material[1].empty());
}

TEST(BundleFormat, Record_RefusesEveryTruncation) {
  auto bytes = fmt::encode_record(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(fmt::decode_record(ByteView(bytes.data(), n))) << "cut at " << n;
}

TEST(BundleFormat, Record_RefusesTrailingBytesAndLengthLies) {
  auto bytes = fmt::encode_record(sample());
  Bytes longer(bytes.begin(), bytes.end());
  longer.push_back(0);
  EXPECT_FALSE(fmt::decode_record(longer));
  longer[3] += 1;  // the length now covers the extra byte: trailing bytes after the last version
  auto r = fmt::decode_record(longer);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("after its last version"), std::string::npos) << r.error().message;
}

TEST(BundleFormat, Record_RefusesMaterialOfAnotherKindAndAMissingCurrentVersion) {
  auto r = sample();
  r.kinds[1] = fmt::Material::WrappedKey;
  EXPECT_FALSE(fmt::decode_record(fmt::encode_record(r)));
  r = sample();
  r.object.current_version = std::string(32, 'c');
  auto bad = fmt::decode_record(fmt::encode_record(r));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("current version"), std::string::npos);
  r = sample();
  r.object.name = "no/slash";
  EXPECT_FALSE(fmt::decode_record(fmt::encode_record(r)));
}

TEST(BundleFormat, Index_RoundTripsAndMustCoverTheBodyContiguously) {
  std::vector<fmt::IndexEntry> e = {{store::ObjType::Certificate, false, "web", 1, 0, 100},
                                    {store::ObjType::Key, true, "k", 3, 100, 50}};
  auto b = fmt::encode_index(e);
  auto back = fmt::decode_index(b, 150);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ((*back)[1].name, "k");
  EXPECT_TRUE((*back)[1].deleted);
  EXPECT_EQ((*back)[1].versions, 3);
  EXPECT_FALSE(fmt::decode_index(b, 151)) << "a body longer than the index covers";
  e[1].pt_off = 101;
  EXPECT_FALSE(fmt::decode_index(fmt::encode_index(e), 151)) << "a gap between records";
  b.push_back(0);
  EXPECT_FALSE(fmt::decode_index(b, 150));
}

TEST(BundleFormat, Footer_RefusesOffsetsThatDoNotDescribeTheFile) {
  fmt::Footer f{100, 300, 40, 340, 404, 50, 30};  // two digests, then manifest and signature
  const std::uint64_t size = 404 + 50 + 30 + fmt::kFooterBytes;
  auto b = fmt::encode_footer(f);
  ASSERT_TRUE(fmt::decode_footer(b, size));
  EXPECT_FALSE(fmt::decode_footer(b, size + 1)) << "a byte appended";
  EXPECT_FALSE(fmt::decode_footer(b, size - 1)) << "a byte missing";
  auto moved = f;
  moved.digests_off += 1;
  EXPECT_FALSE(fmt::decode_footer(fmt::encode_footer(moved), size));
  b[50] ^= 1;
  EXPECT_FALSE(fmt::decode_footer(b, size)) << "magic";
}

TEST(BundleFormat, Preamble_RefusesOtherMagicVersionAndLength) {
  auto p = fmt::encode_preamble(10);
  ASSERT_TRUE(fmt::decode_preamble(p));
  auto q = p;
  q[0] = 'X';
  EXPECT_FALSE(fmt::decode_preamble(q));
  q = p;
  q[9] = 2;
  EXPECT_FALSE(fmt::decode_preamble(q));
  EXPECT_FALSE(fmt::decode_preamble(fmt::encode_preamble(0)));
  EXPECT_FALSE(fmt::decode_preamble(fmt::encode_preamble(fmt::kMaxHeader + 1)));
}

TEST(BundleFormat, NoncesDifferPerChunkAndFromTheIndex) {
  Bytes base(12, 0x5a), id(16, 1);
  EXPECT_NE(fmt::chunk_iv(base, 0), fmt::chunk_iv(base, 1));
  EXPECT_EQ(fmt::chunk_iv(base, 0), base);
  for (std::uint64_t i : {0ull, 1ull, 255ull, 65536ull, (1ull << 32) - 1}) EXPECT_NE(fmt::chunk_iv(base, i), fmt::index_iv(base));
  EXPECT_NE(fmt::chunk_aad(id, 3, false), fmt::chunk_aad(id, 3, true));
  EXPECT_EQ(fmt::chunk_aad(id, 3, true).size(), 29u);
}

TEST(BundleFormat, MerkleRoot_IsRfc9162TreeHash) {
  auto a = digest_of('a'), b = digest_of('b'), c = digest_of('c');
  const Bytes zero{0x00}, one{0x01};
  auto leaf = [&](const std::array<std::uint8_t, 32>& d) { return crypto::sha256(cat({zero, ByteView(d.data(), 32)})); };
  auto node = [&](const Bytes& l, const Bytes& r) { return crypto::sha256(cat({one, l, r})); };
  EXPECT_EQ(fmt::merkle_root({a}), leaf(a));
  EXPECT_EQ(fmt::merkle_root({a, b}), node(leaf(a), leaf(b)));
  // Three leaves split at the largest power of two below 3: (a b) c.
  EXPECT_EQ(fmt::merkle_root({a, b, c}), node(node(leaf(a), leaf(b)), leaf(c)));
  EXPECT_NE(fmt::merkle_root({b, a, c}), fmt::merkle_root({a, b, c})) << "order matters";
}

// Golden bytes straight from docs/bundle-format.md: an encoder and decoder that agree with each other but not
// with the spec fail here.
TEST(BundleFormat, GoldenBytes_MatchTheSpec) {
  auto hex = [](ByteView b) { return to_hex(b); };
  EXPECT_EQ(hex(fmt::encode_preamble(10)), "435642310d0a1a0a000100000000000a");
  EXPECT_EQ(hex(fmt::encode_footer({1, 2, 3, 4, 5, 6, 7})),
            "0000000000000001" "0000000000000002" "0000000000000003" "0000000000000004" "0000000000000005"
            "00000006" "00000007" "43564231454e4400");
  EXPECT_EQ(hex(fmt::encode_index({{store::ObjType::Key, true, "k", 3, 100, 50}})),
            "43564249" "00000001" "02" "01" "0001" "6b" "0003" "0000000000000064" "00000032");
  Bytes base(12, 0x5a), id(16, 0x01);
  EXPECT_EQ(hex(fmt::chunk_iv(base, 1)), "5a5a5a5a5a5a5a5a5a5a5a5b");
  EXPECT_EQ(hex(fmt::chunk_iv(base, 0x0102030405060708ull)), "5a5a5a5a5b58595e5f5c5d52");
  EXPECT_EQ(hex(fmt::index_iv(base)), "5a5a5a5b5a5a5a5a5a5a5a5a");
  EXPECT_EQ(hex(fmt::chunk_aad(id, 3, true)), "43564231" "01010101010101010101010101010101" "0000000000000003" "01");
  EXPECT_EQ(hex(fmt::index_aad(id)), "435642312d696e646578" "01010101010101010101010101010101");
}
