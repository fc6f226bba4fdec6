// The six built-in radial kernels k(r2) = phi(g r2) as device-callable functors (the table in kernel_family.hpp):
// Gaussian, Laplacian, Matern32, Matern52, Cauchy, InverseMultiquadric, each with its derivatives.
#pragma once

#include <kernelsolve/detail/bitwise_select.hpp>
#include <kernelsolve/detail/fast_exp.hpp>
#include <kernelsolve/detail/fast_sqrt.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>

#include <cmath>
#include <limits>
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

// Each profile gives phi(u) and dphi/du at u = g r2 >= 0, and names its family.

struct GaussianProfile {
  static constexpr KernelFamily family = KernelFamily::gaussian;
  // phi = exp(-u)
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar value(Scalar u) {
    return radial_exp(-u);
  }
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar slope(Scalar u) {
    return -radial_exp(-u);
  }
};

struct LaplacianProfile {
  static constexpr KernelFamily family = KernelFamily::laplacian;
  // phi = exp(-sqrt(u))
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar value(Scalar u) {
    return radial_exp(-radial_sqrt(u));
  }
  // dphi/du = -exp(-sqrt(u)) / (2 sqrt(u)), unbounded at u = 0 where k has a cusp. There 0 is returned: a pair of
  // coinciding points then contributes nothing to dL/dx (the subgradient's centre, since 2 (x - y) = 0 multiplies
  // it) and the exact 0 to dk/dg = r2 dphi/du.
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const root = radial_sqrt(u);
    return radial_select_if_less(Scalar(0), u, -radial_exp(-root) / (Scalar(2) * root), Scalar(0));
  }
};

struct Matern32Profile {
  static constexpr KernelFamily family = KernelFamily::matern32;
  // phi = (1 + s) exp(-s), s = sqrt(3 u)
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar value(Scalar u) {
    Scalar const s = radial_sqrt(Scalar(3) * u);
    return (Scalar(1) + s) * radial_exp(-s);
  }
  // dphi/du = (-s exp(-s)) (3 / (2 s)) = -(3/2) exp(-s): bounded, so Matern 3/2 is differentiable everywhere.
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar slope(Scalar u) {
    return Scalar(-1.5) * radial_exp(-radial_sqrt(Scalar(3) * u));
  }
};

struct Matern52Profile {
  static constexpr KernelFamily family = KernelFamily::matern52;
  // phi = (1 + s + s^2 / 3) exp(-s), s = sqrt(5 u)
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar value(Scalar u) {
    Scalar const s = radial_sqrt(Scalar(5) * u);
    // 1 + s (1 + s / 3) in two FMAs: s^2 / 3 was a division per pair (a third of the product's time on AVX2).
    return (Scalar(1) + s * (Scalar(1) + s * Scalar(1.0 / 3.0))) * radial_exp(-s);
  }
  // dphi/du = (-(s / 3)(1 + s) exp(-s)) (5 / (2 s)) = -(5/6)(1 + s) exp(-s)
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const s = radial_sqrt(Scalar(5) * u);
    return Scalar(-5) / Scalar(6) * (Scalar(1) + s) * radial_exp(-s);
  }
};

struct CauchyProfile {
  static constexpr KernelFamily family = KernelFamily::cauchy;
  // phi = 1 / (1 + u)
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar value(Scalar u) {
    return Scalar(1) / (Scalar(1) + u);
  }
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const inverse = Scalar(1) / (Scalar(1) + u);
    return -inverse * inverse;
  }
};

struct InverseMultiquadricProfile {
  static constexpr KernelFamily family = KernelFamily::inverse_multiquadric;
  // phi = 1 / sqrt(1 + u)
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar value(Scalar u) {
    return Scalar(1) / radial_sqrt(Scalar(1) + u);
  }
  // dphi/du = -(1/2) (1 + u)^(-3/2)
  template <class Scalar>
  KOKKOS_FORCEINLINE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const inverse_root = Scalar(1) / radial_sqrt(Scalar(1) + u);
    return Scalar(-0.5) * inverse_root * inverse_root * inverse_root;
  }
};

}  // namespace detail

/// \brief A radial kernel k(r2) = Profile::value(g r2) of the squared distance r2 = |x - y|^2, with parameter g > 0.
///
/// The kernel concept of kernel_traits.hpp, with both derivatives: dk/d(r2) = g phi'(g r2) (gradients with respect
/// to the points) and dk/dg = r2 phi'(g r2) (the gradient with respect to the parameter).
/// \tparam Profile one of the detail::*Profile types.  \tparam Scalar float or double.
template <class Profile, class Scalar>
struct RadialKernel {
  static_assert(std::is_floating_point_v<Scalar>, "RadialKernel<Profile, Scalar>: Scalar must be float or double");
  using value_type = Scalar;
  using profile_type = Profile;
  static constexpr KernelFamily family = Profile::family;
  /// Every profile is positive and decreasing in u = g r2 (cutoff products bound a tile by k at its nearest point).
  static constexpr bool decreasing_with_distance = true;

  /// The inverse squared length scale g > 0 (its relation to sigma depends on the family: g_from_sigma).
  Scalar g;

  /// \brief The kernel with parameter g. \throws InvalidArgument unless g is finite and > 0.
  static RadialKernel from_g(Scalar g) {
    validate(KernelSpec{family, static_cast<double>(g)});
    return RadialKernel{g};
  }

  /// \brief The kernel with length scale sigma (g = 1 / (2 sigma^2) for the Gaussian, 1 / sigma^2 otherwise).
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

  /// dk/dg = r2 phi'(g r2)
  KOKKOS_FORCEINLINE_FUNCTION Scalar parameter_derivative(Scalar squared_distance) const {
    return squared_distance * Profile::slope(g * squared_distance);
  }
};

/// exp(-g r2), the kernel of the KeOps KernelSolve example; g = 1 / (2 sigma^2).
template <class Scalar>
using Gaussian = RadialKernel<detail::GaussianProfile, Scalar>;
/// exp(-sqrt(g r2)) = exp(-r / sigma); g = 1 / sigma^2.
template <class Scalar>
using Laplacian = RadialKernel<detail::LaplacianProfile, Scalar>;
/// Matern nu = 3/2: (1 + s) exp(-s), s = sqrt(3 g r2) = sqrt(3) r / sigma; g = 1 / sigma^2.
template <class Scalar>
using Matern32 = RadialKernel<detail::Matern32Profile, Scalar>;
/// Matern nu = 5/2: (1 + s + s^2 / 3) exp(-s), s = sqrt(5 g r2) = sqrt(5) r / sigma; g = 1 / sigma^2.
template <class Scalar>
using Matern52 = RadialKernel<detail::Matern52Profile, Scalar>;
/// Cauchy 1 / (1 + g r2); g = 1 / sigma^2.
template <class Scalar>
using Cauchy = RadialKernel<detail::CauchyProfile, Scalar>;
/// Inverse multiquadric 1 / sqrt(1 + g r2); g = 1 / sigma^2.
template <class Scalar>
using InverseMultiquadric = RadialKernel<detail::InverseMultiquadricProfile, Scalar>;

/// \brief dg/dsigma for g = g_from_sigma(family, sigma) = c / sigma^2: -2 g / sigma. Turns dL/dg into dL/dsigma.
inline double g_derivative_of_sigma(KernelFamily family, double sigma) {
  return -2.0 * g_from_sigma(family, sigma) / sigma;
}

/// \brief dg/dsigma = -1 / sigma^3 for the Gaussian's g = 1 / (2 sigma^2).
inline double gaussian_g_derivative_of_sigma(double sigma) {
  return g_derivative_of_sigma(KernelFamily::gaussian, sigma);
}

}  // namespace kernelsolve
