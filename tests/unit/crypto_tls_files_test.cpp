// `serve --tls-cert --tls-key`: an operator's PEM files (ServerTlsIdentity::from_files). The key must match the
// certificate, and its own public half must be its private half's (OpenSSL reads such a file without checking).
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "coldvault/tls_server.hpp"
#include "crypto_x509_support.hpp"
#include "temp_dir.hpp"

namespace cv::crypto {
namespace {

std::string pem_of_key(EVP_PKEY* key) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return test_keys::bio_text(bio.get());
}

std::string pem_of_cert(const Bytes& der) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), x509_test::parse_der(der).get());
  return test_keys::bio_text(bio.get());
}

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

TEST(TlsFiles, AMatchingPairLoadsAndAKeyWhosePrivateHalfIsAnotherKeysIsRefused) {
  cvtest::TempDir dir;
  auto key = test_keys::make_ec_key(Curve::P256);
  const Bytes cert = x509_test::self_signed_for(key.get(), "CN=tls.example");
  write(dir.path / "cert.pem", pem_of_cert(cert));
  write(dir.path / "key.pem", pem_of_key(key.get()));
  auto good = ServerTlsIdentity::from_files((dir.path / "cert.pem").string(), (dir.path / "key.pem").string());
  ASSERT_TRUE(good) << good.error().message;

  // The certificate's public key stored beside another key's private scalar: the public halves match, so only
  // the key's own pairwise check can tell.
  auto stranger = test_keys::make_ec_key(Curve::P256);
  auto mixed = test_keys::ec_key_with_foreign_public(stranger.get(), key.get());
  ASSERT_TRUE(mixed);
  write(dir.path / "mixed.pem", pem_of_key(mixed.get()));
  auto bad = ServerTlsIdentity::from_files((dir.path / "cert.pem").string(), (dir.path / "mixed.pem").string());
  ASSERT_FALSE(bad) << "a TLS key that does not match its own public key was loaded";
  EXPECT_EQ(bad.error().code, Errc::BadParameter);
  EXPECT_NE(bad.error().message.find("does not match its own public key"), std::string::npos) << bad.error().message;

  auto other = test_keys::make_ec_key(Curve::P256);
  write(dir.path / "other.pem", pem_of_key(other.get()));
  auto wrong = ServerTlsIdentity::from_files((dir.path / "cert.pem").string(), (dir.path / "other.pem").string());
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("does not match the certificate"), std::string::npos) << wrong.error().message;
}

}  // namespace
}  // namespace cv::crypto
