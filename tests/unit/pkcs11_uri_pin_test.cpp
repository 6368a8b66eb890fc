// refuse_pin_in_uri (src/pkcs11/uri_pin.cpp): a PKCS#11 URI never carries a PIN, and the refusal
// shows neither the PIN nor the URI. Pure string checks, no token needed.
#include <gtest/gtest.h>

#include "coldvault/hsm.hpp"

namespace {

using cv::Errc;
using cv::hsm::refuse_pin_in_uri;

void expect_refused(const std::string& uri, const std::string& pin) {
  auto r = refuse_pin_in_uri(uri);
  ASSERT_FALSE(r) << uri;
  EXPECT_EQ(r.error().code, Errc::BadParameter) << uri;
  const auto& m = r.error().message;
  EXPECT_EQ(m.find(pin), std::string::npos) << m;
  EXPECT_EQ(m.find(uri), std::string::npos) << m;
  EXPECT_EQ(m.find("pkcs11:"), std::string::npos) << m;
  EXPECT_EQ(m.find("token="), std::string::npos) << m;
  EXPECT_TRUE(r.error().native.empty());
  // It says where PINs come from instead.
  EXPECT_NE(m.find("--pin-file"), std::string::npos) << m;
  EXPECT_NE(m.find("COLDVAULT_PIN"), std::string::npos) << m;
  EXPECT_NE(m.find("prompt"), std::string::npos) << m;
}

TEST(UriPin, RefusesPinValueInThePath) { expect_refused("pkcs11:token=T;pin-value=1234", "1234"); }

TEST(UriPin, RefusesPinValueInTheQuery) {
  expect_refused("pkcs11:token=T;serial=42?module-path=/usr/lib/x.so&pin-value=s3cr3t-9", "s3cr3t-9");
}

TEST(UriPin, RefusesPinSourceInPathOrQuery) {
  expect_refused("pkcs11:token=T?pin-source=file:/home/u/pin.txt", "/home/u/pin.txt");
  expect_refused("pkcs11:pin-source=%2Fetc%2Fpin;token=T", "%2Fetc%2Fpin");
}

TEST(UriPin, RefusesP11KitsOldPinfileName) { expect_refused("pkcs11:token=T?pinfile=/x/pin", "/x/pin"); }

TEST(UriPin, RefusesWhateverTheCaseOrEncodingOfTheName) {
  expect_refused("PKCS11:token=T;PIN-VALUE=9876", "9876");
  expect_refused("pkcs11:token=T?Pin-Value=9876", "9876");
  expect_refused("pkcs11:token=T;pin%2Dvalue=9876", "9876");
  expect_refused("pkcs11:token=T;%70in-value=9876", "9876");
  expect_refused("pkcs11:token=T&pin-value=9876", "9876");  // query separator in the path
  expect_refused("pkcs11:?pin-value=9876", "9876");
  expect_refused("pkcs11:pin-value", "pin-value=");  // a name with no value is still a PIN attribute
}

TEST(UriPin, AcceptsUrisWithoutAPin) {
  for (const char* uri : {"pkcs11:", "pkcs11:token=T", "pkcs11:token=ext;serial=1a2b;manufacturer=SoftHSM%20project",
                          "pkcs11:token=T?module-path=/usr/lib/softhsm/libsofthsm2.so",
                          // "pin-value" as a value, or inside a longer name, is not the attribute
                          "pkcs11:token=pin-value", "pkcs11:token=T;x-pin-value-ish=1",
                          "pkcs11:object=pin-source?module-name=pin-value"}) {
    auto r = refuse_pin_in_uri(uri);
    EXPECT_TRUE(r) << uri << ": " << r.error().message;
  }
}

TEST(UriPin, LabelsAreNotUris) {
  EXPECT_TRUE(refuse_pin_in_uri("coldvault"));
  EXPECT_TRUE(refuse_pin_in_uri(""));
  EXPECT_TRUE(refuse_pin_in_uri("token;pin-value=1"));  // no scheme: a (strange) label, matched as is
  EXPECT_FALSE(cv::hsm::looks_like_pkcs11_uri("token"));
  EXPECT_TRUE(cv::hsm::looks_like_pkcs11_uri("Pkcs11:token=T"));
}

}  // namespace
