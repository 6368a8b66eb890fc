// The built-in functions of JMESPath (jmespath_ast.hpp), with the specification's signatures:
// every argument is type-checked and a mismatch is JMESPath's invalid-type error (BadParameter).
// Where the specification is silent, python-jmespath (az's evaluator) decides: integer results
// stay integers (ceil, floor, abs, sum), to_string writes compact ASCII-escaped JSON.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "cli/jmespath_ast.hpp"

namespace cv::cli::jmes {
namespace {

using Fn = Result<json> (*)(const std::string&, std::span<const Arg>, const Apply&);

std::unexpected<Error> invalid_type(const std::string& fn, std::size_t arg, std::string_view expected,
                                    std::string_view got) {
  return fail(Errc::BadParameter, "--query: invalid type for argument " + std::to_string(arg + 1) +
                                      " of " + fn + "(): expected " + std::string(expected) +
                                      ", got " + std::string(got));
}

std::string_view arg_type(const Arg& a) { return a.expref ? "expression" : type_name(a.value); }

// Checks that argument `i` is a value (not `&expr`) of one of `types` ("number", "array", ...).
Result<void> want(const std::string& fn, std::span<const Arg> args, std::size_t i,
                  std::initializer_list<std::string_view> types) {
  auto got = arg_type(args[i]);
  for (auto t : types)
    if (t == "any" ? !args[i].expref : t == got) return {};
  std::string expected;
  for (auto t : types) expected += (expected.empty() ? "" : " or ") + std::string(t);
  return invalid_type(fn, i, expected, got);
}

// An array whose elements are all numbers, or all strings (`allow` says which kinds may appear).
Result<void> want_homogeneous(const std::string& fn, std::span<const Arg> args, std::size_t i,
                              bool numbers, bool strings) {
  if (auto r = want(fn, args, i, {"array"}); !r) return r;
  const json& a = args[i].value;
  if (a.empty()) return {};
  bool first_number = a[0].is_number();
  for (const auto& e : a) {
    bool ok = first_number ? (numbers && e.is_number()) : (strings && e.is_string());
    if (!ok)
      return invalid_type(fn, i,
                          numbers && strings ? "an array of numbers or an array of strings"
                          : numbers          ? "an array of numbers"
                                             : "an array of strings",
                          std::string("an array holding a ") + std::string(type_name(e)));
  }
  return {};
}

Result<void> want_expref(const std::string& fn, std::span<const Arg> args, std::size_t i) {
  if (args[i].expref) return {};
  return invalid_type(fn, i, "expression reference (&expr)", arg_type(args[i]));
}

long double num(const json& v) {
  if (v.is_number_unsigned()) return static_cast<long double>(v.get<std::uint64_t>());
  if (v.is_number_integer()) return static_cast<long double>(v.get<std::int64_t>());
  return static_cast<long double>(v.get<double>());
}

// Orders two numbers or two strings (callers have checked they are alike).
bool less(const json& a, const json& b) {
  if (a.is_number()) return num(a) < num(b);
  return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
}

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A whole double becomes an integer when it fits, as python's math.ceil/floor return ints.
json integral(double d) {
  if (std::isfinite(d) && d >= -9.2e18 && d <= 9.2e18) return static_cast<std::int64_t>(d);
  return d;
}

// python's int() then float() over a string: surrounding spaces allowed, else strict decimal.
json string_to_number(const std::string& text) {
  auto b = text.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return nullptr;
  auto e = text.find_last_not_of(" \t\n\r\f\v");
  std::string s = text.substr(b, e - b + 1);
  std::string body = s[0] == '+' ? s.substr(1) : s;
  if (body.empty() || body[0] == '+') return nullptr;
  std::size_t k = body[0] == '-' ? 1 : 0;
  bool digits_only = k < body.size() &&
                     std::all_of(body.begin() + static_cast<std::ptrdiff_t>(k), body.end(),
                                 [](char c) { return c >= '0' && c <= '9'; });
  if (digits_only) {
    std::int64_t v = 0;
    auto r = std::from_chars(body.data(), body.data() + body.size(), v);
    if (r.ec == std::errc() && r.ptr == body.data() + body.size()) return v;
  }
  // [-]digits[.digits][e[+-]digits] or [-].digits..., checked by hand: from_chars is laxer.
  std::size_t i = k, int_digits = 0, frac_digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++int_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return nullptr;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return nullptr;
  }
  if (i != body.size()) return nullptr;
  double d = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), d);
  if (r.ec != std::errc() || !std::isfinite(d)) return nullptr;
  return d;
}

Result<json> f_abs(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"number"}); !r) return std::unexpected(r.error());
  const json& v = a[0].value;
  if (v.is_number_unsigned()) return v;
  if (v.is_number_integer()) {
    auto i = v.get<std::int64_t>();
    if (i >= 0) return v;
    if (i == std::numeric_limits<std::int64_t>::min()) return static_cast<std::uint64_t>(i) ;
    return -i;
  }
  return std::fabs(v.get<double>());
}

Result<json> f_avg(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want_homogeneous(fn, a, 0, true, false); !r) return std::unexpected(r.error());
  if (a[0].value.empty()) return nullptr;
  long double sum = 0;
  for (const auto& e : a[0].value) sum += num(e);
  return static_cast<double>(sum / static_cast<long double>(a[0].value.size()));
}

Result<json> f_ceil(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"number"}); !r) return std::unexpected(r.error());
  if (!a[0].value.is_number_float()) return a[0].value;
  return integral(std::ceil(a[0].value.get<double>()));
}

Result<json> f_floor(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"number"}); !r) return std::unexpected(r.error());
  if (!a[0].value.is_number_float()) return a[0].value;
  return integral(std::floor(a[0].value.get<double>()));
}

Result<json> f_contains(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"array", "string"}); !r) return std::unexpected(r.error());
  if (auto r = want(fn, a, 1, {"any"}); !r) return std::unexpected(r.error());
  const json& subject = a[0].value;
  if (subject.is_array())
    return std::any_of(subject.begin(), subject.end(), [&](const json& e) { return same_value(e, a[1].value); });
  // A string only contains strings; python-jmespath refuses any other search value, and so do we.
  if (!a[1].value.is_string()) return invalid_type(fn, 1, "string (the subject is a string)", type_name(a[1].value));
  return subject.get_ref<const std::string&>().find(a[1].value.get_ref<const std::string&>()) !=
         std::string::npos;
}

Result<json> f_ends_with(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"string"}); !r) return std::unexpected(r.error());
  if (auto r = want(fn, a, 1, {"string"}); !r) return std::unexpected(r.error());
  return a[0].value.get_ref<const std::string&>().ends_with(a[1].value.get_ref<const std::string&>());
}

Result<json> f_starts_with(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"string"}); !r) return std::unexpected(r.error());
  if (auto r = want(fn, a, 1, {"string"}); !r) return std::unexpected(r.error());
  return a[0].value.get_ref<const std::string&>().starts_with(a[1].value.get_ref<const std::string&>());
}

Result<json> f_join(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"string"}); !r) return std::unexpected(r.error());
  if (auto r = want_homogeneous(fn, a, 1, false, true); !r) return std::unexpected(r.error());
  std::string out;
  bool first = true;
  for (const auto& e : a[1].value) {
    if (!first) out += a[0].value.get_ref<const std::string&>();
    out += e.get_ref<const std::string&>();
    first = false;
  }
  return out;
}

Result<json> f_keys(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"object"}); !r) return std::unexpected(r.error());
  json out = json::array();
  for (const auto& [k, v] : a[0].value.items()) out.push_back(k);
  return out;
}

Result<json> f_values(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"object"}); !r) return std::unexpected(r.error());
  json out = json::array();
  for (const auto& [k, v] : a[0].value.items()) out.push_back(v);
  return out;
}

Result<json> f_length(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"string", "array", "object"}); !r) return std::unexpected(r.error());
  if (a[0].value.is_string()) return code_points(a[0].value.get_ref<const std::string&>());
  return a[0].value.size();
}

Result<json> f_map(const std::string& fn, std::span<const Arg> a, const Apply& apply) {
  if (auto r = want_expref(fn, a, 0); !r) return std::unexpected(r.error());
  if (auto r = want(fn, a, 1, {"array"}); !r) return std::unexpected(r.error());
  json out = json::array();
  for (const auto& e : a[1].value) {
    auto v = apply(*a[0].expref, e);
    if (!v) return v;
    out.push_back(std::move(*v));  // map keeps nulls, unlike a projection
  }
  return out;
}

Result<json> extreme(const std::string& fn, std::span<const Arg> a, bool want_max) {
  if (auto r = want_homogeneous(fn, a, 0, true, true); !r) return std::unexpected(r.error());
  const json& arr = a[0].value;
  if (arr.empty()) return nullptr;
  const json* best = &arr[0];
  for (const auto& e : arr)
    if (want_max ? less(*best, e) : less(e, *best)) best = &e;
  return *best;
}
Result<json> f_max(const std::string& fn, std::span<const Arg> a, const Apply&) { return extreme(fn, a, true); }
Result<json> f_min(const std::string& fn, std::span<const Arg> a, const Apply&) { return extreme(fn, a, false); }

// The keys `&expr` gives each element: all numbers or all strings, else invalid-type.
Result<std::vector<json>> sort_keys(const std::string& fn, std::span<const Arg> a, const Apply& apply) {
  if (auto r = want(fn, a, 0, {"array"}); !r) return std::unexpected(r.error());
  if (auto r = want_expref(fn, a, 1); !r) return std::unexpected(r.error());
  std::vector<json> keys;
  for (const auto& e : a[0].value) {
    auto k = apply(*a[1].expref, e);
    if (!k) return std::unexpected(k.error());
    bool ok = keys.empty() ? (k->is_number() || k->is_string())
                           : (k->is_number() == keys[0].is_number() && k->is_string() == keys[0].is_string());
    if (!ok)
      return fail(Errc::BadParameter, "--query: invalid type in " + fn + "(): the expression gave a " +
                                          std::string(type_name(*k)) + (keys.empty() ? "" : " after a " + std::string(type_name(keys[0]))) +
                                          "; expected all numbers or all strings");
    keys.push_back(std::move(*k));
  }
  return keys;
}

Result<json> extreme_by(const std::string& fn, std::span<const Arg> a, const Apply& apply, bool want_max) {
  auto keys = sort_keys(fn, a, apply);
  if (!keys) return std::unexpected(keys.error());
  if (keys->empty()) return nullptr;
  std::size_t best = 0;
  for (std::size_t i = 1; i < keys->size(); ++i)
    if (want_max ? less((*keys)[best], (*keys)[i]) : less((*keys)[i], (*keys)[best])) best = i;
  return a[0].value[best];
}
Result<json> f_max_by(const std::string& fn, std::span<const Arg> a, const Apply& ap) { return extreme_by(fn, a, ap, true); }
Result<json> f_min_by(const std::string& fn, std::span<const Arg> a, const Apply& ap) { return extreme_by(fn, a, ap, false); }

Result<json> f_sort(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want_homogeneous(fn, a, 0, true, true); !r) return std::unexpected(r.error());
  json out = a[0].value;
  std::stable_sort(out.begin(), out.end(), less);
  return out;
}

Result<json> f_sort_by(const std::string& fn, std::span<const Arg> a, const Apply& apply) {
  auto keys = sort_keys(fn, a, apply);
  if (!keys) return std::unexpected(keys.error());
  std::vector<std::size_t> order(keys->size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return less((*keys)[x], (*keys)[y]); });
  json out = json::array();
  for (auto i : order) out.push_back(a[0].value[i]);
  return out;
}

Result<json> f_merge(const std::string& fn, std::span<const Arg> a, const Apply&) {
  json out = json::object();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (auto r = want(fn, a, i, {"object"}); !r) return std::unexpected(r.error());
    for (const auto& [k, v] : a[i].value.items()) out[k] = v;
  }
  return out;
}

Result<json> f_not_null(const std::string& fn, std::span<const Arg> a, const Apply&) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (auto r = want(fn, a, i, {"any"}); !r) return std::unexpected(r.error());
    if (!a[i].value.is_null()) return a[i].value;
  }
  return nullptr;
}

Result<json> f_reverse(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"string", "array"}); !r) return std::unexpected(r.error());
  if (a[0].value.is_array()) {
    json out = a[0].value;
    std::reverse(out.begin(), out.end());
    return out;
  }
  // Reverse code points, not bytes: each UTF-8 sequence keeps its byte order.
  const auto& s = a[0].value.get_ref<const std::string&>();
  std::string out;
  std::size_t end = s.size();
  while (end > 0) {
    std::size_t b = end - 1;
    while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
    out.append(s, b, end - b);
    end = b;
  }
  return out;
}

Result<json> f_sum(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want_homogeneous(fn, a, 0, true, false); !r) return std::unexpected(r.error());
  std::int64_t isum = 0;
  bool all_int = true;
  for (const auto& e : a[0].value)
    if (!e.is_number_integer() || (e.is_number_unsigned() && e.get<std::uint64_t>() > 9'000'000'000'000'000'000ULL) ||
        __builtin_add_overflow(isum, e.get<std::int64_t>(), &isum)) {
      all_int = false;
      break;
    }
  if (all_int) return isum;
  double d = 0;  // python adds floats left to right; so do we
  for (const auto& e : a[0].value) d += static_cast<double>(num(e));
  return d;
}

Result<json> f_to_array(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"any"}); !r) return std::unexpected(r.error());
  if (a[0].value.is_array()) return a[0].value;
  return json::array({a[0].value});
}

Result<json> f_to_number(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"any"}); !r) return std::unexpected(r.error());
  const json& v = a[0].value;
  if (v.is_number()) return v;
  if (v.is_string()) return string_to_number(v.get_ref<const std::string&>());
  return nullptr;
}

Result<json> f_to_string(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"any"}); !r) return std::unexpected(r.error());
  if (a[0].value.is_string()) return a[0].value;
  return a[0].value.dump(-1, ' ', /*ensure_ascii=*/true);
}

Result<json> f_type(const std::string& fn, std::span<const Arg> a, const Apply&) {
  if (auto r = want(fn, a, 0, {"any"}); !r) return std::unexpected(r.error());
  return std::string(type_name(a[0].value));
}

struct Builtin {
  Fn fn;
  std::size_t min_args;
  bool variadic;
};

const std::map<std::string, Builtin, std::less<>>& builtins() {
  static const std::map<std::string, Builtin, std::less<>> table = {
      {"abs", {f_abs, 1, false}},           {"avg", {f_avg, 1, false}},
      {"ceil", {f_ceil, 1, false}},         {"contains", {f_contains, 2, false}},
      {"ends_with", {f_ends_with, 2, false}}, {"floor", {f_floor, 1, false}},
      {"join", {f_join, 2, false}},         {"keys", {f_keys, 1, false}},
      {"length", {f_length, 1, false}},     {"map", {f_map, 2, false}},
      {"max", {f_max, 1, false}},           {"max_by", {f_max_by, 2, false}},
      {"merge", {f_merge, 1, true}},        {"min", {f_min, 1, false}},
      {"min_by", {f_min_by, 2, false}},     {"not_null", {f_not_null, 1, true}},
      {"reverse", {f_reverse, 1, false}},   {"sort", {f_sort, 1, false}},
      {"sort_by", {f_sort_by, 2, false}},   {"starts_with", {f_starts_with, 2, false}},
      {"sum", {f_sum, 1, false}},           {"to_array", {f_to_array, 1, false}},
      {"to_number", {f_to_number, 1, false}}, {"to_string", {f_to_string, 1, false}},
      {"type", {f_type, 1, false}},         {"values", {f_values, 1, false}},
  };
  return table;
}

}  // namespace

Result<json> call_function(const std::string& name, std::span<const Arg> args, const Apply& apply) {
  auto it = builtins().find(name);
  if (it == builtins().end()) return fail(Errc::BadParameter, "--query: unknown function " + name + "()");
  const Builtin& b = it->second;
  if (args.size() < b.min_args || (!b.variadic && args.size() != b.min_args))
    return fail(Errc::BadParameter, "--query: " + name + "() takes " + (b.variadic ? "at least " : "") +
                                        std::to_string(b.min_args) + " argument" +
                                        (b.min_args == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
  return b.fn(name, args, apply);
}

}  // namespace cv::cli::jmes
