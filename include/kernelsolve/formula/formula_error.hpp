// FormulaError: an InvalidArgument about a formula string that points at the offending part of it.
// Its message shows the formula and a caret line under that part, as compilers do.
#pragma once

#include <kernelsolve/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace kernelsolve {

/// \brief Thrown when a formula string cannot be parsed or does not stand for a supported kernel.
///
/// what() has three lines: `formula "<formula>": <problem> at column <column>`, then the formula and a caret line
/// `^~~~` under the offending part, both indented to line up with the formula of the first line:
///
///     formula "Exp(-g*SqDist(x,y))*b $": unexpected character '$' at column 23
///              Exp(-g*SqDist(x,y))*b $
///                                    ^
class FormulaError : public InvalidArgument {
 public:
  /// \param formula the whole formula \param problem what is wrong, without the position
  /// \param column 1-based column (byte) where the offending part starts; formula.size() + 1 for its end
  /// \param length of the offending part in bytes (0 for the end of the formula)
  FormulaError(std::string_view formula, std::string_view problem, std::size_t column, std::size_t length);

  /// 1-based column of the first character of the offending part (formula().size() + 1: the end of the formula).
  std::size_t column() const noexcept { return column_; }
  /// Length in characters of the offending part (0 when the problem is the end of the formula).
  std::size_t length() const noexcept { return length_; }
  /// The problem in words, without the formula and the position: "unknown parameter 'h' (given: g)".
  std::string const& problem() const noexcept { return problem_; }
  /// The formula the error is about.
  std::string const& formula() const noexcept { return formula_; }

 private:
  std::string formula_;
  std::string problem_;
  std::size_t column_;
  std::size_t length_;
};

}  // namespace kernelsolve
