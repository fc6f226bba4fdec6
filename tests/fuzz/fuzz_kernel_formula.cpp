// Fuzz target for parse_kernel_formula, with the parameter g = 0.5: every input must give a kernel with a finite g > 0
// that reads back the same from its canonical spelling, or a FormulaError that points inside the formula and has a
// three-line message. Any other exception, a crash or a sanitizer report is a bug.
#include <kernelsolve/formula/kernel_formula.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

using Parameters = std::map<std::string, double, std::less<>>;

[[noreturn]] void fail(std::string_view problem, std::string_view formula, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_kernel_formula: %.*s\nformula (%zu bytes): \"%.*s\"\n%.*s\n", int(problem.size()),
               problem.data(), formula.size(), int(formula.size()), formula.data(), int(detail.size()), detail.data());
  std::abort();
}

bool is_identifier(std::string const& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char character : name) {
    bool const letter = (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z');
    if (!letter && !(character >= '0' && character <= '9') && character != '_') return false;
  }
  return true;
}

/// The canonical spelling of each family with the parameter G, as kernel_family.hpp's table writes it.
std::string canonical_formula(kernelsolve::KernelFamily family) {
  switch (family) {
    case kernelsolve::KernelFamily::gaussian:
      return "Exp(-G*SqDist(x,y))*b";
    case kernelsolve::KernelFamily::laplacian:
      return "Exp(-Sqrt(G*SqDist(x,y)))*b";
    case kernelsolve::KernelFamily::matern32:
      return "(1+Sqrt(3*G*SqDist(x,y)))*Exp(-Sqrt(3*G*SqDist(x,y)))*b";
    case kernelsolve::KernelFamily::matern52:
      return "(1+Sqrt(5*G*SqDist(x,y))+5*G*SqDist(x,y)/3)*Exp(-Sqrt(5*G*SqDist(x,y)))*b";
    case kernelsolve::KernelFamily::cauchy:
      return "Inv(1+G*SqDist(x,y))*b";
    case kernelsolve::KernelFamily::inverse_multiquadric:
      return "Rsqrt(1+G*SqDist(x,y))*b";
  }
  return "";
}

void check_accepted(kernelsolve::KernelFormula const& result, std::string_view formula) {
  if (!(std::isfinite(result.kernel.g) && result.kernel.g > 0.0))
    fail("accepted a kernel whose g is not finite and > 0", formula, std::to_string(result.kernel.g));
  if (!is_identifier(result.i_variable) || !is_identifier(result.j_variable) || !is_identifier(result.weight_variable))
    fail("accepted variables that are not identifiers", formula);
  if (result.i_variable == result.j_variable || result.weight_variable == result.i_variable ||
      result.weight_variable == result.j_variable || result.weight_variable == "g")
    fail("accepted points and a weight that are not three different variables", formula);
  // The family's own spelling with the g found must read back as the same kernel.
  auto const again =
      kernelsolve::parse_kernel_formula(canonical_formula(result.kernel.family), {{"G", result.kernel.g}});
  if (again.kernel.family != result.kernel.family ||
      !(std::abs(again.kernel.g - result.kernel.g) <= 1e-9 * result.kernel.g))
    fail("the canonical spelling of the kernel found reads back differently", formula);
}

void check_error(kernelsolve::FormulaError const& error, std::string_view formula) {
  if (error.column() < 1 || error.column() > formula.size() + 1 || error.column() - 1 + error.length() > formula.size())
    fail("FormulaError points outside the formula", formula, error.what());
  if (error.formula() != formula) fail("FormulaError::formula() is not the formula", formula, error.what());
  std::string_view const what = error.what();
  if (what.substr(0, 9) != "formula \"") fail("the message does not start with 'formula \"'", formula, what);
  std::size_t newlines = 0;
  for (char character : what) newlines += character == '\n';
  if (newlines != 2) fail("the message does not have three lines", formula, what);
  if (error.problem().empty()) fail("FormulaError without a problem", formula, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view const formula(reinterpret_cast<char const*>(data), size);
  static Parameters const parameters = {{"g", 0.5}};
  try {
    check_accepted(kernelsolve::parse_kernel_formula(formula, parameters), formula);
  } catch (kernelsolve::FormulaError const& error) {
    check_error(error, formula);
  } catch (std::exception const& error) {
    fail("an exception other than FormulaError", formula, error.what());
  } catch (...) {
    fail("an exception that is not a std::exception", formula);
  }
  return 0;
}
