// sqrt(x) for x >= 0 written with plain arithmetic, so that GCC and Clang vectorize it inside the kernel-product
// loops: with the default -fmath-errno a std::sqrt call keeps an errno path that blocks vectorization (Laplacian and
// Matern products ran 10-30 times slower than the Gaussian's). Host code only, like vectorizable_exp. Where the
// compiler may drop that errno path (-fno-math-errno, as kernelsolve's own targets build), the kernels take std::sqrt
// instead, one vector instruction (radial_sqrt in kernels/radial_kernels.hpp); this is the default -fmath-errno path.
// Method: the bit-level 1/sqrt estimate, Newton steps y <- y (3/2 - (x/2) y^2), then s = x y and one Newton step
// s <- s + (x - s^2) y / 2 on sqrt itself. Accuracy: within 2 ulp of std::sqrt over the whole range (tested).
// Always inlined (as vectorizable_exp): out of line they are a call in the loop, which then stays scalar, and GCC
// stops inlining them by itself once a translation unit holds many product loops.
#pragma once

#include <kernelsolve/detail/bitwise_select.hpp>

#include <cstdint>
#include <limits>

namespace kernelsolve {
namespace detail {

/// sqrt(x) for float x >= 0 (NaN stays NaN; +inf gives sqrt(FLT_MAX)), vectorizable.
[[gnu::always_inline]] inline float vectorizable_sqrt(float x) {
  constexpr float largest = std::numeric_limits<float>::max();
  // Subnormal x: the bit-level estimate needs a normal number, so scale by 2^48 and the root back by 2^-24.
  auto const subnormal = subnormal_mask(x);
  float const clamped =
      bitwise_select(infinity_mask(x), largest, x) * bitwise_select(subnormal, 281474976710656.0f, 1.0f);
  float y = from_bits<float>(0x5f3759dfu - (to_bits(clamped) >> 1));
  float const half = 0.5f * clamped;
  // (half * y) * y, not half * (y * y): y * y overflows for x = 0, where half * y is 0.
  // Two steps take the estimate's 3.4e-2 relative error to 5e-6; the final step on sqrt squares that to 1e-11.
  for (int step = 0; step < 2; ++step) y = y * (1.5f - (half * y) * y);
  float const root = clamped * y;
  return (root + 0.5f * (clamped - root * root) * y) * bitwise_select(subnormal, 5.9604644775390625e-8f, 1.0f);
}

/// sqrt(x) for double x >= 0 (NaN stays NaN; +inf gives sqrt(DBL_MAX)), vectorizable.
[[gnu::always_inline]] inline double vectorizable_sqrt(double x) {
  constexpr double largest = std::numeric_limits<double>::max();
  // Subnormal x: scaled by 2^108, the root back by 2^-54.
  auto const subnormal = subnormal_mask(x);
  double const clamped = bitwise_select(infinity_mask(x), largest, x) *
                         bitwise_select(subnormal, 324518553658426726783156020576256.0, 1.0);
  double y = from_bits<double>(0x5fe6eb50c7b537a9ull - (to_bits(clamped) >> 1));
  double const half = 0.5 * clamped;
  // Three steps: 3.4e-2 -> 1.7e-3 -> 4.5e-6 -> 3e-11; the final step on sqrt squares that to 1e-21.
  for (int step = 0; step < 3; ++step) y = y * (1.5 - (half * y) * y);
  double const root = clamped * y;
  return (root + 0.5 * (clamped - root * root) * y) * bitwise_select(subnormal, 5.5511151231257827e-17, 1.0);
}

}  // namespace detail
}  // namespace kernelsolve
