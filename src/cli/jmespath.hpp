// JMESPath (https://jmespath.org/specification.html) over nlohmann::json, for the CLI's `--query`.
// The whole specification: identifiers, sub-expressions, index and slice, projections, flatten,
// filters, multi-select list/hash, pipes, literals, `@`, expression references and the built-in
// functions. Written from the specification; docs/jmespath.md lists the known differences from
// python-jmespath (az's own evaluator) and from jp.
//
// Pure: no I/O, no global state; safe to call from several threads at once.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "coldvault/error.hpp"

namespace cv::cli {

// Evaluates a JMESPath expression (https://jmespath.org/specification.html) over `doc`.
// Errc::BadParameter with a message naming the column of a syntax error ("--query: ... at column N"),
// an unknown function, or a function argument of the wrong type (JMESPath's invalid-type).
// Also BadParameter: a wrong number of function arguments, a slice step of 0, and an expression or
// literal nested deeper than kJmespathMaxDepth (so no input can exhaust the stack).
Result<nlohmann::json> jmespath_search(const nlohmann::json& doc, std::string_view expression);
// The same over an ordered document, keeping object member order: a multi-select hash gives its keys in
// the expression's order (what `-o tsv` and `-o table` print, as az does).
Result<nlohmann::ordered_json> jmespath_search_ordered(const nlohmann::ordered_json& doc, std::string_view expression);

// Nesting limit of expressions and of JSON literals inside them.
inline constexpr int kJmespathMaxDepth = 256;

}  // namespace cv::cli
