// Wendland's compactly supported C2 function psi_{3,1}: its profile phi(u), u = g r2, and the functor
// WendlandC2<Scalar> (one line of kernel_family_list.hpp). Zero beyond the support radius sigma, so products,
// predictions and gradients skip the pairs beyond it exactly; positive definite in dimensions D <= 3 only.
#pragma once

#include <kernelsolve/kernels/radial_profile.hpp>

#include <array>
#include <cmath>
#include <string_view>

namespace kernelsolve {
namespace detail {

struct WendlandC2Profile {
  static constexpr std::string_view name = "wendland_c2";
  static constexpr std::array<std::string_view, 2> aliases = {"wendland", "wendland31"};
  static constexpr std::string_view formula = "(1 - t)_+^4 (4 t + 1), t = sqrt(g r^2)";
  static constexpr double g_sigma_squared = 1.0;  // g = 1 / sigma^2: sigma is the support radius
  /// Wendland (1995): positive definite on R^D for D <= 3 (psi_{3,1}); not in higher dimensions.
  static constexpr int max_dimension = 3;
  /// phi(u) = 0 for u >= 1 (t >= 1).
  static constexpr double support_u = 1.0;

  // phi = s^4 (4 t + 1), s = 1 - t, t = min(sqrt(u), 1): the clamp makes it exactly 0 beyond the support without a
  // branch (the product loops stay vectorized).
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar value(Scalar u) {
    Scalar const root = radial_sqrt(u);
    Scalar const t = radial_select_if_less(root, Scalar(1), root, Scalar(1));
    Scalar const s = Scalar(1) - t;
    Scalar const s2 = s * s;
    return s2 * s2 * (Scalar(4) * t + Scalar(1));
  }
  // dphi/du = (dphi/dt) / (2 t) = -20 t s^3 / (2 t) = -10 s^3: bounded, so the kernel is differentiable at 0, and
  // 0 from the support on.
  template <class Scalar>
  KS_PROFILE_FUNCTION static Scalar slope(Scalar u) {
    Scalar const root = radial_sqrt(u);
    Scalar const t = radial_select_if_less(root, Scalar(1), root, Scalar(1));
    Scalar const s = Scalar(1) - t;
    return Scalar(-10) * s * s * s;
  }
  /// phi(u) as the formula reads, with libm: the host's evaluate_profile (double) and the benchmarks' plain loop.
  template <class Scalar>
  static Scalar reference(Scalar u) {
    Scalar const t = std::sqrt(u);
    return t >= Scalar(1)
               ? Scalar(0)
               : (Scalar(1) - t) * (Scalar(1) - t) * (Scalar(1) - t) * (Scalar(1) - t) * (Scalar(4) * t + Scalar(1));
  }
};

}  // namespace detail

/// Wendland's C2 function (1 - t)_+^4 (4 t + 1), t = sqrt(g r2) = r / sigma; g = 1 / sigma^2, sigma the support
/// radius. Positive definite for D <= 3.
template <class Scalar>
using WendlandC2 = RadialKernel<detail::WendlandC2Profile, Scalar>;

}  // namespace kernelsolve
