// The Gaussian: its profile phi(u), u = g r2, and the functor Gaussian<Scalar> (one line of kernel_family_list.hpp).
#pragma once

#include <kernelsolve/kernels/radial_profile.hpp>

#include <array>
#include <cmath>
#include <string_view>

namespace kernelsolve {
namespace detail {

struct GaussianProfile {
  static constexpr std::string_view name = "gaussian";
  static constexpr std::array<std::string_view, 1> aliases = {"rbf"};
  static constexpr std::string_view formula = "exp(-g r^2)";
  static constexpr double g_sigma_squared = 0.5;  // g = 1 / (2 sigma^2)
  // phi = exp(-u)
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar value(Scalar u) {
    return radial_exp(-u);
  }
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar slope(Scalar u) {
    return -radial_exp(-u);
  }
  /// phi(u) as the formula reads, with libm: the host's evaluate_profile (double) and the benchmarks' plain loop.
  template <class Scalar>
  static Scalar reference(Scalar u) {
    return std::exp(-u);
  }
};

}  // namespace detail

/// exp(-g r2), the kernel of the KeOps KernelSolve example; g = 1 / (2 sigma^2).
template <class Scalar>
using Gaussian = RadialKernel<detail::GaussianProfile, Scalar>;

}  // namespace kernelsolve
