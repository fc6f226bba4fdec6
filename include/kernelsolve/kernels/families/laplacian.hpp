// The Laplacian (exponential) kernel: its profile phi(u), u = g r2, and the functor Laplacian<Scalar> (one line of
// kernel_family_list.hpp).
#pragma once

#include <kernelsolve/kernels/radial_profile.hpp>

#include <array>
#include <cmath>
#include <string_view>

namespace kernelsolve {
namespace detail {

struct LaplacianProfile {
  static constexpr std::string_view name = "laplacian";
  static constexpr std::array<std::string_view, 1> aliases = {"exponential"};
  static constexpr std::string_view formula = "exp(-sqrt(g r^2))";
  static constexpr double g_sigma_squared = 1.0;  // g = 1 / sigma^2
  // phi = exp(-sqrt(u))
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar value(Scalar u) {
    return radial_exp(-radial_sqrt(u));
  }
  // dphi/du = -exp(-sqrt(u)) / (2 sqrt(u)), unbounded at u = 0 where k has a cusp. There 0 is returned: a pair of
  // coinciding points then contributes nothing to dL/dx (the subgradient's centre, since 2 (x - y) = 0 multiplies
  // it) and the exact 0 to dk/dg = r2 dphi/du.
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const root = radial_sqrt(u);
    return radial_select_if_less(Scalar(0), u, -radial_exp(-root) / (Scalar(2) * root), Scalar(0));
  }
  /// phi(u) as the formula reads, with libm: the host's evaluate_profile (double) and the benchmarks' plain loop.
  template <class Scalar>
  static Scalar reference(Scalar u) {
    return std::exp(-std::sqrt(u));
  }
};

}  // namespace detail

/// exp(-sqrt(g r2)) = exp(-r / sigma); g = 1 / sigma^2.
template <class Scalar>
using Laplacian = RadialKernel<detail::LaplacianProfile, Scalar>;

}  // namespace kernelsolve
