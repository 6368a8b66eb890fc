// Offline blob tools on golden files (tests/data): no token, PIN or network involved.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "coldvault/backup.hpp"
#include "unit/test_data.hpp"

using namespace cv;

namespace {

using test::slurp;
using test::text;

}  // namespace

TEST(BlobOffline, GoldenBlob_VerifiesWithItsVaultCertificate) {
  auto blob = backup::read_blob_input(slurp("golden_secret.blob"));
  ASSERT_TRUE(blob) << blob.error().message;
  auto v = backup::verify(*blob, text("golden_signer.pem"));
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v->ok) << v->report.dump();
  EXPECT_EQ(v->report["manifest"]["name"], "golden-secret");
  EXPECT_EQ(v->report["manifest"]["type"], "secret");
}

TEST(BlobOffline, GoldenBlob_EveryFlippedByteFailsVerification) {
  Bytes blob = slurp("golden_secret.blob");
  ASSERT_FALSE(blob.empty());
  std::string trust = text("golden_signer.pem");
  for (std::size_t i = 0; i < blob.size(); ++i) {
    Bytes bad = blob;
    bad[i] ^= 0x04;
    auto v = backup::verify(bad, trust);
    EXPECT_TRUE(!v || !v->ok) << "byte " << i << " flipped still verifies";
  }
}

TEST(BlobOffline, GoldenBlob_TruncationsAreRefusedByTheDecoder) {
  Bytes blob = slurp("golden_secret.blob");
  for (std::size_t n = 0; n < blob.size(); n += 7) {
    auto e = backup::parse_blob(ByteView(blob).first(n));
    EXPECT_FALSE(e) << "truncated to " << n;
  }
}

TEST(BlobOffline, KeyVaultSample_IsRecognisedAndBoundToMicrosoft) {
  auto blob = backup::read_blob_input(slurp("akv_secret_backup_sample.txt"));
  ASSERT_TRUE(blob) << blob.error().message;
  auto info = backup::inspect(*blob);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ((*info)["format"], "azure-key-vault");
  EXPECT_EQ((*info)["prefix"], "AzureKeyVaultSecretBackupV1.microsoft.com");
  EXPECT_EQ((*info)["kid"], "b576429f-2568-45be-bfaa-37ed07fc0c81");
  EXPECT_EQ((*info)["alg"], "RSA-OAEP");
  EXPECT_EQ((*info)["enc"], "A128CBC-HS256");
  EXPECT_EQ((*info)["bytes"], 4258);
  EXPECT_EQ((*info)["parts"]["encryptedKey"], 256);
  EXPECT_EQ((*info)["parts"]["ciphertext"], 2784);
  EXPECT_NE((*info)["binding"].get<std::string>().find("Microsoft"), std::string::npos);
  auto v = backup::verify(*blob, text("golden_signer.pem"));
  EXPECT_FALSE(v);
}
