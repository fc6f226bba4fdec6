// The built-in kernel families as run-time values (names, parameters, the g <-> sigma relation of each), all from
// the one list of kernel_family_list.hpp: what the app, the formula parser, the facade and the Python package speak.
#pragma once

#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_family_list.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace kernelsolve {

/// \brief The built-in radial kernels k(r2) = phi(g r2) of the squared distance r2 = |x - y|^2, g > 0: one enumerator
/// per line of KERNELSOLVE_KERNEL_FAMILIES, in its order. Each family's formula, aliases and g <-> sigma convention
/// are its profile's (kernels/families/, and the table of docs/library.md): formula_of, kernel_family_names,
/// g_from_sigma. Each is positive definite for every g > 0 in every dimension up to its max_dimension, and k(0) = 1.
#define KERNELSOLVE_FAMILY_ENUMERATOR(name, Functor) name,
enum class KernelFamily : int { KERNELSOLVE_KERNEL_FAMILIES(KERNELSOLVE_FAMILY_ENUMERATOR) };
#undef KERNELSOLVE_FAMILY_ENUMERATOR

namespace detail {
#define KERNELSOLVE_FAMILY_OF_PROFILE(name, Functor)          \
  template <>                                                 \
  struct family_of_profile<Functor##Profile> {                \
    static constexpr KernelFamily value = KernelFamily::name; \
  };
KERNELSOLVE_KERNEL_FAMILIES(KERNELSOLVE_FAMILY_OF_PROFILE)
#undef KERNELSOLVE_FAMILY_OF_PROFILE

#define KERNELSOLVE_FAMILY_COUNT(name, Functor) +1
inline constexpr std::size_t kernel_family_count = 0 KERNELSOLVE_KERNEL_FAMILIES(KERNELSOLVE_FAMILY_COUNT);
#undef KERNELSOLVE_FAMILY_COUNT
}  // namespace detail

/// Every family, in the order of the list.
#define KERNELSOLVE_FAMILY_VALUE(name, Functor) KernelFamily::name,
inline constexpr std::array<KernelFamily, detail::kernel_family_count> all_kernel_families = {
    KERNELSOLVE_KERNEL_FAMILIES(KERNELSOLVE_FAMILY_VALUE)};
#undef KERNELSOLVE_FAMILY_VALUE

/// \brief Calls function(Profile{}) with the profile of `family` (detail::GaussianProfile, ...): the one switch over
/// the families that host code needs (their names, formulas, conventions). \throws InvalidArgument for a value
/// that is no family.
template <class Function>
decltype(auto) visit_family_profile(KernelFamily family, Function&& function) {
  switch (family) {
#define KERNELSOLVE_FAMILY_CASE(name, Functor) \
  case KernelFamily::name:                     \
    return std::forward<Function>(function)(detail::Functor##Profile{});
    KERNELSOLVE_KERNEL_FAMILIES(KERNELSOLVE_FAMILY_CASE)
#undef KERNELSOLVE_FAMILY_CASE
  }
  KS_USER_REQUIRE(false, "unknown kernel family ", static_cast<int>(family));
  return std::forward<Function>(function)(detail::GaussianProfile{});  // not reached
}

/// A family and its parameter g (> 0): a kernel chosen at run time.
struct KernelSpec {
  KernelFamily family = KernelFamily::gaussian;
  double g = 1.0;
};

/// The family's name as `--kernel` takes it ("gaussian", "matern32", ...).
std::string_view to_string(KernelFamily family);

/// \brief The family named `name` (case-insensitive; also each family's aliases: "rbf", "exponential", "imq", ...).
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

/// The largest dimension D in which the family is positive definite (INT_MAX: every dimension).
int max_dimension_of(KernelFamily family);

/// \brief Throws InvalidArgument unless spec.g is finite and > 0 (every family is positive definite exactly then).
void validate(KernelSpec const& spec);

}  // namespace kernelsolve
