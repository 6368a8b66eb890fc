// The built-in functions of JMESPath: results, the kind of number they return (python-jmespath's,
// since az prints them), and invalid-type / arity / unknown-function errors.
#include "jmespath_support.hpp"

namespace cv::cli::testing {
namespace {

TEST(JmespathFunctions, Numbers_AbsCeilFloorSumAvgMaxMin) {
  check_rows(sample_doc(), {
      {"abs(`-5`)", "5", nullptr},
      {"abs(`-1.5`)", "1.5", nullptr},
      {"ceil(`1.2`)", "2", nullptr},
      {"floor(`-1.2`)", "-2", nullptr},
      {"floor(`3`)", "3", nullptr},
      {"sum(list)", "15", nullptr},
      {"sum(nums)", "2.5", nullptr},
      {"sum(`[]`)", "0", nullptr},
      {"avg(list)", "2.5", nullptr},
      {"avg(`[2, 4]`)", "3.0", nullptr},
      {"avg(`[]`)", "null", nullptr},
      {"max(nums)", "3", nullptr},
      {"min(nums)", "-2", nullptr},
      {"max(strs)", R"("c")", nullptr},
      {"min(`[]`)", "null", nullptr},
      {"abs('x')", nullptr, "invalid type for argument 1 of abs(): expected number, got string"},
      {"sum(strs)", nullptr, "invalid type for argument 1 of sum()"},
      {"max(`[1, \"a\"]`)", nullptr, "invalid type for argument 1 of max()"},
      {"avg(t)", nullptr, "invalid type for argument 1 of avg(): expected array, got boolean"},
  });
}

TEST(JmespathFunctions, Strings_LengthCountsCodePoints_ReverseKeepsThem) {
  check_rows(sample_doc(), {
      {"length(s)", "5", nullptr},
      {"length('')", "0", nullptr},
      {"reverse(s)", R"("olléh")", nullptr},
      {"starts_with(s, 'hé')", "true", nullptr},
      {"ends_with(s, 'x')", "false", nullptr},
      {"contains(s, 'éll')", "true", nullptr},
      {"join('-', strs)", R"("b-a-c")", nullptr},
      {"join(', ', `[]`)", R"("")", nullptr},
      {"contains(s, `1`)", nullptr, "invalid type for argument 2 of contains()"},
      {"join('-', list)", nullptr, "invalid type for argument 2 of join()"},
      {"starts_with(zero, 'a')", nullptr, "invalid type for argument 1 of starts_with()"},
  });
}

TEST(JmespathFunctions, Collections_KeysValuesLengthMergeSortReverse) {
  check_rows(sample_doc(), {
      {"keys(objs)", R"(["a", "b", "c"])", nullptr},
      {"values(objs)", R"([{"v": 1}, {"v": 2}, {"w": 3}])", nullptr},
      {"length(list)", "6", nullptr},
      {"length(objs)", "3", nullptr},
      {"merge(objs.a, objs.c, `{\"v\": 9}`)", R"({"v": 9, "w": 3})", nullptr},
      {"sort(strs)", R"(["a", "b", "c"])", nullptr},
      {"sort(nums)", "[-2, 1.5, 3]", nullptr},
      {"reverse(list[:3])", "[2, 1, 0]", nullptr},
      {"contains(list, `3`)", "true", nullptr},
      {"contains(people[*].tags, `[]`)", "true", nullptr},
      {"not_null(n, missing, zero)", "0", nullptr},
      {"not_null(n)", "null", nullptr},
      {"keys(list)", nullptr, "invalid type for argument 1 of keys(): expected object, got array"},
      {"length(zero)", nullptr, "expected string or array or object, got number"},
      {"merge(objs, list)", nullptr, "invalid type for argument 2 of merge()"},
      {"sort(people)", nullptr, "invalid type for argument 1 of sort()"},
  });
}

TEST(JmespathFunctions, Conversions_TypeToArrayToNumberToString) {
  check_rows(sample_doc(), {
      {"type(s)", R"("string")", nullptr},
      {"type(zero)", R"("number")", nullptr},
      {"type(t)", R"("boolean")", nullptr},
      {"type(n)", R"("null")", nullptr},
      {"[type(list), type(objs)]", R"(["array", "object"])", nullptr},
      {"to_array(zero)", "[0]", nullptr},
      {"to_array(list[:1])", "[0]", nullptr},
      {"to_number('42')", "42", nullptr},
      {"to_number(' -4.5 ')", "-4.5", nullptr},
      {"to_number('1e3')", "1000.0", nullptr},
      {"to_number('abc')", "null", nullptr},
      {"to_number(t)", "null", nullptr},
      {"to_string(s)", R"("héllo")", nullptr},
      {"to_string(`[1, \"é\", 2.0]`)", R"("[1,\"\\u00e9\",2.0]")", nullptr},
  });
}

TEST(JmespathFunctions, ExpressionReferences_MapSortByMaxByMinBy) {
  check_rows(sample_doc(), {
      {"map(&name, people)", R"(["ann", "bo", "cy"])", nullptr},
      {"map(&age, people)", "[30, 20, null]", nullptr},  // map keeps nulls
      {"sort_by(people[:2], &age)[*].name", R"(["bo", "ann"])", nullptr},
      {"sort_by(people, &name)[-1].name", R"("cy")", nullptr},
      {"max_by(people[:2], &age).name", R"("ann")", nullptr},
      {"min_by(people, &name).name", R"("ann")", nullptr},
      {"max_by(`[]`, &a)", "null", nullptr},
      {"sort_by(people, &age)", nullptr, "invalid type in sort_by(): the expression gave a null"},
      {"map(name, people)", nullptr, "invalid type for argument 1 of map(): expected expression"},
      {"sort_by(people, name)", nullptr, "invalid type for argument 2 of sort_by()"},
      {"length(&name)", nullptr, "invalid type for argument 1 of length()"},
      {"&name", nullptr, "only allowed as a function argument"},
  });
}

TEST(JmespathFunctions, UnknownFunctionsAndWrongArity_AreErrors) {
  check_rows(sample_doc(), {
      {"nope(s)", nullptr, "unknown function nope()"},
      {"length(s, s)", nullptr, "length() takes 1 argument, got 2"},
      {"contains(s)", nullptr, "contains() takes 2 arguments, got 1"},
      {"merge()", nullptr, "merge() takes at least 1 argument, got 0"},
      {"not_null()", nullptr, "not_null() takes at least 1 argument, got 0"},
      {"\"length\"(s)", nullptr, "a quoted identifier cannot name a function at column 9"},
      {"length(s", nullptr, "expected ',', found end of expression at column 9"},
      {"`1`(s)", nullptr, "only a name can be called as a function at column 4"},
      {"`[]`[*].nope(@)", "[]", nullptr},  // python-jmespath too: never called, never looked up
  });
}

}  // namespace
}  // namespace cv::cli::testing
