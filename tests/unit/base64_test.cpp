// Strict base64 / base64url: known vectors and the refusals that keep one text form per byte
// string.
#include "coldvault/base64.hpp"

#include <gtest/gtest.h>

namespace cv {
namespace {

struct Vector {
  std::string_view plain, b64, b64url;
};
// RFC 4648, section 10, plus bytes that differ between the two alphabets.
constexpr Vector kVectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    {"\xfb\xff\xbf", "+/+/", "-_-_"},
};

TEST(Base64, EncodesAndDecodesKnownVectors) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(base64_encode(as_bytes(v.plain)), v.b64);
    EXPECT_EQ(base64url_encode(as_bytes(v.plain)), v.b64url);
    auto a = base64_decode(v.b64);
    ASSERT_TRUE(a) << v.b64;
    EXPECT_EQ(as_chars(*a), v.plain);
    auto b = base64url_decode(v.b64url);
    ASSERT_TRUE(b) << v.b64url;
    EXPECT_EQ(as_chars(*b), v.plain);
  }
}

TEST(Base64, RoundTripsEveryByteValue) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(*base64_decode(base64_encode(all)), all);
  EXPECT_EQ(*base64url_decode(base64url_encode(all)), all);
}

TEST(Base64Url, RefusesPadding) {
  auto r = base64url_decode("Zg==");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::BadParameter);
  EXPECT_FALSE(base64url_decode("Zm8="));
}

TEST(Base64Url, LenientVariantAcceptsPaddingButStaysCanonical) {
  EXPECT_EQ(as_chars(*base64url_decode_lenient_padding("Zg==")), "f");
  EXPECT_EQ(as_chars(*base64url_decode_lenient_padding("Zg")), "f");
  EXPECT_FALSE(base64url_decode_lenient_padding("Zh=="));
  EXPECT_FALSE(
      base64url_decode_lenient_padding("Zg=="
                                       "=="));
}

TEST(Base64Url, RefusesNonCanonicalLastCharacter) {
  // "Zh" carries stray low bits: it would decode to "f" like "Zg" does.
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zm9"));
  EXPECT_TRUE(base64url_decode("Zm8"));
}

TEST(Base64, RefusesNonCanonicalLastCharacter) {
  EXPECT_FALSE(base64_decode("Zh=="));
  EXPECT_FALSE(base64_decode("Zm9="));
}

TEST(Base64, RefusesWhitespace) {
  EXPECT_FALSE(base64_decode("Zm9v\nYmFy"));
  EXPECT_FALSE(base64_decode("Zm9v YmFy"));
  EXPECT_FALSE(base64url_decode("Zm9v\r\nYmFy"));
  EXPECT_FALSE(base64url_decode(" Zm9v"));
  EXPECT_FALSE(base64url_decode("Zm9v\t"));
}

TEST(Base64, RefusesTheOtherAlphabet) {
  EXPECT_FALSE(base64_decode("-_-_"));
  EXPECT_FALSE(base64url_decode("+/+/"));
}

TEST(Base64, RefusesBadLengthsAndMissingPadding) {
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));
  EXPECT_FALSE(base64_decode("Zg"));
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Z==="));
}

}  // namespace
}  // namespace cv
