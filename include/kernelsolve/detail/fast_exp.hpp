// exp(x) by Cody-Waite range reduction and the Cephes polynomials, written with plain arithmetic so that GCC and
// Clang vectorize it inside the kernel-product loops (libm's exp is a call that blocks vectorization).
// Straight-line code on every ISA: selects are bit masks (select_if_less) and the integer n is read off the bits of
// the rounded value, so no double -> int64 conversion is needed (AVX2 and NEON-less SSE2 have none as a vector op).
// Host code only: device code calls the native exp (see KS_DEVICE_COMPILATION_PASS).
// Accuracy: about 1 ulp in float and double over the whole range; exp(x) = 0 below the smallest normal result.
#pragma once

#include <kernelsolve/detail/bitwise_select.hpp>

#include <cstdint>
#include <limits>

namespace kernelsolve {
namespace detail {

/// The argument below which exp(x) is below the smallest normal number, where vectorizable_exp returns +0.
template <class Scalar>
inline constexpr Scalar exp_lowest = sizeof(Scalar) == 4 ? Scalar(-87.33654f) : Scalar(-708.3964185322641);

/// exp(x) for float, vectorizable: x = n ln2 + r, |r| <= ln2 / 2, exp(r) by a degree-7 polynomial.
/// ClampAbove = false (exp_of_nonpositive) leaves out the clamp at 88 for arguments known to be <= 0 (or NaN).
/// Below exp_lowest nothing is clamped: what the formula gives there is replaced by 0 at the end. Why: every select
/// on the way in sits on the critical path of the polynomial, and the loop is bound by that latency.
template <bool ClampAbove>
[[gnu::always_inline]] inline float vectorizable_exp_impl(float x) {
  constexpr float highest = 88.0f;  // keeps n <= 127, so 2^n stays finite
  float const clamped = ClampAbove ? select_if_less(highest, x, highest, x) : x;
  // Round-to-nearest of clamped / ln2 with the 1.5 * 2^23 trick: no libm call, exact for |n| < 2^22.
  constexpr float round_shift = 12582912.0f;
  float const shifted = clamped * 1.44269504088896341f + round_shift;
  float const n = shifted - round_shift;
  float r = clamped - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  // exp(r) = 1 + r + r^2 P(r) with Cephes' degree-5 P, in Estrin's order: three independent pairs combined by the
  // powers r^2 and r^4, 12 cycles of FMA latency instead of Horner's 20. The loops are bound by the latency of this
  // chain (the CPU cannot hold enough of them in flight), so that is 20% more pairs/s on AVX2 (Zen 3).
  float const r2 = r * r;
  float const low = 5.0000001201e-1f + 1.6666665459e-1f * r;
  float const middle = 4.1665795894e-2f + 8.3334519073e-3f * r;
  float const high = 1.3981999507e-3f + 1.9875691500e-4f * r;
  float const p = (low + r2 * middle) + (r2 * r2) * high;
  float const exp_r = r2 * p + (r + 1.0f);
  // 2^n: shifted and round_shift share their exponent, so their bits differ by n (mod 2^32).
  std::uint32_t const exponent_bits = (to_bits(shifted) - to_bits(round_shift) + 127u) << 23;
  float const result = exp_r * from_bits<float>(exponent_bits);
  return from_bits<float>(to_bits(result) & ~below_lowest_mask(x, exp_lowest<float>));  // +0 below lowest
}

/// exp(x) for double, vectorizable: x = n ln2 + r, exp(r) = 1 + 2 r P(r^2) / (Q(r^2) - r P(r^2)) (Cephes Pade form).
/// ClampAbove as for float.
template <bool ClampAbove>
[[gnu::always_inline]] inline double vectorizable_exp_impl(double x) {
  constexpr double highest = 709.0;  // keeps n <= 1023, so 2^n stays finite
  double const clamped = ClampAbove ? select_if_less(highest, x, highest, x) : x;
  constexpr double round_shift = 6755399441055744.0;  // 1.5 * 2^52
  double const shifted = clamped * 1.4426950408889634073599 + round_shift;
  double const n = shifted - round_shift;
  double r = clamped - n * 6.93145751953125e-1;
  r = r - n * 1.42860682030941723212e-6;
  double const rr = r * r;
  double const p = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr + 9.99999999999999999910e-1);
  double const q =
      ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr + 2.27265548208155028766e-1) * rr +
      2.00000000000000000009e0;
  double const exp_r = 1.0 + 2.0 * p / (q - p);
  std::uint64_t const exponent_bits = (to_bits(shifted) - to_bits(round_shift) + 1023u) << 52;
  double const result = exp_r * from_bits<double>(exponent_bits);
  return from_bits<double>(to_bits(result) & ~below_lowest_mask(x, exp_lowest<double>));  // +0 below lowest
}

/// exp(x) for every x: exp(x) = 0 below the normal range, exp(88) / exp(709) above 88 / 709 (+inf included).
[[gnu::always_inline]] inline float vectorizable_exp(float x) {
  return vectorizable_exp_impl<true>(x);
}
[[gnu::always_inline]] inline double vectorizable_exp(double x) {
  return vectorizable_exp_impl<true>(x);
}

/// exp(x) for x <= 0 or NaN, as the radial kernels need (exp(-u), u >= 0): one select fewer on the critical path.
/// Equal to vectorizable_exp bit for bit there; x > 0 is not supported (above 88 / 709 the result is garbage).
[[gnu::always_inline]] inline float vectorizable_exp_of_nonpositive(float x) {
  return vectorizable_exp_impl<false>(x);
}
[[gnu::always_inline]] inline double vectorizable_exp_of_nonpositive(double x) {
  return vectorizable_exp_impl<false>(x);
}

}  // namespace detail
}  // namespace kernelsolve
