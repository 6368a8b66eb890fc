// The domain-transfer file's payload reader (src/vault/transfer_file.cpp, reached without a signature through
// transfer::read_transfer_payload): integers beyond int64 are refused, never wrapped negative.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "coldvault/domain_transfer.hpp"
#include "vault/transfer_detail.hpp"

namespace cv::vault {
namespace {

nlohmann::json payload_with_times(nlohmann::json created, nlohmann::json expires) {
  return {{"format", transfer::kFileFormat},
          {"transfer_id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
          {"created", created},
          {"expires", expires}};
}

TEST(TransferPayload, RefusesTimesBeyondInt64InsteadOfWrappingThem) {
  // 2^64 - 1 parses as an unsigned JSON number; read as int64 it was -1, so "expires after created" held.
  for (auto [created, expires] : {std::pair<std::uint64_t, std::uint64_t>{18446744073709551615ull, 5},
                                  std::pair<std::uint64_t, std::uint64_t>{1, 9223372036854775808ull}}) {
    TransferFile f;
    auto r = transfer::read_transfer_payload(payload_with_times(created, expires), f);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::BadParameter);
    EXPECT_NE(r.error().message.find(created > expires ? "'created'" : "'expires'"), std::string::npos)
        << r.error().message;
  }
}

TEST(TransferPayload, AcceptsTheLargestInt64Time) {
  TransferFile f;
  auto r = transfer::read_transfer_payload(payload_with_times(1, 9223372036854775807ll), f);
  ASSERT_FALSE(r);  // the rest of the payload is missing: the times themselves passed
  EXPECT_NE(r.error().message.find("'source'"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace cv::vault
