// The Cauchy kernel: its profile phi(u), u = g r2, and the functor Cauchy<Scalar> (one line of kernel_family_list.hpp).
#pragma once

#include <kernelsolve/kernels/radial_profile.hpp>

#include <array>
#include <cmath>
#include <string_view>

namespace kernelsolve {
namespace detail {

struct CauchyProfile {
  static constexpr std::string_view name = "cauchy";
  static constexpr std::array<std::string_view, 0> aliases{};
  static constexpr std::string_view formula = "1 / (1 + g r^2)";
  static constexpr double g_sigma_squared = 1.0;  // g = 1 / sigma^2
  // phi = 1 / (1 + u)
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar value(Scalar u) {
    return Scalar(1) / (Scalar(1) + u);
  }
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const inverse = Scalar(1) / (Scalar(1) + u);
    return -inverse * inverse;
  }
  /// phi(u) as the formula reads, with libm: the host's evaluate_profile (double) and the benchmarks' plain loop.
  template <class Scalar>
  static Scalar reference(Scalar u) {
    return Scalar(1) / (Scalar(1) + u);
  }
};

}  // namespace detail

/// Cauchy 1 / (1 + g r2); g = 1 / sigma^2.
template <class Scalar>
using Cauchy = RadialKernel<detail::CauchyProfile, Scalar>;

}  // namespace kernelsolve
