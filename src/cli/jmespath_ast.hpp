// Internal to the JMESPath module (jmespath.hpp): the syntax tree the parser builds and the
// evaluator walks, and the entry points between the three files (parser, evaluator, functions).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coldvault/error.hpp"

namespace cv::cli::jmes {

// Objects keep their members' order: a multi-select hash's keys come out in the expression's order, as
// knack's `--query` (python-jmespath with OrderedDict) gives them to `-o tsv` and `-o table`.
using json = nlohmann::ordered_json;

// JSON equality, whatever the members' order ({"a":1,"b":2} == {"b":2,"a":1}): ordered_json alone
// compares objects in order.
inline bool same_value(const json& a, const json& b) {
  if (a.is_object() != b.is_object() || a.is_array() != b.is_array()) return false;
  if (!a.is_structured()) return a == b;
  return nlohmann::json(a) == nlohmann::json(b);
}

enum class Kind {
  Identity,          // the current node, implied (`[*]`'s left side) or `@`
  Field,             // name
  Subexpr,           // kids[0] then kids[1] on its result (`a.b`, `a[0]`)
  Index,             // index (negative counts from the end)
  Slice,             // start, stop, step
  Projection,        // kids[1] over each element of the array kids[0]
  ValueProjection,   // kids[1] over each value of the object kids[0]
  FilterProjection,  // kids[1] over each element of kids[0] for which kids[2] is true
  Flatten,           // kids[0] with nested arrays merged one level
  Compare,           // op, kids[0], kids[1]
  Or,
  And,
  Not,
  Literal,   // literal
  Function,  // name(kids...)
  Expref,    // &kids[0]
  Pipe,      // kids[0] | kids[1]
  MultiList, // [kids...]
  MultiHash, // {keys[i]: kids[i]}
};

enum class Op { Eq, Ne, Lt, Le, Gt, Ge };

struct Node {
  Kind kind = Kind::Identity;
  std::size_t column = 0;  // 1-based column of the token that made the node, for error messages
  int height = 1;          // of the subtree; the parser keeps it <= kJmespathMaxDepth
  std::string name;
  json literal;
  Op op = Op::Eq;
  std::int64_t index = 0;
  std::optional<std::int64_t> start, stop, step;
  std::vector<std::unique_ptr<Node>> kids;
  std::vector<std::string> keys;
};

// Parses `expression`; BadParameter "--query: <what> at column N" on a syntax error.
Result<std::unique_ptr<Node>> parse(std::string_view expression);

// A function argument: a value, or an expression reference (`&expr`) kept unevaluated.
struct Arg {
  json value;
  const Node* expref = nullptr;
};
// Evaluates an expression reference against one element (map, sort_by, max_by, min_by).
using Apply = std::function<Result<json>(const Node&, const json&)>;

// Calls the built-in `name`. BadParameter for an unknown function, a wrong number of arguments or
// an argument of the wrong type.
Result<json> call_function(const std::string& name, std::span<const Arg> args, const Apply& apply);

// JMESPath truthiness: false, null, "", [] and {} are false; everything else (0 too) is true.
bool truthy(const json& v);
// "number", "string", ... as the type() function names them.
std::string_view type_name(const json& v);

}  // namespace cv::cli::jmes
