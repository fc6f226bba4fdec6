// The built-in kernel families as run-time values: names, parameters and the g <-> sigma relation of each.
// Host-only (no Kokkos): what the app, the formula parser and the file formats speak; radial_kernels.hpp has the
// device functors the families stand for.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace kernelsolve {

/// \brief The built-in radial kernels k(r2) = phi(g r2) of the squared distance r2 = |x - y|^2, g > 0.
///
/// | family               | k(r2), with u = g r2                         | g from the length scale sigma |
/// |----------------------|-----------------------------------------------|-------------------------------|
/// | gaussian             | exp(-u)                                       | g = 1 / (2 sigma^2)           |
/// | laplacian            | exp(-sqrt(u))           (= exp(-r / sigma))   | g = 1 / sigma^2               |
/// | matern32             | (1 + s) exp(-s),  s = sqrt(3 u)               | g = 1 / sigma^2               |
/// | matern52             | (1 + s + s^2 / 3) exp(-s),  s = sqrt(5 u)     | g = 1 / sigma^2               |
/// | cauchy               | 1 / (1 + u)                                   | g = 1 / sigma^2               |
/// | inverse_multiquadric | 1 / sqrt(1 + u)                               | g = 1 / sigma^2               |
///
/// All six are positive definite for every g > 0 in every dimension, and k(0) = 1.
enum class KernelFamily { gaussian, laplacian, matern32, matern52, cauchy, inverse_multiquadric };

/// Every family, in the order of the table above.
inline constexpr std::array<KernelFamily, 6> all_kernel_families = {
    KernelFamily::gaussian, KernelFamily::laplacian, KernelFamily::matern32,
    KernelFamily::matern52, KernelFamily::cauchy,    KernelFamily::inverse_multiquadric};

/// A family and its parameter g (> 0): a kernel chosen at run time.
struct KernelSpec {
  KernelFamily family = KernelFamily::gaussian;
  double g = 1.0;
};

/// The family's name as `--kernel` takes it ("gaussian", "matern32", ...).
std::string_view to_string(KernelFamily family);

/// \brief The family named `name` (case-insensitive; also "rbf", "exponential", "imq", "matern3/2", "matern5/2").
/// \throws InvalidArgument naming `name` and listing the known names.
KernelFamily kernel_family_from_name(std::string_view name);

/// Every name kernel_family_from_name takes, for help texts and messages: "gaussian, ..., inverse_multiquadric
/// (aliases rbf, exponential, ...)".
std::string kernel_family_names();

/// The formula of the family in words, e.g. "exp(-g r^2)", for reports and messages.
std::string_view formula_of(KernelFamily family);

/// \brief g for the length scale sigma: 1 / (2 sigma^2) for the Gaussian (the KeOps seed's convention), 1 / sigma^2
/// for the others. \throws InvalidArgument unless sigma is finite and > 0.
double g_from_sigma(KernelFamily family, double sigma);

/// \brief The inverse of g_from_sigma. \throws InvalidArgument unless g is finite and > 0.
double sigma_from_g(KernelFamily family, double g);

/// \brief phi(u) of the family at u = g r2 >= 0, in double on the host (the parser matches formulas with it).
double evaluate_profile(KernelFamily family, double u);

/// \brief Throws InvalidArgument unless spec.g is finite and > 0 (every family is positive definite exactly then).
void validate(KernelSpec const& spec);

}  // namespace kernelsolve
