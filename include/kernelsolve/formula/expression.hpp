// The expression tree of a KeOps formula string ("Exp(-g*SqDist(x,y))*b") and the parser that builds it.
// Host-only and free of Kokkos and MPI; kernel_formula.hpp gives the tree its meaning.
#pragma once

#include <kernelsolve/formula/formula_error.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kernelsolve::formula {

/// The characters [begin, end) of the formula that a node or token was read from (0-based byte offsets).
struct SourceSpan {
  std::size_t begin = 0;
  std::size_t end = 0;

  /// 1-based column of the first character, as FormulaError reports it.
  std::size_t column() const { return begin + 1; }
  std::size_t length() const { return end - begin; }
};

/// \brief The KeOps functions the parser knows, with their arity:
/// Exp, Log, Sqrt, Rsqrt (1 / sqrt, 0 at 0 as in KeOps), Inv (1 / a), Square, Abs, SqNorm2 (|a|^2), Norm2 (|a|),
/// Sum (sum of the entries) take one argument; Pow(a, n) (n an integer constant), Powf(a, b) (a^b = exp(b log a))
/// and SqDist(a, b) (|a - b|^2) two; IntCst(n) is the integer constant n.
enum class Function { exp, log, sqrt, rsqrt, inv, square, abs, pow, powf, sq_dist, sq_norm2, norm2, sum, int_cst };

/// The name of the function as written in formulas: "Exp", "SqDist", ...
std::string_view name_of(Function function);

/// The number of arguments the function takes.
std::size_t arity_of(Function function);

enum class NodeKind {
  number,    ///< a numeric literal: value
  variable,  ///< an identifier: name (a point, weight or parameter; the tree does not say which)
  negate,    ///< -operands[0]
  plus,      ///< +operands[0]
  add,       ///< operands[0] + operands[1]
  subtract,  ///< operands[0] - operands[1]
  multiply,  ///< operands[0] * operands[1]
  divide,    ///< operands[0] / operands[1]
  call       ///< function(operands...)
};

/// One node of the tree; its operands are indices into Expression::nodes().
struct Node {
  NodeKind kind = NodeKind::number;
  SourceSpan span;     ///< the whole node: "SqDist(x,y)", "-g", "g*SqDist(x,y)" (parentheses around it excluded)
  double value = 0.0;  ///< number
  std::string name;    ///< variable
  Function function = Function::exp;  ///< call
  SourceSpan name_span;               ///< call: the function's name
  std::vector<std::size_t> operands;
  std::size_t depth = 1;  ///< 1 + the largest depth of the operands
};

/// \brief A parsed formula: its nodes (operands before the nodes that use them) and the root.
class Expression {
 public:
  /// Nesting deeper than this is refused, so that walking a tree never exhausts the stack.
  static constexpr std::size_t max_depth = 200;

  Expression(std::string source, std::vector<Node> nodes, std::size_t root)
      : source_(std::move(source)), nodes_(std::move(nodes)), root_(root) {}

  std::string const& source() const { return source_; }
  std::vector<Node> const& nodes() const { return nodes_; }
  Node const& node(std::size_t index) const { return nodes_[index]; }
  std::size_t root_index() const { return root_; }
  Node const& root() const { return nodes_[root_]; }
  /// The text of a span: text(node(i).span) == "SqDist(x,y)".
  std::string_view text(SourceSpan span) const { return std::string_view(source_).substr(span.begin, span.length()); }

  /// A FormulaError about this formula pointing at `span`.
  FormulaError error(SourceSpan span, std::string_view problem) const {
    return FormulaError(source_, problem, span.column(), span.length());
  }

 private:
  std::string source_;
  std::vector<Node> nodes_;
  std::size_t root_;
};

/// \brief Parses a KeOps formula.
///
/// Grammar (whitespace between tokens is ignored; * and / bind tighter than + and -, all are left-associative,
/// unary - and + bind tightest):
///
///     sum     := product (('+' | '-') product)*
///     product := unary (('*' | '/') unary)*
///     unary   := ('-' | '+') unary | primary
///     primary := number | identifier | identifier '(' sum (',' sum)* ')' | '(' sum ')'
///     number  := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits]  |  '.' digits [exponent]
///
/// \throws FormulaError pointing at the first problem: an unexpected character or token, a malformed or
/// out-of-range number, an unknown function (at its name), a wrong number of arguments (at the call), a Pow
/// exponent that is not an integer constant, unbalanced parentheses, or nesting deeper than Expression::max_depth.
Expression parse_expression(std::string_view formula);

}  // namespace kernelsolve::formula
