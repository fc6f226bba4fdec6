// The three-line message of FormulaError (see formula_error.hpp).
#include <kernelsolve/formula/formula_error.hpp>

#include <algorithm>

namespace kernelsolve {
namespace {

constexpr std::string_view prefix = "formula \"";

/// The formula as shown in a message: control characters (tabs, newlines) become spaces, so that the message keeps
/// its three lines and the caret line stays under the formula.
std::string printable(std::string_view formula) {
  std::string shown(formula);
  for (char& character : shown) {
    auto const code = static_cast<unsigned char>(character);
    if (code < 0x20 || code == 0x7f) character = ' ';
  }
  return shown;
}

/// Columns a terminal gives to the bytes [begin, end) of UTF-8 text: one per code point (continuation bytes add none).
std::size_t display_width(std::string_view text, std::size_t begin, std::size_t end) {
  end = std::min(end, text.size());
  std::size_t width = 0;
  for (std::size_t index = begin; index < end; ++index) {
    if ((static_cast<unsigned char>(text[index]) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string compose(std::string_view formula, std::string_view problem, std::size_t column, std::size_t length) {
  std::string const shown = printable(formula);
  std::size_t const begin = std::min(column > 0 ? column - 1 : 0, formula.size());
  std::size_t const indent = prefix.size() + display_width(formula, 0, begin);
  std::size_t const marked = std::max<std::size_t>(display_width(formula, begin, begin + length), 1);
  std::string message;
  message.reserve(3 * (prefix.size() + formula.size()) + problem.size() + 32);
  message.append(prefix).append(shown).append("\": ").append(problem);
  message.append(" at column ").append(std::to_string(column)).append("\n");
  message.append(prefix.size(), ' ').append(shown).append("\n");
  message.append(indent, ' ').append("^").append(marked - 1, '~');
  return message;
}

}  // namespace

FormulaError::FormulaError(std::string_view formula, std::string_view problem, std::size_t column, std::size_t length)
    : InvalidArgument(compose(formula, problem, column, length)),
      formula_(formula),
      problem_(problem),
      column_(column),
      length_(length) {}

}  // namespace kernelsolve
