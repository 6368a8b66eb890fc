// The JMESPath expression classes of the specification, one table each, errors included.
// tests/jmespath/oracle.py runs a larger corpus against python-jmespath; these pin the rules.
#include "jmespath_support.hpp"

namespace cv::cli::testing {
namespace {

TEST(Jmespath, Identifiers_SelectFieldsQuotedOrNot_AndNullWhenMissing) {
  check_rows(sample_doc(), {
      {"foo", R"({"bar": {"baz": "correct"}})", nullptr},
      {"\"with space\"", "1", nullptr},
      {R"("quo\"te")", "2", nullptr},
      {"\"f\\u006fo\".bar.baz", R"("correct")", nullptr},
      {"missing", "null", nullptr},
      {"list.foo", "null", nullptr},
      {"\"unterminated", nullptr, "unterminated \" at column 1"},
      {"foo bar", nullptr, "unexpected identifier at column 5"},
      {"#", nullptr, "unexpected character '#' at column 1"},
  });
}

// Found by jmespath_fuzz: a raw string literal copied a byte that is not UTF-8 into the result, which then
// could not be printed (InternalError from the JSON writer). The expression is refused instead.
TEST(Jmespath, AnExpressionThatIsNotUtf8_IsRefused_TextIsKept) {
  check_rows(sample_doc(), {
      {"'a\xb4'", nullptr, "the expression is not valid UTF-8"},
      {"foo.\"\xc3\"", nullptr, "the expression is not valid UTF-8"},
      {"'caf\xc3\xa9'", "\"caf\xc3\xa9\"", nullptr},
  });
  auto r = jmespath_search(sample_doc(), "'\xe2\x82\xac'");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->dump(), "\"\xe2\x82\xac\"");
}

TEST(Jmespath, SubExpressions_WalkObjects_AndRejectBadRightSides) {
  check_rows(sample_doc(), {
      {"foo.bar.baz", R"("correct")", nullptr},
      {"foo.bar.baz.nope", "null", nullptr},
      {"foo.nope.baz", "null", nullptr},
      {"foo.", nullptr, "incomplete expression at column 5"},
      {"foo.@", nullptr, "unexpected '@' at column 5"},
      {".foo", nullptr, "unexpected '.' at column 1"},
  });
}

TEST(Jmespath, Index_CountsFromEitherEnd_AndIsNullOutOfRange) {
  check_rows(sample_doc(), {
      {"list[0]", "0", nullptr},
      {"list[-1]", "5", nullptr},
      {"list[-6]", "0", nullptr},
      {"list[6]", "null", nullptr},
      {"list[-7]", "null", nullptr},
      {"nested[1][1][0]", "3", nullptr},
      {"foo[0]", "null", nullptr},
      {"list[99999999999999999999]", "null", nullptr},
      {"list[a]", nullptr, "expected '*', found identifier at column 6"},
      {"list[0", nullptr, "expected ']', found end of expression at column 7"},
      {"list[-]", nullptr, "'-' must be followed by digits at column 6"},
  });
}

TEST(Jmespath, Slices_FollowPythonBounds_WithStepsAndNegatives) {
  check_rows(sample_doc(), {
      {"list[1:3]", "[1, 2]", nullptr},
      {"list[:2]", "[0, 1]", nullptr},
      {"list[4:]", "[4, 5]", nullptr},
      {"list[::2]", "[0, 2, 4]", nullptr},
      {"list[::-1]", "[5, 4, 3, 2, 1, 0]", nullptr},
      {"list[-2:]", "[4, 5]", nullptr},
      {"list[4:1:-2]", "[4, 2]", nullptr},
      {"list[-100:100]", "[0, 1, 2, 3, 4, 5]", nullptr},
      {"list[100:-100:-1]", "[5, 4, 3, 2, 1, 0]", nullptr},
      {"list[3:1]", "[]", nullptr},
      {"people[1:].name", R"(["bo", "cy"])", nullptr},
      {"s[1:]", "null", nullptr},
      {"list[::0]", nullptr, "slice step cannot be 0 at column 8"},
      {"list[1:2:3:4]", nullptr, "at most two ':' at column 11"},
  });
}

TEST(Jmespath, Projections_DropNulls_AndStopAtPipe) {
  check_rows(sample_doc(), {
      {"people[*].name", R"(["ann", "bo", "cy"])", nullptr},
      {"people[*].age", "[30, 20]", nullptr},
      {"people[*].tags[0]", R"(["x", "y"])", nullptr},
      {"people[*].name | [0]", R"("ann")", nullptr},
      {"people[*].name[0]", "[]", nullptr},
      {"objs.*.v", "[1, 2]", nullptr},
      {"objs.* | [0]", R"({"v": 1})", nullptr},
      {"list.*", "null", nullptr},
      {"foo[*]", "null", nullptr},
      {"[*]", "null", nullptr},
      {"people[*", nullptr, "expected ']', found end of expression at column 9"},
  });
}

TEST(Jmespath, Flatten_MergesOneLevel_AndProjects) {
  check_rows(sample_doc(), {
      {"nested[]", "[0, 1, 2, [3], 4]", nullptr},
      {"nested[][]", "[0, 1, 2, 3, 4]", nullptr},
      {"people[].tags[]", R"(["x", "y", "z"])", nullptr},
      {"foo[]", "null", nullptr},
      {"nested[] | [3]", "[3]", nullptr},
  });
}

TEST(Jmespath, Filters_KeepTruthyMatches_OrderingOnlyForNumbers) {
  check_rows(sample_doc(), {
      {"people[?age > `25`].name", R"(["ann"])", nullptr},
      {"people[?age <= `30`].name", R"(["ann", "bo"])", nullptr},
      {"people[?age].name", R"(["ann", "bo"])", nullptr},
      {"people[?!age].name", R"(["cy"])", nullptr},
      {"people[?tags].name", R"(["ann", "cy"])", nullptr},
      {"people[?name == 'bo'].age", "[20]", nullptr},
      {"people[?name != 'bo'] | length(@)", "2", nullptr},
      {"people[?name > 'b'].name", R"(["bo", "cy"])", nullptr},  // strings order by code point, as az's python
      {"people[?name > `1`].name", "[]", nullptr},                // a string against a number: null
      {"list[?@ >= `4`]", "[4, 5]", nullptr},
      {"people[?age > `10` && tags].name", R"(["ann"])", nullptr},
      {"people[?age < `25` || !age].name", R"(["bo", "cy"])", nullptr},
      {"people[?age > `1`", nullptr, "expected ']', found end of expression at column 18"},
      {"people[?]", nullptr, "unexpected ']' at column 9"},
  });
}

TEST(Jmespath, Comparators_EqualityDeep_OrderingOfNumbersAndStringsOnly) {
  check_rows(sample_doc(), {
      {"zero == `0`", "true", nullptr},
      {"zero == `0.0`", "true", nullptr},
      {"zero == `false`", "false", nullptr},
      {"foo == `{\"bar\": {\"baz\": \"correct\"}}`", "true", nullptr},
      {"list[:2] != `[0, 1]`", "false", nullptr},
      {"n == missing", "true", nullptr},
      {"`1` < `2`", "true", nullptr},
      {"`2` >= `2.5`", "false", nullptr},
      {"'a' < 'b'", "true", nullptr},
      {"'2026-12-31T00:00:00+00:00' < '2027'", "true", nullptr},
      {"'b' <= 'a'", "false", nullptr},
      {"'a' < `1`", "null", nullptr},
      {"t < `1`", "null", nullptr},
      {"zero = `0`", nullptr, "'=' is not an operator (did you mean '=='?) at column 6"},
  });
}

TEST(Jmespath, BooleanOperators_UseTruthiness_AndReturnOperands) {
  check_rows(sample_doc(), {
      {"n || 'dflt'", R"("dflt")", nullptr},
      {"empty || list[0]", "0", nullptr},
      {"zero || 'no'", "0", nullptr},
      {"t && 'yes'", R"("yes")", nullptr},
      {"empty && 'yes'", R"("")", nullptr},
      {"!empty", "true", nullptr},
      {"!zero", "false", nullptr},
      {"!`[]`", "true", nullptr},
      {"!`{}`", "true", nullptr},
      {"!(t && f)", "true", nullptr},
      {"t || f && f", "true", nullptr},
      {"t &&", nullptr, "incomplete expression at column 5"},
      {"t & f", nullptr, "unexpected '&' at column 3"},
  });
}

TEST(Jmespath, Literals_JsonAndRawStrings) {
  check_rows(sample_doc(), {
      {"`[1, {\"a\": null}]`", R"([1, {"a": null}])", nullptr},
      {"`\"a\\`b\"`", R"("a`b")", nullptr},
      {"`foo`", R"("foo")", nullptr},  // the deprecated unquoted form, as python-jmespath accepts
      {"'it\\'s'", R"("it's")", nullptr},
      {"'a\\\\b'", R"("a\\\\b")", nullptr},
      {"`{\"a\": 1}`.a", "1", nullptr},
      {"`\"open", nullptr, "unterminated ` at column 1"},
      {"'open", nullptr, "unterminated ' at column 1"},
      {"`{\"a\": }`", nullptr, "invalid JSON literal at column 1"},
  });
}

TEST(Jmespath, MultiSelect_ListsAndHashes_NullOnNull) {
  check_rows(sample_doc(), {
      {"[foo.bar.baz, zero]", R"(["correct", 0])", nullptr},
      {"people[*].[name, age]", R"([["ann", 30], ["bo", 20], ["cy", null]])", nullptr},
      {"people[0].{n: name, \"the age\": age}", R"({"n": "ann", "the age": 30})", nullptr},
      {"n.[a]", "null", nullptr},
      {"n.{a: a}", "null", nullptr},
      {"{a: zero, a: t}", R"({"a": true})", nullptr},
      {"[zero,]", nullptr, "unexpected ']' at column 7"},
      {"{a: zero b: t}", nullptr, "expected ',', found identifier at column 10"},
      {"{1: zero}", nullptr, "expected a key name, found number at column 2"},
  });
}

TEST(Jmespath, PipesAndCurrentNode_RestartFromTheResult) {
  check_rows(sample_doc(), {
      {"foo | bar | baz", R"("correct")", nullptr},
      {"@.foo.bar", R"({"baz": "correct"})", nullptr},
      {"list | @[1]", "1", nullptr},
      {"people[*] | [?age].name", R"(["ann", "bo"])", nullptr},
      {"| foo", nullptr, "unexpected '|' at column 1"},
      {"foo |", nullptr, "incomplete expression at column 6"},
  });
}

TEST(Jmespath, NestingDeeperThanTheLimit_IsAnErrorNotACrash) {
  std::string parens = std::string(10000, '(') + "@" + std::string(10000, ')');
  std::string chain = "a";
  for (int i = 0; i < 10000; ++i) chain += ".a";
  std::string nots = std::string(10000, '!') + "t";
  std::string literal = "`" + std::string(10000, '[') + std::string(10000, ']') + "`";
  for (const auto& e : {parens, chain, nots, literal}) {
    auto r = jmespath_search(sample_doc(), e);
    ASSERT_FALSE(r) << e.substr(0, 20);
    EXPECT_EQ(r.error().code, Errc::BadParameter);
    EXPECT_NE(r.error().message.find("nested too deeply"), std::string::npos) << r.error().message;
  }
  // Just under the limit still works.
  std::string ok = std::string(100, '(') + "zero" + std::string(100, ')');
  EXPECT_EQ(jmespath_search(sample_doc(), ok).value(), 0);
}

}  // namespace
}  // namespace cv::cli::testing

// The ordered entry point (what --query uses): a multi-select hash keeps the expression's key order, and
// equality ignores member order as JSON's does.
TEST(Jmespath, OrderedSearchKeepsTheMultiSelectHashOrder_EqualityIgnoresMemberOrder) {
  auto doc = nlohmann::ordered_json(cv::cli::testing::sample_doc());
  auto r = cv::cli::jmespath_search_ordered(doc, "{z: foo, a: list[0]}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->dump(), R"({"z":{"bar":{"baz":"correct"}},"a":0})");
  auto eq = cv::cli::jmespath_search_ordered(doc, "{b: `2`, a: `1`} == `{\"a\": 1, \"b\": 2}`");
  ASSERT_TRUE(eq) << eq.error().message;
  EXPECT_EQ(*eq, true);
  auto in = cv::cli::jmespath_search_ordered(doc, "contains([`{\"a\": 1, \"b\": 2}`], {b: `2`, a: `1`})");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(*in, true);
}
