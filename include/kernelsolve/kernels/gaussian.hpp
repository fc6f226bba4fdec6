// The Gaussian (RBF) kernel k(x, y) = exp(-g |x - y|^2), the kernel of the KeOps KernelSolve example.
// A kernel is a small device-callable functor of the squared distance r2 = |x - y|^2 (see kernel_traits.hpp).
#pragma once

#include <kernelsolve/detail/fast_exp.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/error.hpp>

#include <cmath>
#include <type_traits>

namespace kernelsolve {

/// \brief Gaussian kernel k(r2) = exp(-g r2) of the squared distance r2 = |x - y|^2.
///
/// The bandwidth is given as g or as the length scale sigma, g = 1 / (2 sigma^2) (the seed's sigma = 0.1 gives
/// g = 50). Positive definite for every g > 0.
/// \tparam Scalar float or double: the precision of the points, weights and arithmetic.
template <class Scalar>
struct Gaussian {
  static_assert(std::is_floating_point_v<Scalar>, "Gaussian<Scalar>: Scalar must be float or double");
  using value_type = Scalar;

  /// The inverse squared length scale g in exp(-g r2); g > 0.
  Scalar g;

  /// \brief The kernel with parameter g > 0 (finite).
  static Gaussian from_g(Scalar g) {
    KS_USER_REQUIRE(std::isfinite(g) && g > Scalar(0), "the Gaussian parameter g must be finite and > 0, got ", g);
    return Gaussian{g};
  }

  /// \brief The kernel with length scale sigma > 0: g = 1 / (2 sigma^2).
  static Gaussian from_sigma(Scalar sigma) {
    KS_USER_REQUIRE(std::isfinite(sigma) && sigma > Scalar(0), "sigma must be finite and > 0, got ", sigma);
    return from_g(Scalar(1) / (Scalar(2) * sigma * sigma));
  }

  /// k(r2) = exp(-g r2), with the vectorizable exp on host spaces and the native one on devices.
  KOKKOS_INLINE_FUNCTION Scalar operator()(Scalar squared_distance) const {
#if KS_DEVICE_COMPILATION_PASS
    return detail::kmath::exp(-g * squared_distance);
#else
    return detail::vectorizable_exp(-g * squared_distance);
#endif
  }

  /// dk/d(r2) = -g exp(-g r2): what the gradients with respect to the points need.
  KOKKOS_INLINE_FUNCTION Scalar derivative(Scalar squared_distance) const {
    return -g * (*this)(squared_distance);
  }

  /// dk/dg = -r2 exp(-g r2): what the gradient with respect to g needs (dg/dsigma = -1 / sigma^3).
  KOKKOS_INLINE_FUNCTION Scalar parameter_derivative(Scalar squared_distance) const {
    return -squared_distance * (*this)(squared_distance);
  }
};

/// dg/dsigma = -1 / sigma^3 for g = 1 / (2 sigma^2): turns a gradient with respect to g into one w.r.t. sigma.
inline double gaussian_g_derivative_of_sigma(double sigma) {
  return -1.0 / (sigma * sigma * sigma);
}

}  // namespace kernelsolve
