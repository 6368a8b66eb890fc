// The domain-transfer file's payload reader (src/vault/transfer_file.cpp, reached without a signature through
// transfer::read_transfer_payload): integers beyond int64 are refused, never wrapped negative; the optional
// "catalogue_keys" member (ADR 0024) is read when present and refused precisely when malformed.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "coldvault/base64.hpp"
#include "coldvault/crypto.hpp"
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

// The fuzzer's payload seed (its first byte picks the reader): a whole payload of one vault 'v'.
nlohmann::json seed_payload() {
  std::ifstream in(std::string(CV_SOURCE_DIR) + "/tests/fuzz/transfer_fuzz_seeds/payload", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto p = nlohmann::json::parse(ss.str().substr(1));
  // The seed names one certificate for every custodian (enough for the fuzzer); a whole payload needs three.
  for (std::size_t i = 0; i < p["custodians"].size(); ++i) {
    Bytes cert{0x30, static_cast<std::uint8_t>(i)};
    p["custodians"][i]["cert"] = base64_encode(cert);
    p["custodians"][i]["sha256"] = to_hex(crypto::sha256(cert));
  }
  return p;
}

nlohmann::json with_keys(nlohmann::json keys) {
  auto p = seed_payload();
  p["catalogue_keys"] = std::move(keys);
  return p;
}

nlohmann::json full_keys(const nlohmann::json& p) {
  return {{"integrity", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJw"},
          {"audit", {{"cert", p["signers"][0]["cert"]}, {"wrapped", "q80"}}},
          {"masters", {{{"vault", "v"}, {"wrapped", "3q2-7w"}}}}};
}

TEST(TransferPayload, CatalogueKeysAreOptional) {
  TransferFile f;
  ASSERT_TRUE(transfer::read_transfer_payload(seed_payload(), f));
  EXPECT_FALSE(f.catalogue_keys);
}

TEST(TransferPayload, CatalogueKeysAreReadWithNullForKeysThatCannotMove) {
  TransferFile f;
  auto r = transfer::read_transfer_payload(with_keys(full_keys(seed_payload())), f);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(f.catalogue_keys);
  EXPECT_EQ(f.catalogue_keys->integrity->size(), 40u);
  ASSERT_TRUE(f.catalogue_keys->audit);
  EXPECT_EQ(f.catalogue_keys->audit->wrapped->size(), 2u);
  ASSERT_EQ(f.catalogue_keys->masters.size(), 1u);
  EXPECT_EQ(f.catalogue_keys->masters[0].vault, "v");
  EXPECT_EQ(f.catalogue_keys->masters[0].wrapped->size(), 4u);

  auto keys = full_keys(seed_payload());
  keys["integrity"] = nullptr;
  keys["audit"] = nullptr;
  keys["masters"][0]["wrapped"] = nullptr;
  TransferFile g;
  ASSERT_TRUE(transfer::read_transfer_payload(with_keys(keys), g));
  EXPECT_FALSE(g.catalogue_keys->integrity);
  EXPECT_FALSE(g.catalogue_keys->audit);
  EXPECT_FALSE(g.catalogue_keys->masters[0].wrapped);
}

TEST(TransferPayload, MalformedCatalogueKeysAreRefusedNamingWhatIsWrong) {
  const auto base = full_keys(seed_payload());
  auto edit = [&](auto change) {
    auto k = base;
    change(k);
    return k;
  };
  const std::pair<nlohmann::json, std::string> cases[] = {
      {nlohmann::json::array(), "'catalogue_keys' is not an object"},
      {edit([](auto& k) { k.erase("audit"); }), "no member 'audit'"},
      {edit([](auto& k) { k.erase("integrity"); }), "no member 'integrity'"},
      {edit([](auto& k) { k["integrity"] = ""; }), "'integrity' is empty"},
      {edit([](auto& k) { k["integrity"] = "not base64url!"; }), "not base64url"},
      {edit([](auto& k) { k["audit"]["cert"] = "AAAA"; }), "not an EC certificate"},
      {edit([](auto& k) { k["masters"] = "v"; }), "'masters' is missing or not an array"},
      {edit([](auto& k) { k["masters"][0]["vault"] = "other"; }), "vault 'other', which has no signer entry"},
      {edit([](auto& k) { k["masters"].push_back(k["masters"][0]); }), "vault 'v' appears twice"},
      {edit([](auto& k) { k["masters"][0].erase("wrapped"); }), "no member 'wrapped'"},
  };
  for (const auto& [keys, want] : cases) {
    TransferFile f;
    auto r = transfer::read_transfer_payload(with_keys(keys), f);
    ASSERT_FALSE(r) << keys.dump();
    EXPECT_EQ(r.error().code, Errc::BadParameter);
    EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace cv::vault
