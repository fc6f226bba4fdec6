// RadialKernel<Profile, Scalar>: the device-callable functor k(r2) = phi(g r2) that every built-in family is, and the
// vectorizable exp / sqrt / select its profiles are written with (declared in radial_profile.hpp). A family is a
// profile (families/*.hpp) plus one line in kernel_family_list.hpp.
#pragma once

#include <kernelsolve/detail/bitwise_select.hpp>
#include <kernelsolve/detail/fast_exp.hpp>
#include <kernelsolve/detail/fast_sqrt.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/kernels/radial_profile.hpp>

#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>

namespace kernelsolve {

// Everything here is force-inlined: a kernel's call left out of line in a product loop keeps that loop scalar, and
// GCC's own inlining stops short of the profiles' helpers once a translation unit holds many loops.

namespace detail {

/// exp(x) for x <= 0 (every profile takes exp of minus something >= 0): the vectorizable one on host spaces (libm's
/// exp blocks vectorization), the native one on devices.
template <class Scalar>
KOKKOS_FORCEINLINE_FUNCTION Scalar radial_exp(Scalar x) {
#if KS_DEVICE_COMPILATION_PASS
  return kmath::exp(x);
#else
  return vectorizable_exp_of_nonpositive(x);
#endif
}

/// Whether this translation unit may take std::sqrt in the host loops: only where the compiler drops its errno path
/// (-fno-math-errno defines __NO_MATH_ERRNO__), else std::sqrt is a call that keeps the loop scalar.
#if defined(__NO_MATH_ERRNO__)
inline constexpr bool host_sqrt_is_instruction = true;
#else
inline constexpr bool host_sqrt_is_instruction = false;
#endif

/// sqrt(x), x >= 0: the native one on devices. On host spaces std::sqrt where the compiler may drop its errno path
/// (-fno-math-errno, which kernelsolve's own targets use: cmake/kernelsolve_compile_options.cmake): then it is the
/// vector instruction, correctly rounded and faster than any polynomial (the Laplacian and Matern products ran at
/// 60% of that speed on AVX2). Else, as under the default -fmath-errno, the vectorizable one, within 2 ulp: the errno
/// path of std::sqrt is a call that keeps the loop scalar. +inf gives sqrt(max) in both (Matern's (1 + s) exp(-s)
/// would be inf * 0 = NaN at s = inf, where it is 0).
template <class Scalar>
KOKKOS_FORCEINLINE_FUNCTION Scalar radial_sqrt(Scalar x) {
#if KS_DEVICE_COMPILATION_PASS
  return kmath::sqrt(x);
#else
  if constexpr (host_sqrt_is_instruction) {
    return std::sqrt(bitwise_select(infinity_mask(x), std::numeric_limits<Scalar>::max(), x));
  } else {
    return vectorizable_sqrt(x);
  }
#endif
}

/// How the host loops take sqrt, for benchmark reports.
inline constexpr char const* host_sqrt_method =
    host_sqrt_is_instruction ? "sqrt instruction (-fno-math-errno)" : "vectorizable Newton sqrt (-fmath-errno)";

/// a < b ? if_less : otherwise: branch-free on host spaces (a ?: there keeps the loop from vectorizing on ISAs
/// without masked instructions, see bitwise_select.hpp), a plain ?: on devices.
template <class Scalar>
KOKKOS_FORCEINLINE_FUNCTION Scalar radial_select_if_less(Scalar a, Scalar b, Scalar if_less, Scalar otherwise) {
#if KS_DEVICE_COMPILATION_PASS
  return a < b ? if_less : otherwise;
#else
  return select_if_less(a, b, if_less, otherwise);
#endif
}

}  // namespace detail

/// \brief A radial kernel k(r2) = Profile::value(g r2) of the squared distance r2 = |x - y|^2, with parameter g > 0.
///
/// The kernel concept of kernel_traits.hpp, with both derivatives: dk/d(r2) = g phi'(g r2) (gradients with respect
/// to the points) and dk/dg = r2 phi'(g r2) (the gradient with respect to the parameter).
/// A profile (families/*.hpp) gives phi(u) = value(u) and dphi/du = slope(u) at u = g r2 >= 0, in any Scalar and
/// device-callable; its name, aliases and formula in words; g_sigma_squared (g = g_sigma_squared / sigma^2); and
/// reference(u), phi written plainly with libm in double (the host's evaluate_profile, benchmarks' plain loops).
/// Optional: max_dimension (positive definite only up to it) and support_u (phi = 0 for u >= support_u).
/// \tparam Profile one of the detail::*Profile types.  \tparam Scalar float or double.
template <class Profile, class Scalar>
struct RadialKernel {
  static_assert(std::is_floating_point_v<Scalar>, "RadialKernel<Profile, Scalar>: Scalar must be float or double");
  using value_type = Scalar;
  using profile_type = Profile;
  static constexpr KernelFamily family = detail::family_of_profile<Profile>::value;
  /// Positive definite for points of dimension D <= max_dimension (DistributedOperator refuses more).
  static constexpr int max_dimension = detail::profile_max_dimension<Profile>::value;
  /// Every profile is positive and decreasing in u = g r2 (cutoff products bound a tile by k at its nearest point).
  static constexpr bool decreasing_with_distance = true;

  /// The inverse squared length scale g > 0 (g = Profile::g_sigma_squared / sigma^2).
  Scalar g;

  /// \brief The kernel with parameter g. \throws InvalidArgument unless g is finite and > 0.
  static RadialKernel from_g(Scalar g) {
    validate(KernelSpec{family, static_cast<double>(g)});
    return RadialKernel{g};
  }

  /// \brief The kernel with length scale sigma (g = Profile::g_sigma_squared / sigma^2).
  /// \throws InvalidArgument unless sigma is finite and > 0.
  static RadialKernel from_sigma(Scalar sigma) {
    return from_g(static_cast<Scalar>(g_from_sigma(family, static_cast<double>(sigma))));
  }

  /// k(r2) = phi(g r2)
  KOKKOS_FORCEINLINE_FUNCTION Scalar operator()(Scalar squared_distance) const {
    return Profile::value(g * squared_distance);
  }

  /// dk/d(r2) = g phi'(g r2)
  KOKKOS_FORCEINLINE_FUNCTION Scalar derivative(Scalar squared_distance) const {
    return g * Profile::slope(g * squared_distance);
  }

  /// \brief The distance beyond which k is exactly 0, for profiles with a compact support (has_support_radius:
  /// cutoff products skip the pairs beyond it exactly).
  template <class P = Profile, std::enable_if_t<detail::profile_has_support<P>::value, int> = 0>
  [[nodiscard]] Scalar support_radius() const {
    return static_cast<Scalar>(std::sqrt(P::support_u / static_cast<double>(g)));
  }

  /// dk/dg = r2 phi'(g r2)
  KOKKOS_FORCEINLINE_FUNCTION Scalar parameter_derivative(Scalar squared_distance) const {
    return squared_distance * Profile::slope(g * squared_distance);
  }
};

}  // namespace kernelsolve
