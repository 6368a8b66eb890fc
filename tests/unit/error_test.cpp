// The Errc mapping table (src/core/error.cpp, docs/errors.md) is complete and consistent.
#include "coldvault/error.hpp"

#include <gtest/gtest.h>

#include <set>

namespace cv {
namespace {

TEST(Errc, EveryCodeHasADistinctPositiveExitCode) {
  std::set<int> seen;
  for (Errc c : kAllErrc) {
    const int code = exit_code(c);
    EXPECT_GT(code, 0) << errc_name(c);
    EXPECT_TRUE(seen.insert(code).second) << errc_name(c) << " shares exit code " << code;
  }
}

TEST(Errc, EveryCodeHasAnErrorHttpStatus) {
  for (Errc c : kAllErrc) {
    EXPECT_GE(http_status(c), 400) << errc_name(c);
    EXPECT_LE(http_status(c), 599) << errc_name(c);
  }
}

TEST(Errc, EveryCodeHasADistinctNameAndAKeyVaultCode) {
  std::set<std::string_view> names;
  for (Errc c : kAllErrc) {
    EXPECT_FALSE(errc_name(c).empty());
    EXPECT_TRUE(names.insert(errc_name(c)).second) << errc_name(c);
    EXPECT_FALSE(kv_error_code(Error{c, "m", {}, {}, {}}).empty()) << errc_name(c);
  }
}

TEST(Errc, AllErrcListsEveryEnumerator) {
  // Errc::Internal is the last enumerator; the list must cover 0..Internal without gaps.
  constexpr auto count = static_cast<std::size_t>(Errc::Internal) + 1;
  ASSERT_EQ(std::size(kAllErrc), count);
  for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(static_cast<std::size_t>(kAllErrc[i]), i);
}

TEST(Errc, KvCodeOverrideWins) {
  EXPECT_EQ(kv_error_code(Error{Errc::NotFound, "m", {}, "SecretNotFound", {}}), "SecretNotFound");
  EXPECT_EQ(kv_error_code(Error{Errc::NotFound, "m", {}, {}, {}}), "NotFound");
}

TEST(Errc, FailBuildsAnUnexpectedError) {
  Result<int> r = fail(Errc::Conflict, "busy", "native");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Conflict);
  EXPECT_EQ(r.error().message, "busy");
  EXPECT_EQ(r.error().native, "native");
}

}  // namespace
}  // namespace cv
