// Shamir sharing (coldvault/shamir.hpp): the field checked exhaustively against a plain reference,
// thresholds by enumerating subsets, a vector worked by hand, refusals, and interoperation both
// ways with Debian's libgfshare (same field, same x convention).
#include "coldvault/shamir.hpp"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/gf256.hpp"

extern "C" {
#include <libgfshare.h>
}

namespace {

using cv::Bytes;
using cv::Errc;
using cv::SecureBytes;
using cv::shamir::Share;
namespace gf = cv::shamir::gf;

Bytes random_secret(std::size_t n) {
  Bytes b(n);
  EXPECT_EQ(RAND_bytes(b.data(), static_cast<int>(n)), 1);
  return b;
}

// Every k-element subset of `all`, in lexicographic order of indices.
std::vector<std::vector<Share>> subsets(const std::vector<Share>& all, unsigned k) {
  std::vector<std::vector<Share>> out;
  std::vector<unsigned> idx(k);
  for (unsigned i = 0; i < k; ++i) idx[i] = i;
  const unsigned n = static_cast<unsigned>(all.size());
  while (true) {
    std::vector<Share> pick;
    for (unsigned i : idx) pick.push_back(all[i]);
    out.push_back(std::move(pick));
    int i = static_cast<int>(k) - 1;
    while (i >= 0 && idx[i] == n - k + static_cast<unsigned>(i)) --i;
    if (i < 0) return out;
    ++idx[i];
    for (unsigned j = static_cast<unsigned>(i) + 1; j < k; ++j) idx[j] = idx[j - 1] + 1;
  }
}

unsigned long binomial(unsigned n, unsigned k) {
  unsigned long r = 1;
  for (unsigned i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

Bytes plain(const SecureBytes& s) { return Bytes(s.begin(), s.end()); }

// libgfshare 2.x leaves its random source NULL and calls it when splitting and also in
// gfshare_ctx_free (it scrambles the buffer before freeing), so every interop test needs one.
void rand_bytes_filler(unsigned char* buf, unsigned int n) {
  if (RAND_bytes(buf, static_cast<int>(n)) != 1) std::abort();
}

class ShamirInterop : public ::testing::Test {
 protected:
  void SetUp() override { gfshare_fill_rand = rand_bytes_filler; }
};

struct Config {
  unsigned m, n;
};
constexpr Config kConfigs[] = {{2, 3}, {3, 5}, {2, 10}};

}  // namespace

// Reference multiplication by the schoolbook route: full carry-less product, then reduce by 0x11d
// from the top bit down. A different algorithm from gf::mul, so a shared mistake is unlikely.
TEST(Gf256, Mul_MatchesCarrylessProductReducedBy0x11dForAllPairs) {
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      unsigned p = 0;
      for (int i = 0; i < 8; ++i)
        if ((b >> i) & 1u) p ^= a << i;
      for (int bit = 14; bit >= 8; --bit)
        if ((p >> bit) & 1u) p ^= 0x11du << (bit - 8);
      ASSERT_EQ(gf::mul(static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)), p)
          << a << " * " << b;
    }
  }
}

TEST(Gf256, Inv_TimesValueIsOneForEveryNonZeroElement) {
  for (unsigned a = 1; a < 256; ++a)
    ASSERT_EQ(gf::mul(static_cast<std::uint8_t>(a), gf::inv(static_cast<std::uint8_t>(a))), 1) << a;
  // 3 * 0xf4 = 1 is used by the hand-worked vector below.
  EXPECT_EQ(gf::inv(3), 0xf4);
}

TEST(Shamir, Split_HandsOutXOneToNWithSecretLengthShares) {
  auto secret = random_secret(17);
  auto shares = cv::shamir::split(secret, 3, 7);
  ASSERT_TRUE(shares) << shares.error().message;
  ASSERT_EQ(shares->size(), 7u);
  for (unsigned i = 0; i < 7; ++i) {
    EXPECT_EQ((*shares)[i].x, i + 1);
    EXPECT_EQ((*shares)[i].y.size(), 17u);
  }
}

TEST(Shamir, Combine_EveryMSubsetRebuildsTheSecret) {
  for (auto [m, n] : kConfigs) {
    auto secret = random_secret(32);
    auto shares = cv::shamir::split(secret, m, n);
    ASSERT_TRUE(shares) << shares.error().message;
    auto picks = subsets(*shares, m);
    ASSERT_EQ(picks.size(), binomial(n, m));
    for (const auto& pick : picks) {
      auto got = cv::shamir::combine(pick);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_EQ(plain(*got), secret) << "m=" << m << " n=" << n << " first x=" << +pick[0].x;
    }
    // More than m shares lie on the same polynomial, so all n rebuild it too.
    auto all = cv::shamir::combine(*shares);
    ASSERT_TRUE(all);
    EXPECT_EQ(plain(*all), secret);
  }
}

// With m-1 shares the interpolated value is uniform and independent of the secret: for 32 random
// bytes it equals the secret with probability 2^-256 per subset.
TEST(Shamir, Combine_MMinusOneSharesGiveADifferentValue) {
  for (auto [m, n] : kConfigs) {
    auto secret = random_secret(32);
    auto shares = cv::shamir::split(secret, m, n);
    ASSERT_TRUE(shares);
    for (const auto& pick : subsets(*shares, m - 1)) {
      auto got = cv::shamir::combine(pick);
      ASSERT_TRUE(got) << got.error().message;
      EXPECT_NE(plain(*got), secret) << "m=" << m << " n=" << n;
    }
  }
}

TEST(Shamir, Split_TwiceGivesDifferentShares) {
  auto secret = random_secret(32);
  auto a = cv::shamir::split(secret, 2, 3);
  auto b = cv::shamir::split(secret, 2, 3);
  ASSERT_TRUE(a && b);
  EXPECT_NE(plain((*a)[0].y), plain((*b)[0].y));
}

// Worked by hand in GF(2^8)/0x11d, two secret bytes, m = 3:
//   byte 0: f(x) = 0x2a + 0x07 x + 0x00 x^2.  2*0x07 = 0x0e, 3*0x07 = 0x07^0x0e = 0x09,
//           so f(1) = 0x2a^0x07 = 0x2d, f(2) = 0x2a^0x0e = 0x24, f(3) = 0x2a^0x09 = 0x23.
//   byte 1: f(x) = 0x01 + 0x80 x + 0x01 x^2.  2*0x80 = 0x100^0x11d = 0x1d,
//           3*0x80 = 0x1d^0x80 = 0x9d; x^2: 1, 4, 3*3 = 0x05. f(1) = 0x01^0x80^0x01 = 0x80, f(2) =
//           0x01^0x1d^0x04 = 0x18, f(3) = 0x01^0x9d^0x05 = 0x99.
// Lagrange at 0 for x = {1,2,3}: l_1 = 2*3/((2^1)(3^1)) = 6/(3*2) = 1,
//   l_2 = 1*3/((1^2)(3^2)) = 3/(3*1) = 1, l_3 = 1*2/((1^3)(2^3)) = 2/(2*1) = 1:
//   byte 0: 0x2d^0x24^0x23 = 0x2a, byte 1: 0x80^0x18^0x99 = 0x01.
// With only x = {1,2} (m-1 shares), the line through them at 0: l_1 = 2/3 = 2*0xf4 = 0xf5,
//   l_2 = 1/3 = 0xf4. Byte 0 has no x^2 term, so its line is f itself: 0xf5*0x2d ^ 0xf4*0x24 =
//   0x36^0x1c = 0x2a. Byte 1's x^2 term is what hides it: 0xf5*0x80 ^ 0xf4*0x18 = 0x0b^0x08 = 0x03.
TEST(Shamir, Combine_MatchesHandWorkedVector) {
  std::vector<Share> shares = {
      {1, SecureBytes{0x2d, 0x80}}, {2, SecureBytes{0x24, 0x18}}, {3, SecureBytes{0x23, 0x99}}};
  auto got = cv::shamir::combine(shares);
  ASSERT_TRUE(got);
  EXPECT_EQ(plain(*got), (Bytes{0x2a, 0x01}));

  shares.pop_back();
  auto two = cv::shamir::combine(shares);
  ASSERT_TRUE(two);
  EXPECT_EQ(plain(*two), (Bytes{0x2a, 0x03}));
}

TEST(Shamir, Combine_RefusesNoShares) {
  auto got = cv::shamir::combine({});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::BadParameter);
}

TEST(Shamir, Combine_RefusesShareAtXZero) {
  auto got = cv::shamir::combine({{0, SecureBytes{1}}, {1, SecureBytes{2}}});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::BadParameter);
}

TEST(Shamir, Combine_RefusesTwoSharesWithTheSameXAndNamesIt) {
  auto got = cv::shamir::combine({{1, SecureBytes{1}}, {7, SecureBytes{2}}, {7, SecureBytes{2}}});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::BadParameter);
  EXPECT_NE(got.error().message.find("x = 7"), std::string::npos) << got.error().message;
}

TEST(Shamir, Combine_RefusesSharesOfDifferentLengths) {
  auto got = cv::shamir::combine({{1, SecureBytes{1, 2}}, {2, SecureBytes{3}}});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::BadParameter);
}

TEST(Shamir, Combine_RefusesEmptyOrOversizedShares) {
  EXPECT_FALSE(cv::shamir::combine({{1, SecureBytes{}}, {2, SecureBytes{}}}));
  EXPECT_FALSE(cv::shamir::combine({{1, SecureBytes(65, 1)}, {2, SecureBytes(65, 2)}}));
}

TEST(Shamir, Split_RefusesBadThresholdsAndSizes) {
  auto secret = random_secret(32);
  for (auto [m, n] : {Config{0, 3}, Config{1, 3}, Config{4, 3}, Config{2, 256}, Config{2, 0}}) {
    auto got = cv::shamir::split(secret, m, n);
    ASSERT_FALSE(got) << "m=" << m << " n=" << n;
    EXPECT_EQ(got.error().code, Errc::BadParameter);
  }
  auto empty = cv::shamir::split(Bytes{}, 2, 3);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::BadParameter);
  auto big = cv::shamir::split(Bytes(65, 1), 2, 3);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::BadParameter);
}

TEST(Shamir, Split_AcceptsTheEdges) {
  for (std::size_t len : {std::size_t{1}, std::size_t{64}}) {
    auto secret = random_secret(len);
    auto shares = cv::shamir::split(secret, 255, 255);
    ASSERT_TRUE(shares) << shares.error().message;
    auto got = cv::shamir::combine(*shares);
    ASSERT_TRUE(got);
    EXPECT_EQ(plain(*got), secret);
  }
}

TEST_F(ShamirInterop, OurSharesCombineInLibgfshare) {
  for (auto [m, n] : kConfigs) {
    auto secret = random_secret(32);
    auto shares = cv::shamir::split(secret, m, n);
    ASSERT_TRUE(shares);
    for (const auto& pick : subsets(*shares, m)) {
      std::vector<unsigned char> xs;
      for (const auto& s : pick) xs.push_back(s.x);
      gfshare_ctx* ctx = gfshare_ctx_init_dec(xs.data(), m, 32);
      ASSERT_NE(ctx, nullptr);
      for (unsigned i = 0; i < m; ++i) {
        Bytes y = plain(pick[i].y);
        gfshare_ctx_dec_giveshare(ctx, static_cast<unsigned char>(i), y.data());
      }
      Bytes out(32);
      gfshare_ctx_dec_extract(ctx, out.data());
      gfshare_ctx_free(ctx);
      EXPECT_EQ(out, secret) << "m=" << m << " n=" << n;
    }
  }
}

TEST_F(ShamirInterop, LibgfshareSharesCombineInOurs) {
  for (auto [m, n] : kConfigs) {
    auto secret = random_secret(32);
    std::vector<unsigned char> xs;
    for (unsigned i = 1; i <= n; ++i) xs.push_back(static_cast<unsigned char>(i));
    gfshare_ctx* ctx = gfshare_ctx_init_enc(xs.data(), n, static_cast<unsigned char>(m), 32);
    ASSERT_NE(ctx, nullptr);
    gfshare_ctx_enc_setsecret(ctx, secret.data());
    std::vector<Share> shares;
    for (unsigned i = 0; i < n; ++i) {
      Bytes y(32);
      gfshare_ctx_enc_getshare(ctx, static_cast<unsigned char>(i), y.data());
      shares.push_back({xs[i], SecureBytes(y.begin(), y.end())});
    }
    gfshare_ctx_free(ctx);
    for (const auto& pick : subsets(shares, m)) {
      auto got = cv::shamir::combine(pick);
      ASSERT_TRUE(got);
      EXPECT_EQ(plain(*got), secret) << "m=" << m << " n=" << n;
    }
    // And libgfshare's threshold is the same m: m-1 of its shares do not rebuild the secret.
    for (const auto& pick : subsets(shares, m - 1)) {
      auto got = cv::shamir::combine(pick);
      ASSERT_TRUE(got);
      EXPECT_NE(plain(*got), secret);
    }
  }
}
