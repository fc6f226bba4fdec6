// Names, formulas and parameter conversions of the built-in kernel families (see kernel_family.hpp).
#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

namespace kernelsolve {
namespace {

std::string lower_case(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char character) { return static_cast<char>(std::tolower(character)); });
  return lowered;
}

}  // namespace

std::string_view to_string(KernelFamily family) {
  switch (family) {
    case KernelFamily::gaussian:
      return "gaussian";
    case KernelFamily::laplacian:
      return "laplacian";
    case KernelFamily::matern32:
      return "matern32";
    case KernelFamily::matern52:
      return "matern52";
    case KernelFamily::cauchy:
      return "cauchy";
    case KernelFamily::inverse_multiquadric:
      return "inverse_multiquadric";
  }
  return "unknown";
}

std::string_view formula_of(KernelFamily family) {
  switch (family) {
    case KernelFamily::gaussian:
      return "exp(-g r^2)";
    case KernelFamily::laplacian:
      return "exp(-sqrt(g r^2))";
    case KernelFamily::matern32:
      return "(1 + s) exp(-s), s = sqrt(3 g r^2)";
    case KernelFamily::matern52:
      return "(1 + s + s^2/3) exp(-s), s = sqrt(5 g r^2)";
    case KernelFamily::cauchy:
      return "1 / (1 + g r^2)";
    case KernelFamily::inverse_multiquadric:
      return "1 / sqrt(1 + g r^2)";
  }
  return "unknown";
}

namespace {

/// Other names of the families (case-insensitive, like the names).
constexpr std::pair<std::string_view, KernelFamily> family_aliases[] = {
    {"rbf", KernelFamily::gaussian},
    {"exponential", KernelFamily::laplacian},
    {"matern3/2", KernelFamily::matern32},
    {"matern5/2", KernelFamily::matern52},
    {"imq", KernelFamily::inverse_multiquadric},
    {"inverse-multiquadric", KernelFamily::inverse_multiquadric}};

}  // namespace

std::string kernel_family_names() {
  std::string names;
  for (KernelFamily family : all_kernel_families) {
    names += (names.empty() ? "" : ", ") + std::string(to_string(family));
  }
  names += " (aliases";
  bool first = true;
  for (auto const& [alias, family] : family_aliases) {
    names += (first ? " " : ", ") + std::string(alias);
    first = false;
  }
  return names + ")";
}

KernelFamily kernel_family_from_name(std::string_view name) {
  std::string const lowered = lower_case(name);
  for (KernelFamily family : all_kernel_families) {
    if (lowered == to_string(family)) return family;
  }
  for (auto const& [alias, family] : family_aliases) {
    if (lowered == alias) return family;
  }
  KS_USER_REQUIRE(false, "unknown kernel '", name, "' (known: ", kernel_family_names(), ")");
  return KernelFamily::gaussian;
}

double g_from_sigma(KernelFamily family, double sigma) {
  KS_USER_REQUIRE(std::isfinite(sigma) && sigma > 0.0, "sigma must be finite and > 0, got ", sigma);
  double const inverse_square = 1.0 / (sigma * sigma);
  return family == KernelFamily::gaussian ? 0.5 * inverse_square : inverse_square;
}

double sigma_from_g(KernelFamily family, double g) {
  KS_USER_REQUIRE(std::isfinite(g) && g > 0.0, "the kernel parameter g must be finite and > 0, got ", g);
  return family == KernelFamily::gaussian ? std::sqrt(0.5 / g) : std::sqrt(1.0 / g);
}

double evaluate_profile(KernelFamily family, double u) {
  switch (family) {
    case KernelFamily::gaussian:
      return std::exp(-u);
    case KernelFamily::laplacian:
      return std::exp(-std::sqrt(u));
    case KernelFamily::matern32: {
      double const s = std::sqrt(3.0 * u);
      return (1.0 + s) * std::exp(-s);
    }
    case KernelFamily::matern52: {
      double const s = std::sqrt(5.0 * u);
      return (1.0 + s + s * s / 3.0) * std::exp(-s);
    }
    case KernelFamily::cauchy:
      return 1.0 / (1.0 + u);
    case KernelFamily::inverse_multiquadric:
      return 1.0 / std::sqrt(1.0 + u);
  }
  return std::nan("");
}

void validate(KernelSpec const& spec) {
  KS_USER_REQUIRE(std::isfinite(spec.g) && spec.g > 0.0, "the ", to_string(spec.family),
                  " kernel is positive definite only for g > 0: g must be finite and > 0, got ", spec.g);
}

}  // namespace kernelsolve
