// The inverse multiquadric: its profile phi(u), u = g r2, and the functor InverseMultiquadric<Scalar> (one line of
// kernel_family_list.hpp).
#pragma once

#include <kernelsolve/kernels/radial_profile.hpp>

#include <array>
#include <cmath>
#include <string_view>

namespace kernelsolve {
namespace detail {

struct InverseMultiquadricProfile {
  static constexpr std::string_view name = "inverse_multiquadric";
  static constexpr std::array<std::string_view, 2> aliases = {"imq", "inverse-multiquadric"};
  static constexpr std::string_view formula = "1 / sqrt(1 + g r^2)";
  static constexpr double g_sigma_squared = 1.0;  // g = 1 / sigma^2
  // phi = 1 / sqrt(1 + u)
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar value(Scalar u) {
    return Scalar(1) / radial_sqrt(Scalar(1) + u);
  }
  // dphi/du = -(1/2) (1 + u)^(-3/2)
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const inverse_root = Scalar(1) / radial_sqrt(Scalar(1) + u);
    return Scalar(-0.5) * inverse_root * inverse_root * inverse_root;
  }
  /// phi(u) as the formula reads, with libm: the host's evaluate_profile (double) and the benchmarks' plain loop.
  template <class Scalar>
  static Scalar reference(Scalar u) {
    return Scalar(1) / std::sqrt(Scalar(1) + u);
  }
};

}  // namespace detail

/// Inverse multiquadric 1 / sqrt(1 + g r2); g = 1 / sigma^2.
template <class Scalar>
using InverseMultiquadric = RadialKernel<detail::InverseMultiquadricProfile, Scalar>;

}  // namespace kernelsolve
