// Matern nu = 3/2: its profile phi(u), u = g r2, and the functor Matern32<Scalar> (one line of kernel_family_list.hpp).
#pragma once

#include <kernelsolve/kernels/radial_profile.hpp>

#include <array>
#include <cmath>
#include <string_view>

namespace kernelsolve {
namespace detail {

struct Matern32Profile {
  static constexpr std::string_view name = "matern32";
  static constexpr std::array<std::string_view, 1> aliases = {"matern3/2"};
  static constexpr std::string_view formula = "(1 + s) exp(-s), s = sqrt(3 g r^2)";
  static constexpr double g_sigma_squared = 1.0;  // g = 1 / sigma^2
  // phi = (1 + s) exp(-s), s = sqrt(3 u)
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar value(Scalar u) {
    Scalar const s = radial_sqrt(Scalar(3) * u);
    return (Scalar(1) + s) * radial_exp(-s);
  }
  // dphi/du = (-s exp(-s)) (3 / (2 s)) = -(3/2) exp(-s): bounded, so Matern 3/2 is differentiable everywhere.
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar slope(Scalar u) {
    return Scalar(-1.5) * radial_exp(-radial_sqrt(Scalar(3) * u));
  }
  /// phi(u) as the formula reads, with libm: the host's evaluate_profile (double) and the benchmarks' plain loop.
  template <class Scalar>
  static Scalar reference(Scalar u) {
    Scalar const s = std::sqrt(Scalar(3) * u);
    return (Scalar(1) + s) * std::exp(-s);
  }
};

}  // namespace detail

/// Matern nu = 3/2: (1 + s) exp(-s), s = sqrt(3 g r2) = sqrt(3) r / sigma; g = 1 / sigma^2.
template <class Scalar>
using Matern32 = RadialKernel<detail::Matern32Profile, Scalar>;

}  // namespace kernelsolve
