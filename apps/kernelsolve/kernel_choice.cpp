// Resolving --kernel / --formula and the kernel parameter (see kernel_choice.hpp).
#include "kernel_choice.hpp"

#include <kernelsolve/error.hpp>
#include <kernelsolve/formula/kernel_formula.hpp>

#include <cmath>
#include <cstdlib>
#include <map>

namespace kernelsolve::app {
namespace {

/// "name=value" -> (name, value). \throws InvalidArgument naming the text.
std::pair<std::string, double> parse_parameter(std::string const& text) {
  auto const equals = text.find('=');
  KS_USER_REQUIRE(equals != std::string::npos && equals > 0, "--param must be name=value, got '", text, "'");
  std::string const value_text = text.substr(equals + 1);
  char* end = nullptr;
  double const value = std::strtod(value_text.c_str(), &end);
  KS_USER_REQUIRE(!value_text.empty() && end != nullptr && *end == '\0' && std::isfinite(value), "--param ",
                  text.substr(0, equals), " must be a finite number, got '", value_text, "'");
  return {text.substr(0, equals), value};
}

}  // namespace

KernelChoice choose_kernel(KernelOptions const& options) {
  KernelChoice choice;
  if (options.formula.empty()) {
    choice.spec.family = kernel_family_from_name(options.name);
    choice.spec.g = options.g ? *options.g : g_from_sigma(choice.spec.family, options.sigma);
  } else {
    std::map<std::string, double, std::less<>> parameters;
    for (auto const& text : options.parameters) parameters.insert(parse_parameter(text));
    if (parameters.count("g") == 0) {
      parameters["g"] = options.g ? *options.g : g_from_sigma(KernelFamily::gaussian, options.sigma);
    }
    choice.spec = parse_kernel_formula(options.formula, parameters).kernel;
    choice.formula = options.formula;
  }
  validate(choice.spec);
  choice.sigma = sigma_from_g(choice.spec.family, choice.spec.g);
  return choice;
}

}  // namespace kernelsolve::app
