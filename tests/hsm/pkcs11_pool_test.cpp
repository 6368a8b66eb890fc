// One Token shared by several threads: the session pool hands each call its own session.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "coldvault/hsm.hpp"
#include "coldvault/hsm_baseline.hpp"
#include "hsm/token_env.hpp"

namespace {

using cv::Bytes;
using cv::hsm::KeyType;
using cv::hsm::Mech;

class PoolTest : public cvtest::TokenTest {};

TEST_F(PoolTest, Pool_FourThreadsAtOnce) {
  CV_SKIP_UNLESS_MECHS(token(), cv::hsm::Mech::Ecdsa, cv::hsm::Mech::AesGcm,
                       cv::hsm::Mech::AesKeyWrapPad);
  auto mk = token().create_master_key("master");
  ASSERT_TRUE(mk);
  auto ec = token().generate_ec(cv::Curve::P256, {.sign = true, .verify = true});
  ASSERT_TRUE(ec);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        Bytes iv(12, static_cast<std::uint8_t>(t));
        iv[0] = static_cast<std::uint8_t>(i);
        Bytes msg(64, static_cast<std::uint8_t>(i));
        auto ct = token().gcm_encrypt(*mk, iv, {}, msg);
        if (!ct) {
          ++failures;
          continue;
        }
        auto pt = token().gcm_decrypt(*mk, iv, {}, *ct);
        if (!pt || !std::equal(pt->begin(), pt->end(), msg.begin(), msg.end())) ++failures;
        auto k =
            token().generate_secret_key(KeyType::Aes, 256, {.encrypt = true, .extractable = true});
        if (!k) {
          ++failures;
          continue;
        }
        auto w = token().wrap(Mech::AesKeyWrapPad, *mk, *k);
        if (!w || !token().destroy(*k)) ++failures;
        auto sig = token().sign(Mech::Ecdsa, ec->priv, Bytes(32, 1));
        if (!sig) {
          ++failures;
          continue;
        }
        auto ok = token().verify(Mech::Ecdsa, ec->pub, Bytes(32, 1), *sig);
        if (!ok || !*ok) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(PoolTest, Baseline_RawLoopsReportRates) {
  CV_SKIP_UNLESS_MECHS(token(), cv::hsm::Mech::AesGcm, cv::hsm::Mech::Ecdsa,
                       cv::hsm::Mech::AesKeyWrapPad, cv::hsm::Mech::RsaPss,
                       cv::hsm::Mech::RsaOaepSha1);
  auto mk = token().create_master_key("master");
  ASSERT_TRUE(mk);
  EXPECT_GT(cv::hsm::raw_gcm_encrypt_rate(token(), *mk, 256, 20), 0.0);
  EXPECT_GT(cv::hsm::raw_gcm_decrypt_rate(token(), *mk, 256, 20), 0.0);
  auto ec = token().generate_ec(cv::Curve::P256, {.sign = true});
  ASSERT_TRUE(ec);
  EXPECT_GT(cv::hsm::raw_sign_rate(token(), Mech::Ecdsa, ec->priv, 32, 20), 0.0);
  auto k = token().generate_secret_key(KeyType::Aes, 256, {.extractable = true});
  ASSERT_TRUE(k);
  auto blob = token().wrap(Mech::AesKeyWrapPad, *mk, *k);
  ASSERT_TRUE(blob);
  EXPECT_GT(cv::hsm::raw_unwrap_rate(token(), Mech::AesKeyWrapPad, *mk, *blob, KeyType::Aes, 20),
            0.0);
  auto rsa = token().generate_rsa(2048, {.encrypt = true, .decrypt = true, .sign = true});
  ASSERT_TRUE(rsa);
  EXPECT_GT(cv::hsm::raw_sign_rate(token(), Mech::RsaPss, rsa->priv, 32, 5), 0.0);
  auto ct = token().encrypt(Mech::RsaOaepSha1, rsa->pub, Bytes(32, 2));
  ASSERT_TRUE(ct);
  EXPECT_GT(cv::hsm::raw_decrypt_rate(token(), Mech::RsaOaepSha1, rsa->priv, *ct, 5), 0.0);
  // A failing loop reports 0 rather than a rate.
  EXPECT_EQ(cv::hsm::raw_sign_rate(token(), Mech::Ecdsa, *mk, 32, 5), 0.0);
}

}  // namespace
