// JMESPath evaluator (jmespath.hpp): walks the tree of jmespath_parser.cpp over a JSON document.
// Semantics follow https://jmespath.org/specification.html: a projection drops null results, a
// multi-select of null is null, ordering comparisons are defined for numbers only (else null).
// Recursion follows the tree, whose height the parser bounds.
#include "cli/jmespath.hpp"

#include "cli/jmespath_ast.hpp"

namespace cv::cli {
namespace jmes {

bool truthy(const json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_structured()) return !v.empty();
  return true;
}

std::string_view type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "number";
  }
}

namespace {

// Numbers compare exactly whatever their storage (int64, uint64, double): long double holds all.
long double as_long_double(const json& v) {
  if (v.is_number_unsigned()) return static_cast<long double>(v.get<std::uint64_t>());
  if (v.is_number_integer()) return static_cast<long double>(v.get<std::int64_t>());
  return static_cast<long double>(v.get<double>());
}

// Ordering: numbers by value, and strings by code point (UTF-8 byte order is code-point order) as
// python-jmespath, az's own evaluator, does: az scripts filter ISO-8601 dates with `<` ('2027' >
// '2026-12-31...'). The specification would give null for strings; a string against a number, or any
// other type, gives null (python raises there).
json compare(Op op, const json& a, const json& b) {
  if (op == Op::Eq) return same_value(a, b);
  if (op == Op::Ne) return !same_value(a, b);
  if (a.is_string() && b.is_string()) {
    auto c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    switch (op) {
      case Op::Lt:
        return c < 0;
      case Op::Le:
        return c <= 0;
      case Op::Gt:
        return c > 0;
      default:
        return c >= 0;
    }
  }
  if (!a.is_number() || !b.is_number()) return nullptr;
  long double x = as_long_double(a), y = as_long_double(b);
  switch (op) {
    case Op::Lt: return x < y;
    case Op::Le: return x <= y;
    case Op::Gt: return x > y;
    default: return x >= y;
  }
}

// Python-style slice bounds (the specification's algorithm): clamp into the array.
json slice(const json& v, const Node& n) {
  if (!v.is_array()) return nullptr;
  const std::int64_t len = static_cast<std::int64_t>(v.size());
  const std::int64_t step = n.step.value_or(1);
  auto bound = [&](std::optional<std::int64_t> x, bool is_start) -> std::int64_t {
    if (!x) return step > 0 ? (is_start ? 0 : len) : (is_start ? len - 1 : -1);
    std::int64_t i = *x;
    if (i < 0) {
      i = i < -len ? -1 : i + len;  // -len.. -1 maps onto 0..len-1
      if (i < 0) return step > 0 ? 0 : -1;
      return i;
    }
    if (i >= len) return step > 0 ? len : len - 1;
    return i;
  };
  std::int64_t start = bound(n.start, true), stop = bound(n.stop, false);
  json out = json::array();
  if (step > 0) {
    for (std::int64_t i = start; i < stop; i += step) {
      out.push_back(v[static_cast<std::size_t>(i)]);
      if (i > std::numeric_limits<std::int64_t>::max() - step) break;
    }
  } else {
    for (std::int64_t i = start; i > stop; i += step) {
      out.push_back(v[static_cast<std::size_t>(i)]);
      if (i < std::numeric_limits<std::int64_t>::min() - step) break;
    }
  }
  return out;
}

Result<json> eval(const Node& n, const json& cur);

// Runs `rhs` over each of `items`, dropping null results (the projection rule).
Result<json> project(const Node& rhs, const json& items) {
  json out = json::array();
  for (const auto& e : items) {
    auto r = eval(rhs, e);
    if (!r) return r;
    if (!r->is_null()) out.push_back(std::move(*r));
  }
  return out;
}

Result<json> eval(const Node& n, const json& cur) {
  switch (n.kind) {
    case Kind::Identity: return cur;
    case Kind::Field: {
      if (!cur.is_object()) return nullptr;
      auto it = cur.find(n.name);
      return it == cur.end() ? json(nullptr) : *it;
    }
    case Kind::Subexpr: case Kind::Pipe: {
      auto l = eval(*n.kids[0], cur);
      if (!l) return l;
      return eval(*n.kids[1], *l);
    }
    case Kind::Index: {
      if (!cur.is_array()) return nullptr;
      const std::int64_t len = static_cast<std::int64_t>(cur.size());
      std::int64_t i = n.index < 0 && n.index >= -len ? n.index + len : n.index;
      if (i < 0 || i >= len) return nullptr;
      return cur[static_cast<std::size_t>(i)];
    }
    case Kind::Slice: return slice(cur, n);
    case Kind::Projection: {
      auto l = eval(*n.kids[0], cur);
      if (!l) return l;
      if (!l->is_array()) return nullptr;
      return project(*n.kids[1], *l);
    }
    case Kind::ValueProjection: {
      auto l = eval(*n.kids[0], cur);
      if (!l) return l;
      if (!l->is_object()) return nullptr;
      json values = json::array();
      for (const auto& [k, v] : l->items()) values.push_back(v);
      return project(*n.kids[1], values);
    }
    case Kind::FilterProjection: {
      auto l = eval(*n.kids[0], cur);
      if (!l) return l;
      if (!l->is_array()) return nullptr;
      json kept = json::array();
      for (const auto& e : *l) {
        auto c = eval(*n.kids[2], e);
        if (!c) return c;
        if (truthy(*c)) kept.push_back(e);
      }
      return project(*n.kids[1], kept);
    }
    case Kind::Flatten: {
      auto l = eval(*n.kids[0], cur);
      if (!l) return l;
      if (!l->is_array()) return nullptr;
      json out = json::array();
      for (auto& e : *l) {
        if (e.is_array())
          for (auto& x : e) out.push_back(std::move(x));
        else
          out.push_back(std::move(e));
      }
      return out;
    }
    case Kind::Compare: {
      auto a = eval(*n.kids[0], cur);
      if (!a) return a;
      auto b = eval(*n.kids[1], cur);
      if (!b) return b;
      return compare(n.op, *a, *b);
    }
    case Kind::Or: case Kind::And: {
      auto a = eval(*n.kids[0], cur);
      if (!a) return a;
      if (truthy(*a) == (n.kind == Kind::Or)) return a;
      return eval(*n.kids[1], cur);
    }
    case Kind::Not: {
      auto a = eval(*n.kids[0], cur);
      if (!a) return a;
      return !truthy(*a);
    }
    case Kind::Literal: return n.literal;
    case Kind::Function: {
      std::vector<Arg> args;
      args.reserve(n.kids.size());
      for (const auto& k : n.kids) {
        if (k->kind == Kind::Expref) {
          args.push_back(Arg{nullptr, k->kids[0].get()});
          continue;
        }
        auto v = eval(*k, cur);
        if (!v) return v;
        args.push_back(Arg{std::move(*v), nullptr});
      }
      return call_function(n.name, args, [](const Node& e, const json& v) { return eval(e, v); });
    }
    case Kind::Expref:
      return fail(Errc::BadParameter, "--query: an expression reference ('&') at column " +
                                          std::to_string(n.column) +
                                          " is only allowed as a function argument");
    case Kind::MultiList: {
      if (cur.is_null()) return nullptr;
      json out = json::array();
      for (const auto& k : n.kids) {
        auto v = eval(*k, cur);
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case Kind::MultiHash: {
      if (cur.is_null()) return nullptr;
      json out = json::object();
      for (std::size_t i = 0; i < n.kids.size(); ++i) {
        auto v = eval(*n.kids[i], cur);
        if (!v) return v;
        out[n.keys[i]] = std::move(*v);
      }
      return out;
    }
  }
  return fail(Errc::Internal, "--query: unknown expression node");
}

}  // namespace
}  // namespace jmes

Result<nlohmann::ordered_json> jmespath_search_ordered(const nlohmann::ordered_json& doc, std::string_view expression) {
  auto tree = jmes::parse(expression);
  if (!tree) return std::unexpected(tree.error());
  return jmes::eval(**tree, doc);
}

Result<nlohmann::json> jmespath_search(const nlohmann::json& doc, std::string_view expression) {
  auto r = jmespath_search_ordered(nlohmann::ordered_json(doc), expression);
  if (!r) return std::unexpected(r.error());
  return nlohmann::json(*r);
}

}  // namespace cv::cli
