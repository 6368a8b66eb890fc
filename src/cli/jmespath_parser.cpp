// JMESPath lexer and parser (jmespath_ast.hpp): a top-down operator-precedence parser over the
// grammar of https://jmespath.org/specification.html, with the binding powers the specification's
// reference implementation uses, so precedence and projection stops match az's evaluator.
// Recursion is bounded by kJmespathMaxDepth: a hostile `((((...` gets an error, not a stack overflow.
#include <charconv>
#include <limits>

#include "cli/jmespath.hpp"
#include "cli/jmespath_ast.hpp"
#include "coldvault/bytes.hpp"

namespace cv::cli::jmes {
namespace {

enum class Tok {
  Eof, Ident, QuotedIdent, Literal, Number, Dot, Star, Flatten, Filter, LBracket, RBracket, LBrace,
  RBrace, LParen, RParen, Comma, Colon, Pipe, Or, And, Not, Expref, Current, Eq, Ne, Lt, Le, Gt, Ge,
};

struct Token {
  Tok type = Tok::Eof;
  std::size_t column = 0;
  std::string text;    // identifier name
  json value;          // literal value or number
};

// How strongly a token binds to the expression on its left; tokens below 10 stop a projection.
int binding_power(Tok t) {
  switch (t) {
    case Tok::Pipe: return 1;
    case Tok::Or: return 2;
    case Tok::And: return 3;
    case Tok::Eq: case Tok::Ne: case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge: return 5;
    case Tok::Flatten: return 9;
    case Tok::Star: return 20;
    case Tok::Filter: return 21;
    case Tok::Dot: return 40;
    case Tok::Not: return 45;
    case Tok::LBrace: return 50;
    case Tok::LBracket: return 55;
    case Tok::LParen: return 60;
    default: return 0;
  }
}
constexpr int kProjectionStop = 10;

std::string_view describe(Tok t) {
  switch (t) {
    case Tok::Eof: return "end of expression";
    case Tok::Ident: case Tok::QuotedIdent: return "identifier";
    case Tok::Literal: return "literal";
    case Tok::Number: return "number";
    case Tok::Dot: return "'.'";
    case Tok::Star: return "'*'";
    case Tok::Flatten: return "'[]'";
    case Tok::Filter: return "'[?'";
    case Tok::LBracket: return "'['";
    case Tok::RBracket: return "']'";
    case Tok::LBrace: return "'{'";
    case Tok::RBrace: return "'}'";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::Comma: return "','";
    case Tok::Colon: return "':'";
    case Tok::Pipe: return "'|'";
    case Tok::Or: return "'||'";
    case Tok::And: return "'&&'";
    case Tok::Not: return "'!'";
    case Tok::Expref: return "'&'";
    case Tok::Current: return "'@'";
    case Tok::Eq: return "'=='";
    case Tok::Ne: return "'!='";
    case Tok::Lt: return "'<'";
    case Tok::Le: return "'<='";
    case Tok::Gt: return "'>'";
    case Tok::Ge: return "'>='";
  }
  return "token";
}

std::unexpected<Error> syntax(std::string_view what, std::size_t column) {
  return fail(Errc::BadParameter,
              "--query: " + std::string(what) + " at column " + std::to_string(column));
}

// Depth of a parsed JSON literal, walked without recursion.
int json_depth(const json& root) {
  int deepest = 0;
  std::vector<std::pair<const json*, int>> todo{{&root, 1}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    deepest = std::max(deepest, d);
    if (d > kJmespathMaxDepth) break;
    if (v->is_structured())
      for (const auto& e : *v) todo.emplace_back(&e, d + 1);
  }
  return deepest;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    while (true) {
      while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
        ++i_;
      Token t;
      t.column = i_ + 1;
      if (i_ >= s_.size()) {
        out.push_back(std::move(t));
        return out;
      }
      char c = s_[i_];
      auto next_is = [&](char n) { return i_ + 1 < s_.size() && s_[i_ + 1] == n; };
      auto one = [&](Tok type, std::size_t len = 1) { t.type = type; i_ += len; };
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        std::size_t b = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
        t.type = Tok::Ident;
        t.text = std::string(s_.substr(b, i_ - b));
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
        auto r = number(t);
        if (!r) return std::unexpected(r.error());
      } else if (c == '"') {
        auto body = until('"', t.column);
        if (!body) return std::unexpected(body.error());
        json v = json::parse("\"" + *body + "\"", nullptr, false);
        if (v.is_discarded()) return syntax("invalid quoted identifier", t.column);
        t.type = Tok::QuotedIdent;
        t.text = v.get<std::string>();
      } else if (c == '\'') {
        auto body = until('\'', t.column);
        if (!body) return std::unexpected(body.error());
        t.type = Tok::Literal;
        t.value = unescape(*body, '\'');  // raw string: only \' is an escape
      } else if (c == '`') {
        auto body = until('`', t.column);
        if (!body) return std::unexpected(body.error());
        auto v = literal(unescape(*body, '`'), t.column);
        if (!v) return std::unexpected(v.error());
        t.type = Tok::Literal;
        t.value = std::move(*v);
      } else if (c == '[') {
        if (next_is(']')) one(Tok::Flatten, 2);
        else if (next_is('?')) one(Tok::Filter, 2);
        else one(Tok::LBracket);
      } else if (c == '|') {
        one(next_is('|') ? Tok::Or : Tok::Pipe, next_is('|') ? 2 : 1);
      } else if (c == '&') {
        one(next_is('&') ? Tok::And : Tok::Expref, next_is('&') ? 2 : 1);
      } else if (c == '!') {
        one(next_is('=') ? Tok::Ne : Tok::Not, next_is('=') ? 2 : 1);
      } else if (c == '<') {
        one(next_is('=') ? Tok::Le : Tok::Lt, next_is('=') ? 2 : 1);
      } else if (c == '>') {
        one(next_is('=') ? Tok::Ge : Tok::Gt, next_is('=') ? 2 : 1);
      } else if (c == '=') {
        if (!next_is('=')) return syntax("'=' is not an operator (did you mean '=='?)", t.column);
        one(Tok::Eq, 2);
      } else {
        switch (c) {
          case '.': one(Tok::Dot); break;
          case '*': one(Tok::Star); break;
          case ']': one(Tok::RBracket); break;
          case '{': one(Tok::LBrace); break;
          case '}': one(Tok::RBrace); break;
          case '(': one(Tok::LParen); break;
          case ')': one(Tok::RParen); break;
          case ',': one(Tok::Comma); break;
          case ':': one(Tok::Colon); break;
          case '@': one(Tok::Current); break;
          default: return syntax("unexpected character '" + std::string(1, c) + "'", t.column);
        }
      }
      out.push_back(std::move(t));
    }
  }

 private:
  // -?[0-9]+; an index too large for 64 bits saturates (it can only ever be out of range).
  Result<void> number(Token& t) {
    std::size_t b = i_;
    if (s_[i_] == '-') ++i_;
    std::size_t digits = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ == digits) return syntax("'-' must be followed by digits", t.column);
    std::int64_t v = 0;
    auto r = std::from_chars(s_.data() + b, s_.data() + i_, v);
    if (r.ec == std::errc::result_out_of_range)
      v = s_[b] == '-' ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max();
    t.type = Tok::Number;
    t.value = v;
    return {};
  }

  // The text up to the closing `quote` (a backslash keeps the next character), quote consumed.
  Result<std::string> until(char quote, std::size_t column) {
    std::size_t b = ++i_;
    while (i_ < s_.size() && s_[i_] != quote) i_ += s_[i_] == '\\' ? 2 : 1;
    if (i_ >= s_.size()) return syntax(std::string("unterminated ") + quote, column);
    return std::string(s_.substr(b, i_++ - b));
  }

  static std::string unescape(const std::string& body, char quote) {
    std::string out;
    for (std::size_t k = 0; k < body.size(); ++k) {
      if (body[k] == '\\' && k + 1 < body.size() && body[k + 1] == quote) continue;
      out += body[k];
    }
    return out;
  }

  // A `json` literal. Like python-jmespath, text that is not JSON is taken as a string (the
  // specification's deprecated form `foo`), so az scripts relying on it keep working.
  static Result<json> literal(const std::string& text, std::size_t column) {
    json v = json::parse(text, nullptr, false);
    if (v.is_discarded()) {
      std::size_t lead = text.find_first_not_of(" \t\n\r");
      v = json::parse("\"" + (lead == std::string::npos ? std::string() : text.substr(lead)) + "\"",
                      nullptr, false);
      if (v.is_discarded()) return syntax("invalid JSON literal", column);
    }
    if (json_depth(v) > kJmespathMaxDepth) return syntax("JSON literal nested too deeply", column);
    return v;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

using NodePtr = std::unique_ptr<Node>;

NodePtr make(Kind k, std::size_t column, NodePtr a = nullptr, NodePtr b = nullptr) {
  auto n = std::make_unique<Node>();
  n->kind = k;
  n->column = column;
  if (a) n->kids.push_back(std::move(a));
  if (b) n->kids.push_back(std::move(b));
  for (const auto& k : n->kids) n->height = std::max(n->height, k->height + 1);
  return n;
}

void adopt(Node& parent, NodePtr kid) {
  parent.height = std::max(parent.height, kid->height + 1);
  parent.kids.push_back(std::move(kid));
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<NodePtr> run() {
    auto n = expression(0);
    if (!n) return n;
    if (cur().type != Tok::Eof) return unexpected();
    return n;
  }

 private:
  const Token& cur() const { return t_[p_]; }
  const Token& ahead(std::size_t k) const { return t_[std::min(p_ + k, t_.size() - 1)]; }
  void advance() {
    if (p_ + 1 < t_.size()) ++p_;
  }
  std::unexpected<Error> unexpected() const {
    if (cur().type == Tok::Eof) return syntax("incomplete expression", cur().column);
    return syntax("unexpected " + std::string(describe(cur().type)), cur().column);
  }
  Result<void> match(Tok t) {
    if (cur().type != t)
      return syntax("expected " + std::string(describe(t)) + ", found " +
                        std::string(describe(cur().type)), cur().column);
    advance();
    return {};
  }

  Result<NodePtr> expression(int bp) {
    if (++depth_ > kJmespathMaxDepth) return syntax("expression nested too deeply", cur().column);
    Token tok = cur();
    advance();
    auto left = nud(tok);
    // Left-deep chains (`a.b.c...`) grow the tree without recursing here, so check the height.
    while (left && bp < binding_power(cur().type)) {
      if ((*left)->height > kJmespathMaxDepth) return syntax("expression nested too deeply", cur().column);
      Token op = cur();
      advance();
      left = led(op, std::move(*left));
    }
    if (left && (*left)->height > kJmespathMaxDepth)
      return syntax("expression nested too deeply", cur().column);
    --depth_;
    return left;
  }

  Result<NodePtr> nud(const Token& tok) {
    switch (tok.type) {
      case Tok::Literal: {
        auto n = make(Kind::Literal, tok.column);
        n->literal = tok.value;
        return n;
      }
      case Tok::Ident: case Tok::QuotedIdent: {
        if (tok.type == Tok::QuotedIdent && cur().type == Tok::LParen)
          return syntax("a quoted identifier cannot name a function", cur().column);
        auto n = make(Kind::Field, tok.column);
        n->name = tok.text;
        return n;
      }
      case Tok::Star: {
        if (cur().type == Tok::RBracket)
          return make(Kind::ValueProjection, tok.column, make(Kind::Identity, tok.column),
                      make(Kind::Identity, tok.column));
        auto rhs = projection_rhs(binding_power(Tok::Star));
        if (!rhs) return rhs;
        return make(Kind::ValueProjection, tok.column, make(Kind::Identity, tok.column), std::move(*rhs));
      }
      case Tok::Filter: return filter(make(Kind::Identity, tok.column), tok.column);
      case Tok::LBrace: return multi_hash(tok.column);
      case Tok::LParen: {
        auto n = expression(0);
        if (!n) return n;
        if (auto m = match(Tok::RParen); !m) return std::unexpected(m.error());
        return n;
      }
      case Tok::Flatten: return flatten(make(Kind::Identity, tok.column), tok.column);
      case Tok::Not: {
        auto n = expression(binding_power(Tok::Not));
        if (!n) return n;
        return make(Kind::Not, tok.column, std::move(*n));
      }
      case Tok::LBracket: {
        if (cur().type == Tok::Number || cur().type == Tok::Colon) {
          auto idx = index_expression();
          if (!idx) return idx;
          return project_if_slice(make(Kind::Identity, tok.column), std::move(*idx), tok.column);
        }
        if (cur().type == Tok::Star && ahead(1).type == Tok::RBracket) {
          advance();
          advance();
          return star_projection(make(Kind::Identity, tok.column), tok.column);
        }
        return multi_list(tok.column);
      }
      case Tok::Current: return make(Kind::Identity, tok.column);
      case Tok::Expref: {
        auto n = expression(0);
        if (!n) return n;
        return make(Kind::Expref, tok.column, std::move(*n));
      }
      case Tok::Eof: return syntax("incomplete expression", tok.column);
      default: return syntax("unexpected " + std::string(describe(tok.type)), tok.column);
    }
  }

  Result<NodePtr> led(const Token& tok, NodePtr left) {
    switch (tok.type) {
      case Tok::Dot: {
        if (cur().type == Tok::Star) {
          advance();
          auto rhs = projection_rhs(binding_power(Tok::Dot));
          if (!rhs) return rhs;
          return make(Kind::ValueProjection, tok.column, std::move(left), std::move(*rhs));
        }
        auto rhs = dot_rhs(binding_power(Tok::Dot));
        if (!rhs) return rhs;
        return make(Kind::Subexpr, tok.column, std::move(left), std::move(*rhs));
      }
      case Tok::Pipe: case Tok::Or: case Tok::And: {
        auto rhs = expression(binding_power(tok.type));
        if (!rhs) return rhs;
        Kind k = tok.type == Tok::Pipe ? Kind::Pipe : tok.type == Tok::Or ? Kind::Or : Kind::And;
        return make(k, tok.column, std::move(left), std::move(*rhs));
      }
      case Tok::Eq: case Tok::Ne: case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge: {
        auto rhs = expression(binding_power(tok.type));
        if (!rhs) return rhs;
        auto n = make(Kind::Compare, tok.column, std::move(left), std::move(*rhs));
        n->op = tok.type == Tok::Eq ? Op::Eq : tok.type == Tok::Ne ? Op::Ne : tok.type == Tok::Lt ? Op::Lt
              : tok.type == Tok::Le ? Op::Le : tok.type == Tok::Gt ? Op::Gt : Op::Ge;
        return n;
      }
      case Tok::LParen: return function(std::move(left), tok.column);
      case Tok::Filter: return filter(std::move(left), tok.column);
      case Tok::Flatten: return flatten(std::move(left), tok.column);
      case Tok::LBracket: {
        if (cur().type == Tok::Number || cur().type == Tok::Colon) {
          auto idx = index_expression();
          if (!idx) return idx;
          return project_if_slice(std::move(left), std::move(*idx), tok.column);
        }
        if (auto m = match(Tok::Star); !m) return std::unexpected(m.error());
        if (auto m = match(Tok::RBracket); !m) return std::unexpected(m.error());
        return star_projection(std::move(left), tok.column);
      }
      default: return syntax("unexpected " + std::string(describe(tok.type)), tok.column);
    }
  }

  // What may follow a projection: nothing (a token that stops it), `[...]`, `[?...]` or `.x`.
  Result<NodePtr> projection_rhs(int bp) {
    if (binding_power(cur().type) < kProjectionStop) return make(Kind::Identity, cur().column);
    if (cur().type == Tok::LBracket || cur().type == Tok::Filter) return expression(bp);
    if (cur().type == Tok::Dot) {
      advance();
      return dot_rhs(bp);
    }
    return unexpected();
  }

  // After '.': an identifier, '*', a function call, or a multi-select list/hash.
  Result<NodePtr> dot_rhs(int bp) {
    Tok t = cur().type;
    if (t == Tok::Ident || t == Tok::QuotedIdent || t == Tok::Star) return expression(bp);
    std::size_t column = cur().column;
    if (t == Tok::LBracket) {
      advance();
      return multi_list(column);
    }
    if (t == Tok::LBrace) {
      advance();
      return multi_hash(column);
    }
    return unexpected();
  }

  Result<NodePtr> star_projection(NodePtr left, std::size_t column) {
    auto rhs = projection_rhs(binding_power(Tok::Star));
    if (!rhs) return rhs;
    return make(Kind::Projection, column, std::move(left), std::move(*rhs));
  }

  Result<NodePtr> flatten(NodePtr left, std::size_t column) {
    auto rhs = projection_rhs(binding_power(Tok::Flatten));
    if (!rhs) return rhs;
    return make(Kind::Projection, column, make(Kind::Flatten, column, std::move(left)), std::move(*rhs));
  }

  Result<NodePtr> filter(NodePtr left, std::size_t column) {
    auto cond = expression(0);
    if (!cond) return cond;
    if (auto m = match(Tok::RBracket); !m) return std::unexpected(m.error());
    Result<NodePtr> rhs = cur().type == Tok::Flatten ? make(Kind::Identity, cur().column)
                                                      : projection_rhs(binding_power(Tok::Filter));
    if (!rhs) return rhs;
    auto n = make(Kind::FilterProjection, column, std::move(left), std::move(*rhs));
    adopt(*n, std::move(*cond));
    return n;
  }

  // After '[' when a number or ':' follows: an index or a slice, up to and including ']'.
  Result<NodePtr> index_expression() {
    if (cur().type == Tok::Colon || ahead(1).type == Tok::Colon) return slice();
    auto n = make(Kind::Index, cur().column);
    n->index = cur().value.get<std::int64_t>();
    if (auto m = match(Tok::Number); !m) return std::unexpected(m.error());
    if (auto m = match(Tok::RBracket); !m) return std::unexpected(m.error());
    return n;
  }

  Result<NodePtr> slice() {
    auto n = make(Kind::Slice, cur().column);
    std::optional<std::int64_t>* parts[] = {&n->start, &n->stop, &n->step};
    int part = 0;
    while (cur().type != Tok::RBracket) {
      if (cur().type == Tok::Colon) {
        if (++part == 3) return syntax("a slice has at most two ':'", cur().column);
      } else if (cur().type == Tok::Number && !*parts[part]) {
        *parts[part] = cur().value.get<std::int64_t>();
        if (part == 2 && *n->step == 0) return syntax("slice step cannot be 0", cur().column);
      } else {
        return unexpected();
      }
      advance();
    }
    advance();
    return n;
  }

  // `left[index]` is a plain sub-expression; `left[slice]` projects what follows over the slice.
  Result<NodePtr> project_if_slice(NodePtr left, NodePtr idx, std::size_t column) {
    bool is_slice = idx->kind == Kind::Slice;
    auto n = make(Kind::Subexpr, column, std::move(left), std::move(idx));
    if (!is_slice) return n;
    return star_projection(std::move(n), column);
  }

  Result<NodePtr> multi_list(std::size_t column) {
    auto n = make(Kind::MultiList, column);
    while (true) {
      auto e = expression(0);
      if (!e) return e;
      adopt(*n, std::move(*e));
      if (cur().type == Tok::RBracket) break;
      if (auto m = match(Tok::Comma); !m) return std::unexpected(m.error());
    }
    advance();
    return n;
  }

  Result<NodePtr> multi_hash(std::size_t column) {
    auto n = make(Kind::MultiHash, column);
    while (true) {
      if (cur().type != Tok::Ident && cur().type != Tok::QuotedIdent)
        return syntax("expected a key name, found " + std::string(describe(cur().type)), cur().column);
      n->keys.push_back(cur().text);
      advance();
      if (auto m = match(Tok::Colon); !m) return std::unexpected(m.error());
      auto e = expression(0);
      if (!e) return e;
      adopt(*n, std::move(*e));
      if (cur().type == Tok::RBrace) break;
      if (auto m = match(Tok::Comma); !m) return std::unexpected(m.error());
    }
    advance();
    return n;
  }

  Result<NodePtr> function(NodePtr left, std::size_t column) {
    if (left->kind != Kind::Field) return syntax("only a name can be called as a function", column);
    auto n = make(Kind::Function, left->column);
    n->name = left->name;
    while (cur().type != Tok::RParen) {
      auto e = expression(0);
      if (!e) return e;
      adopt(*n, std::move(*e));
      if (cur().type == Tok::RParen) break;
      if (auto m = match(Tok::Comma); !m) return std::unexpected(m.error());
    }
    advance();
    return n;
  }

  std::vector<Token> t_;
  std::size_t p_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Node>> parse(std::string_view expression) {
  // A raw string literal copies its bytes into the result, which must print as JSON: refuse what is not text.
  if (!is_utf8(as_bytes(expression)))
    return fail(Errc::BadParameter, "--query: the expression is not valid UTF-8");
  auto toks = Lexer(expression).run();
  if (!toks) return std::unexpected(toks.error());
  auto n = Parser(std::move(*toks)).run();
  return n;
}

}  // namespace cv::cli::jmes
