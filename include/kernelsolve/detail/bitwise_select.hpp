// Branch-free selects for float and double, built from bit masks rather than from ?: or comparisons, so that the
// selects of the vectorizable exp and sqrt stay straight-line code that the vectorizer takes on every ISA.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace kernelsolve {
namespace detail {

/// The unsigned integer with the bits of Scalar (float: 32, double: 64).
template <class Scalar>
using bits_of_t = std::conditional_t<sizeof(Scalar) == 4, std::uint32_t, std::uint64_t>;

template <class Scalar>
[[gnu::always_inline]] inline bits_of_t<Scalar> to_bits(Scalar x) {
  bits_of_t<Scalar> bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

template <class Scalar>
[[gnu::always_inline]] inline Scalar from_bits(bits_of_t<Scalar> bits) {
  Scalar x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

/// All ones when a < b, else all zeros (also when a or b is NaN), for finite b, from the bits of d = (a - b) + 0:
/// its sign bit is exactly a < b in IEEE arithmetic (a - b is zero only for a = b, and + 0 turns the -0 of
/// -0 - (+0) into +0), cleared when d is NaN (whatever the NaN's sign: exp(-u) of a NaN u must stay NaN).
/// Why not -(a < b): with GCC's default -ftrapping-math a ?: on floating-point values is if-converted only where
/// the target has masked instructions (AVX-512); elsewhere earlier passes sink the arithmetic that follows into the
/// two arms and the loop keeps a branch (so on SSE, AVX2 and NEON the whole kernel loop stayed scalar), and turning
/// a double comparison into a 64-bit integer has no SSE2 instruction. Subtractions, ands and shifts have one on
/// every ISA.
template <class Scalar>
[[gnu::always_inline]] inline bits_of_t<Scalar> less_than_mask(Scalar a, Scalar b) {
  using Bits = bits_of_t<Scalar>;
  constexpr int sign_shift = 8 * sizeof(Scalar) - 1;
  constexpr Bits magnitude_bits = ~Bits(0) >> 1;
  constexpr Bits infinity_bits = sizeof(Scalar) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
  Bits const difference = to_bits((a - b) + Scalar(0));
  // NaN: |d| > inf as integers, so inf - |d| wraps around and sets the top bit.
  Bits const not_nan = ((infinity_bits - (difference & magnitude_bits)) >> sign_shift) ^ Bits(1);
  return Bits(0) - ((difference >> sign_shift) & not_nan);
}

/// All ones when a < b as unsigned integers, else all zeros, for a and b less than 2^(bits - 1) apart (then the top
/// bit of a - b is the borrow). Three integer operations on every ISA (subtract, shift, negate), where
/// less_than_mask takes nine: the range tests of the vectorizable exp and sqrt apply it to the bits of their
/// argument, and the kernel loops are bound by the count of vector operations.
template <class Bits>
[[gnu::always_inline]] inline Bits unsigned_below_mask(Bits a, Bits b) {
  static_assert(std::is_unsigned_v<Bits>, "unsigned_below_mask: Bits must be an unsigned integer");
  constexpr int top_shift = 8 * sizeof(Bits) - 1;
  return Bits(0) - ((a - b) >> top_shift);
}

// Range tests of the vectorizable exp and sqrt on the bits of their argument (unsigned_below_mask).

/// All ones where x < lowest (lowest < 0, x NaN: all zeros), read off the bits of x alone: a negative x lies below
/// lowest when its bits lie in (bits(lowest), bits(-inf)], as the magnitude grows with the bits; a NaN (above -inf, or
/// positive) fails one of the two tests, and so does every x >= 0: its bits lie below bits(lowest) - 2^(bits - 1),
/// where the first test would pass only for x <= -lowest, or above bits(+inf), where the second fails. Exact for
/// every x (tested), and three times cheaper than less_than_mask(x, lowest).
template <class Scalar>
[[gnu::always_inline]] inline bits_of_t<Scalar> below_lowest_mask(Scalar x, Scalar lowest) {
  auto const bits = to_bits(x);
  auto const minus_infinity_bits = to_bits(-std::numeric_limits<Scalar>::infinity());
  return unsigned_below_mask(to_bits(lowest), bits) & unsigned_below_mask(bits, minus_infinity_bits + 1);
}

// The range tests of the vectorizable sqrt on the bits of x >= 0 (or NaN), which lie in [0, 2^(bits - 1)): integer
// subtractions and shifts, a third of the vector operations of less_than_mask on the values (the loops are bound by
// that count).

/// All ones where +0 <= x < the smallest normal number (a negative x of magnitude >= that as well; -0 not, which
/// takes the unscaled path to the same -0).
template <class Scalar>
[[gnu::always_inline]] inline bits_of_t<Scalar> subnormal_mask(Scalar x) {
  return unsigned_below_mask(to_bits(x), to_bits(std::numeric_limits<Scalar>::min()));
}

/// All ones where x = +inf (bits(inf) - 1 < bits(x) < bits(inf) + 1), all zeros for every other x >= 0 and NaN.
template <class Scalar>
[[gnu::always_inline]] inline bits_of_t<Scalar> infinity_mask(Scalar x) {
  auto const bits = to_bits(x);
  auto const infinity_bits = to_bits(std::numeric_limits<Scalar>::infinity());
  return unsigned_below_mask(infinity_bits - 1, bits) & unsigned_below_mask(bits, infinity_bits + 1);
}

/// mask ? a : b bit by bit, for a mask of all ones or all zeros (less_than_mask).
template <class Scalar>
[[gnu::always_inline]] inline Scalar bitwise_select(bits_of_t<Scalar> mask, Scalar a, Scalar b) {
  return from_bits<Scalar>((to_bits(a) & mask) | (to_bits(b) & ~mask));
}

/// a < b ? if_less : otherwise, branch-free (a < b as less_than_mask defines it).
template <class Scalar>
[[gnu::always_inline]] inline Scalar select_if_less(Scalar a, Scalar b, Scalar if_less, Scalar otherwise) {
  return bitwise_select(less_than_mask(a, b), if_less, otherwise);
}

}  // namespace detail
}  // namespace kernelsolve
