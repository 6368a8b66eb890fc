// is_utf8 (src/core/bytes.cpp): RFC 3629's well-formed UTF-8, the boundary cases of its section 4 table.
// Anything it passes must be printable by the JSON writer (nlohmann refuses ill-formed UTF-8 with an
// exception), which the last test checks byte for byte on every two-byte prefix.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "coldvault/bytes.hpp"

namespace {

bool utf8(const std::string& s) { return cv::is_utf8(cv::as_bytes(s)); }

TEST(Utf8, AcceptsEveryLengthUpToTheLastCodePoint) {
  EXPECT_TRUE(utf8(""));
  EXPECT_TRUE(utf8("plain ascii \x7f"));
  EXPECT_TRUE(utf8("\xc2\x80 \xdf\xbf"));                  // U+0080, U+07FF
  EXPECT_TRUE(utf8("\xe0\xa0\x80 \xed\x9f\xbf \xef\xbf\xbf"));  // U+0800, U+D7FF, U+FFFF
  EXPECT_TRUE(utf8("\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"));  // U+10000, U+10FFFF
  EXPECT_TRUE(utf8("caf\xc3\xa9 \xe2\x82\xac"));
}

TEST(Utf8, RefusesOverlongSurrogatesBeyondTheRangeAndCutSequences) {
  EXPECT_FALSE(utf8("\xc0\x80"));          // overlong NUL
  EXPECT_FALSE(utf8("\xc1\xbf"));          // overlong U+007F
  EXPECT_FALSE(utf8("\xe0\x9f\xbf"));      // overlong U+07FF
  EXPECT_FALSE(utf8("\xf0\x8f\xbf\xbf"));  // overlong U+FFFF
  EXPECT_FALSE(utf8("\xed\xa0\x80"));      // U+D800, a surrogate
  EXPECT_FALSE(utf8("\xed\xbf\xbf"));      // U+DFFF
  EXPECT_FALSE(utf8("\xf4\x90\x80\x80"));  // U+110000 (found by jmespath_fuzz: F4 92 A2 92)
  EXPECT_FALSE(utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(utf8("\xff"));
  EXPECT_FALSE(utf8("\x80"));              // a continuation byte alone
  EXPECT_FALSE(utf8("\xe2\x82"));          // cut short
  EXPECT_FALSE(utf8("a\xe2\x82"));
  EXPECT_FALSE(utf8("\xe2\x28\xa1"));      // a second byte that is not a continuation
  EXPECT_FALSE(utf8("\xf0\x90\x80\x28"));  // nor a fourth
}

TEST(Utf8, AgreesWithTheJsonWriterOnEveryTwoBytePrefixOfAThreeOrFourByteSequence) {
  for (unsigned a = 0x80; a <= 0xff; ++a)
    for (unsigned b = 0; b <= 0xff; ++b) {
      // The lead and second byte decide; the rest are plain continuation bytes.
      std::string s{static_cast<char>(a), static_cast<char>(b), '\x80', '\x80'};
      for (std::size_t len : {2u, 3u, 4u}) {
        const std::string t = s.substr(0, len);
        bool printable = true;
        try {
          (void)nlohmann::json(t).dump();
        } catch (const nlohmann::json::type_error&) {
          printable = false;
        }
        ASSERT_EQ(utf8(t), printable) << std::hex << a << " " << b << " length " << len;
      }
    }
}

}  // namespace
