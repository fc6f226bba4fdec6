// Tokenizer and recursive-descent parser of KeOps formulas (see expression.hpp for the grammar).
#include <kernelsolve/formula/expression.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>
#include <utility>

namespace kernelsolve::formula {
namespace {

struct FunctionInfo {
  std::string_view name;
  Function function;
  std::size_t arity;
};

constexpr std::array<FunctionInfo, 14> functions = {{{"Exp", Function::exp, 1},
                                                     {"Log", Function::log, 1},
                                                     {"Sqrt", Function::sqrt, 1},
                                                     {"Rsqrt", Function::rsqrt, 1},
                                                     {"Inv", Function::inv, 1},
                                                     {"Square", Function::square, 1},
                                                     {"Abs", Function::abs, 1},
                                                     {"Pow", Function::pow, 2},
                                                     {"Powf", Function::powf, 2},
                                                     {"SqDist", Function::sq_dist, 2},
                                                     {"SqNorm2", Function::sq_norm2, 1},
                                                     {"Norm2", Function::norm2, 1},
                                                     {"Sum", Function::sum, 1},
                                                     {"IntCst", Function::int_cst, 1}}};

FunctionInfo const* find_function(std::string_view name) {
  auto const found =
      std::find_if(functions.begin(), functions.end(), [name](FunctionInfo const& info) { return info.name == name; });
  return found == functions.end() ? nullptr : &*found;
}

FunctionInfo const& info_of(Function function) {
  return *std::find_if(functions.begin(), functions.end(),
                       [function](FunctionInfo const& info) { return info.function == function; });
}

std::string supported_functions() {
  std::string list;
  for (FunctionInfo const& info : functions) list.append(list.empty() ? "" : ", ").append(info.name);
  return list;
}

enum class TokenKind { number, identifier, plus, minus, star, slash, left_paren, right_paren, comma, end };

struct Token {
  TokenKind kind = TokenKind::end;
  SourceSpan span;
  double value = 0.0;
};

bool is_digit(char character) {
  return character >= '0' && character <= '9';
}
bool is_identifier_start(char character) {
  return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') || character == '_';
}
bool is_identifier_part(char character) {
  return is_identifier_start(character) || is_digit(character);
}
bool is_space(char character) {
  return character == ' ' || character == '\t' || character == '\n' || character == '\r' || character == '\f' ||
         character == '\v';
}

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view source) : source_(source) {}

  std::vector<Token> tokenize() {
    std::vector<Token> tokens;
    while (true) {
      while (position_ < source_.size() && is_space(source_[position_])) ++position_;
      if (position_ == source_.size()) {
        tokens.push_back({TokenKind::end, {position_, position_}, 0.0});
        return tokens;
      }
      tokens.push_back(next());
    }
  }

 private:
  Token next() {
    std::size_t const begin = position_;
    char const character = source_[position_];
    if (is_digit(character) || (character == '.' && position_ + 1 < source_.size() && is_digit(source_[position_ + 1])))
      return number();
    if (is_identifier_start(character)) {
      while (position_ < source_.size() && is_identifier_part(source_[position_])) ++position_;
      return {TokenKind::identifier, {begin, position_}, 0.0};
    }
    TokenKind kind = TokenKind::end;
    switch (character) {
      case '+':
        kind = TokenKind::plus;
        break;
      case '-':
        kind = TokenKind::minus;
        break;
      case '*':
        kind = TokenKind::star;
        break;
      case '/':
        kind = TokenKind::slash;
        break;
      case '(':
        kind = TokenKind::left_paren;
        break;
      case ')':
        kind = TokenKind::right_paren;
        break;
      case ',':
        kind = TokenKind::comma;
        break;
      default:
        throw unexpected_character(begin);
    }
    ++position_;
    return {kind, {begin, position_}, 0.0};
  }

  FormulaError unexpected_character(std::size_t at) const {
    auto const code = static_cast<unsigned char>(source_[at]);
    std::string problem;
    if (code > 0x20 && code < 0x7f) {
      problem = std::string("unexpected character '") + source_[at] + "'";
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(code));
      problem = std::string("unexpected byte ") + hex + " (formulas are ASCII)";
    }
    return FormulaError(source_, problem, at + 1, 1);
  }

  Token number() {
    std::size_t const begin = position_;
    auto skip_digits = [this] {
      while (position_ < source_.size() && is_digit(source_[position_])) ++position_;
    };
    skip_digits();
    if (position_ < source_.size() && source_[position_] == '.') {
      ++position_;
      skip_digits();
    }
    if (position_ < source_.size() && (source_[position_] == 'e' || source_[position_] == 'E')) {
      ++position_;
      if (position_ < source_.size() && (source_[position_] == '+' || source_[position_] == '-')) ++position_;
      std::size_t const exponent_digits = position_;
      skip_digits();
      if (position_ == exponent_digits) {
        std::string problem = "malformed number '";
        problem.append(source_.substr(begin, position_ - begin)).append("': its exponent has no digits");
        throw FormulaError(source_, problem, begin + 1, position_ - begin);
      }
    }
    std::string_view const text = source_.substr(begin, position_ - begin);
    double value = 0.0;
    auto const [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (status != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
      std::string problem = "number '";
      problem.append(text).append("' is out of the range of double");
      throw FormulaError(source_, problem, begin + 1, text.size());
    }
    return {TokenKind::number, {begin, position_}, value};
  }

  std::string_view source_;
  std::size_t position_ = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view source) : source_(source), tokens_(Tokenizer(source).tokenize()) {}

  Expression parse() {
    if (peek().kind == TokenKind::end) throw error({0, source_.size()}, "the formula is empty");
    std::size_t const root = parse_sum();
    if (peek().kind == TokenKind::right_paren) throw error(peek().span, "unmatched ')'");
    if (peek().kind != TokenKind::end)
      throw error(peek().span, "expected an operator or the end of the formula, found " + describe(peek()));
    return Expression(std::string(source_), std::move(nodes_), root);
  }

 private:
  Token const& peek() const { return tokens_[current_]; }
  Token const& advance() { return tokens_[current_ == tokens_.size() - 1 ? current_ : current_++]; }

  FormulaError error(SourceSpan span, std::string_view problem) const {
    return FormulaError(source_, problem, span.column(), span.length());
  }

  std::string describe(Token const& token) const {
    if (token.kind == TokenKind::end) return "the end of the formula";
    return "'" + std::string(source_.substr(token.span.begin, token.span.length())) + "'";
  }

  std::string too_deep() const {
    return "the formula nests more than " + std::to_string(Expression::max_depth) + " levels deep";
  }

  std::size_t add_node(Node node) {
    for (std::size_t operand : node.operands) node.depth = std::max(node.depth, nodes_[operand].depth + 1);
    if (node.depth > Expression::max_depth) throw error(node.span, too_deep());
    nodes_.push_back(std::move(node));
    return nodes_.size() - 1;
  }

  std::size_t add_operation(NodeKind kind, SourceSpan span, std::vector<std::size_t> operands) {
    Node node;
    node.kind = kind;
    node.span = span;
    node.operands = std::move(operands);
    return add_node(std::move(node));
  }

  // sum := product (('+' | '-') product)*
  std::size_t parse_sum() {
    std::size_t left = parse_product();
    while (peek().kind == TokenKind::plus || peek().kind == TokenKind::minus) {
      NodeKind const kind = advance().kind == TokenKind::plus ? NodeKind::add : NodeKind::subtract;
      std::size_t const right = parse_product();
      left = add_operation(kind, {nodes_[left].span.begin, nodes_[right].span.end}, {left, right});
    }
    return left;
  }

  // product := unary (('*' | '/') unary)*
  std::size_t parse_product() {
    std::size_t left = parse_unary();
    while (peek().kind == TokenKind::star || peek().kind == TokenKind::slash) {
      NodeKind const kind = advance().kind == TokenKind::star ? NodeKind::multiply : NodeKind::divide;
      std::size_t const right = parse_unary();
      left = add_operation(kind, {nodes_[left].span.begin, nodes_[right].span.end}, {left, right});
    }
    return left;
  }

  // unary := ('-' | '+') unary | primary
  std::size_t parse_unary() {
    // Every recursion of the parser passes here: bounding it bounds the stack.
    if (++nesting_ > Expression::max_depth) throw error(peek().span, too_deep());
    std::size_t result = 0;
    if (peek().kind == TokenKind::minus || peek().kind == TokenKind::plus) {
      Token const sign = advance();
      std::size_t const operand = parse_unary();
      result = add_operation(sign.kind == TokenKind::minus ? NodeKind::negate : NodeKind::plus,
                             {sign.span.begin, nodes_[operand].span.end}, {operand});
    } else {
      result = parse_primary();
    }
    --nesting_;
    return result;
  }

  // primary := number | identifier | identifier '(' sum (',' sum)* ')' | '(' sum ')'
  std::size_t parse_primary() {
    Token const& token = peek();
    switch (token.kind) {
      case TokenKind::number: {
        advance();
        Node node;
        node.kind = NodeKind::number;
        node.span = token.span;
        node.value = token.value;
        return add_node(std::move(node));
      }
      case TokenKind::identifier: {
        advance();
        if (peek().kind == TokenKind::left_paren) return parse_call(token);
        Node node;
        node.kind = NodeKind::variable;
        node.span = token.span;
        node.name = std::string(source_.substr(token.span.begin, token.span.length()));
        return add_node(std::move(node));
      }
      case TokenKind::left_paren: {
        Token const open = advance();
        std::size_t const inner = parse_sum();
        expect_closing(open, "", 0);
        return inner;
      }
      case TokenKind::star:
        if (current_ > 0 && tokens_[current_ - 1].kind == TokenKind::star &&
            tokens_[current_ - 1].span.end == token.span.begin)
          throw error({token.span.begin - 1, token.span.end},
                      "'**' is not an operator: write Pow(a, n) or Powf(a, b) for a power");
        [[fallthrough]];
      default:
        throw error(token.span, "expected an expression, found " + describe(token));
    }
  }

  /// Consumes the ')' that closes `open`, which opens the arguments of `function` ("" for parentheses).
  void expect_closing(Token const& open, std::string_view function, std::size_t arguments) {
    if (peek().kind == TokenKind::right_paren) {
      advance();
      return;
    }
    std::string problem;
    if (function.empty()) {
      problem = "expected ')' to close the '(' at column " + std::to_string(open.span.column());
    } else {
      problem = "expected ',' or ')' after argument " + std::to_string(arguments) + " of " + std::string(function) +
                " (its '(' is at column " + std::to_string(open.span.column()) + ")";
    }
    throw error(peek().span, problem + ", found " + describe(peek()));
  }

  std::size_t parse_call(Token const& name) {
    std::string_view const function_name = source_.substr(name.span.begin, name.span.length());
    FunctionInfo const* info = find_function(function_name);
    if (info == nullptr) {
      std::string problem = "unsupported function '";
      problem.append(function_name).append("' (supported: ").append(supported_functions()).append(")");
      throw error(name.span, problem);
    }
    Token const open = advance();
    Node node;
    node.kind = NodeKind::call;
    node.function = info->function;
    node.name_span = name.span;
    if (peek().kind != TokenKind::right_paren) {
      while (true) {
        node.operands.push_back(parse_sum());
        if (peek().kind != TokenKind::comma) break;
        advance();
      }
    }
    expect_closing(open, function_name, node.operands.size());
    node.span = {name.span.begin, tokens_[current_ - 1].span.end};
    if (node.operands.size() != info->arity) {
      std::string problem(function_name);
      problem.append(" takes ")
          .append(std::to_string(info->arity))
          .append(info->arity == 1 ? " argument" : " arguments");
      problem.append(", got ").append(std::to_string(node.operands.size()));
      throw error(node.span, problem);
    }
    if (info->function == Function::pow || info->function == Function::int_cst) {
      std::size_t const constant = node.operands.back();
      if (!is_integer_constant(constant)) {
        std::string problem = info->function == Function::pow
                                  ? "the exponent of Pow must be an integer constant (use Powf(a, b) otherwise)"
                                  : "the argument of IntCst must be an integer constant";
        throw error(nodes_[constant].span, problem);
      }
    }
    return add_node(std::move(node));
  }

  /// An integer literal, possibly signed: "2", "-1".
  bool is_integer_constant(std::size_t index) const {
    Node const* node = &nodes_[index];
    if (node->kind == NodeKind::negate || node->kind == NodeKind::plus) node = &nodes_[node->operands[0]];
    return node->kind == NodeKind::number && node->value == std::floor(node->value) && std::abs(node->value) <= 1e9;
  }

  std::string_view source_;
  std::vector<Token> tokens_;
  std::size_t current_ = 0;
  std::vector<Node> nodes_;
  std::size_t nesting_ = 0;
};

}  // namespace

std::string_view name_of(Function function) {
  return info_of(function).name;
}

std::size_t arity_of(Function function) {
  return info_of(function).arity;
}

Expression parse_expression(std::string_view formula) {
  return Parser(formula).parse();
}

}  // namespace kernelsolve::formula
