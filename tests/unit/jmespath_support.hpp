// Table-driven checks for the JMESPath evaluator (src/cli/jmespath.hpp): each row is an expression
// over a document and either the JSON it must give or the start of the error it must give.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/jmespath.hpp"

namespace cv::cli::testing {

struct Row {
  const char* expr;
  const char* want;   // JSON text of the result, or nullptr when an error is expected
  const char* error;  // substring of the error message when want is nullptr
};

inline void check_rows(const nlohmann::json& doc, const std::vector<Row>& rows) {
  for (const auto& r : rows) {
    SCOPED_TRACE(r.expr);
    auto got = jmespath_search(doc, r.expr);
    if (r.want) {
      ASSERT_TRUE(got) << got.error().message;
      auto want = nlohmann::json::parse(r.want);
      EXPECT_EQ(*got, want) << got->dump() << " != " << want.dump();
      // Integer and float print differently (2 vs 2.0), so the kind of number matters too.
      if (want.is_number()) {
        EXPECT_EQ(got->is_number_float(), want.is_number_float()) << got->dump();
      }
    } else {
      ASSERT_FALSE(got) << "expected an error, got " << got->dump();
      EXPECT_EQ(got.error().code, Errc::BadParameter);
      EXPECT_NE(got.error().message.find(r.error), std::string::npos) << got.error().message;
      EXPECT_EQ(got.error().message.rfind("--query: ", 0), 0u) << got.error().message;
    }
  }
}

inline const nlohmann::json& sample_doc() {
  static const nlohmann::json doc = nlohmann::json::parse(R"({
    "foo": {"bar": {"baz": "correct"}},
    "with space": 1, "quo\"te": 2,
    "list": [0, 1, 2, 3, 4, 5],
    "nested": [[0, 1], [2, [3]], 4, null],
    "people": [{"name": "ann", "age": 30, "tags": ["x"]}, {"name": "bo", "age": 20, "tags": []},
               {"name": "cy", "tags": ["y", "z"]}],
    "objs": {"a": {"v": 1}, "b": {"v": 2}, "c": {"w": 3}},
    "t": true, "f": false, "n": null, "zero": 0, "empty": "", "s": "héllo",
    "nums": [3, 1.5, -2], "strs": ["b", "a", "c"]
  })");
  return doc;
}

}  // namespace cv::cli::testing
