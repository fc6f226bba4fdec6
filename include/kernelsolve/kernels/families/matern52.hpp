// Matern nu = 5/2: its profile phi(u), u = g r2, and the functor Matern52<Scalar> (one line of kernel_family_list.hpp).
#pragma once

#include <kernelsolve/kernels/radial_profile.hpp>

#include <array>
#include <cmath>
#include <string_view>

namespace kernelsolve {
namespace detail {

struct Matern52Profile {
  static constexpr std::string_view name = "matern52";
  static constexpr std::array<std::string_view, 1> aliases = {"matern5/2"};
  static constexpr std::string_view formula = "(1 + s + s^2/3) exp(-s), s = sqrt(5 g r^2)";
  static constexpr double g_sigma_squared = 1.0;  // g = 1 / sigma^2
  // phi = (1 + s + s^2 / 3) exp(-s), s = sqrt(5 u)
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar value(Scalar u) {
    Scalar const s = radial_sqrt(Scalar(5) * u);
    // 1 + s (1 + s / 3) in two FMAs: s^2 / 3 was a division per pair (a third of the product's time on AVX2).
    return (Scalar(1) + s * (Scalar(1) + s * Scalar(1.0 / 3.0))) * radial_exp(-s);
  }
  // dphi/du = (-(s / 3)(1 + s) exp(-s)) (5 / (2 s)) = -(5/6)(1 + s) exp(-s)
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const s = radial_sqrt(Scalar(5) * u);
    return Scalar(-5) / Scalar(6) * (Scalar(1) + s) * radial_exp(-s);
  }
  /// phi(u) as the formula reads, with libm: the host's evaluate_profile (double) and the benchmarks' plain loop.
  template <class Scalar>
  static Scalar reference(Scalar u) {
    Scalar const s = std::sqrt(Scalar(5) * u);
    return (Scalar(1) + s + s * s / Scalar(3)) * std::exp(-s);
  }
};

}  // namespace detail

/// Matern nu = 5/2: (1 + s + s^2 / 3) exp(-s), s = sqrt(5 g r2) = sqrt(5) r / sigma; g = 1 / sigma^2.
template <class Scalar>
using Matern52 = RadialKernel<detail::Matern52Profile, Scalar>;

}  // namespace kernelsolve
