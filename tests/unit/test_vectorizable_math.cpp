// The vectorizable exp and sqrt used by kernels on host spaces, against std::exp and std::sqrt over their ranges.
#include <kernelsolve/detail/bitwise_select.hpp>
#include <kernelsolve/detail/fast_exp.hpp>
#include <kernelsolve/detail/fast_sqrt.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace {

template <class Scalar>
double max_relative_error(Scalar low, Scalar high, int samples) {
  double worst = 0;
  for (int s = 0; s <= samples; ++s) {
    Scalar const x = low + (high - low) * static_cast<Scalar>(s) / static_cast<Scalar>(samples);
    double const expected = std::exp(static_cast<long double>(x));
    double const actual = kernelsolve::detail::vectorizable_exp(x);
    worst = std::max(worst, std::abs(actual - expected) / expected);
  }
  return worst;
}

TEST(VectorizableExp, FloatMatchesStdExpToTwoUlp) {
  EXPECT_LT(max_relative_error(-87.0f, 88.0f, 200001), 2 * std::numeric_limits<float>::epsilon());
  EXPECT_LT(max_relative_error(-1.0f, 1.0f, 20001), 2 * std::numeric_limits<float>::epsilon());
}

TEST(VectorizableExp, DoubleMatchesStdExpToTwoUlp) {
  EXPECT_LT(max_relative_error(-708.0, 709.0, 200001), 2 * std::numeric_limits<double>::epsilon());
  EXPECT_LT(max_relative_error(-1.0, 1.0, 20001), 2 * std::numeric_limits<double>::epsilon());
}

TEST(VectorizableExp, ExactAtZeroAndZeroBelowTheNormalRange) {
  EXPECT_EQ(kernelsolve::detail::vectorizable_exp(0.0f), 1.0f);
  EXPECT_EQ(kernelsolve::detail::vectorizable_exp(0.0), 1.0);
  EXPECT_EQ(kernelsolve::detail::vectorizable_exp(-88.0f), 0.0f);
  EXPECT_EQ(kernelsolve::detail::vectorizable_exp(-1e30f), 0.0f);
  EXPECT_EQ(kernelsolve::detail::vectorizable_exp(-709.0), 0.0);
  EXPECT_EQ(kernelsolve::detail::vectorizable_exp(-std::numeric_limits<double>::infinity()), 0.0);
}

/// Largest distance from std::sqrt in units in the last place, over every binade (subnormals included).
template <class Scalar>
double max_sqrt_error_in_ulp() {
  double worst = 0;
  for (int exponent = std::numeric_limits<Scalar>::min_exponent - std::numeric_limits<Scalar>::digits;
       exponent <= std::numeric_limits<Scalar>::max_exponent; ++exponent) {
    for (int step = 0; step < 64; ++step) {
      auto const x = static_cast<Scalar>(std::ldexp(1.0 + step / 64.0 + 1.0 / 4096, exponent - 1));
      if (!(x > 0) || !std::isfinite(x)) continue;
      Scalar const expected = std::sqrt(x);
      Scalar const ulp = std::nextafter(expected, std::numeric_limits<Scalar>::infinity()) - expected;
      worst = std::max(worst, std::abs(static_cast<double>(kernelsolve::detail::vectorizable_sqrt(x) - expected)) /
                                  static_cast<double>(ulp));
    }
  }
  return worst;
}

TEST(VectorizableSqrt, WithinOneUlpOfStdSqrtOnEveryBinade) {
  EXPECT_LE(max_sqrt_error_in_ulp<float>(), 1.0);
  EXPECT_LE(max_sqrt_error_in_ulp<double>(), 1.0);
}

TEST(VectorizableSqrt, ZeroNanAndInfinity) {
  EXPECT_EQ(kernelsolve::detail::vectorizable_sqrt(0.0f), 0.0f);
  EXPECT_EQ(kernelsolve::detail::vectorizable_sqrt(0.0), 0.0);
  EXPECT_EQ(kernelsolve::detail::vectorizable_sqrt(4.0), 2.0);
  EXPECT_TRUE(std::isnan(kernelsolve::detail::vectorizable_sqrt(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(kernelsolve::detail::vectorizable_sqrt(std::numeric_limits<float>::quiet_NaN())));
  // +inf is clamped to the largest finite value: exp(-sqrt(u)) is then 0, as it should be.
  double const root_of_infinity = kernelsolve::detail::vectorizable_sqrt(std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isfinite(root_of_infinity));
  EXPECT_NEAR(root_of_infinity, std::sqrt(std::numeric_limits<double>::max()), 1e-15 * root_of_infinity);
}

template <class Scalar>
class BitwiseSelect : public ::testing::Test {};
using SelectScalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(BitwiseSelect, SelectScalars);

TYPED_TEST(BitwiseSelect, LessThanMaskIsTheComparison) {
  using Scalar = TypeParam;
  using kernelsolve::detail::less_than_mask;
  constexpr auto all = ~kernelsolve::detail::bits_of_t<Scalar>(0);
  Scalar const inf = std::numeric_limits<Scalar>::infinity();
  Scalar const nan = std::numeric_limits<Scalar>::quiet_NaN();
  Scalar const tiny = std::numeric_limits<Scalar>::denorm_min();
  Scalar const values[] = {-inf,         Scalar(-1e30), Scalar(-1), -tiny,
                           Scalar(-0.0), Scalar(0),     tiny,       std::numeric_limits<Scalar>::min(),
                           Scalar(1),    Scalar(1e30),  inf};
  Scalar const bounds[] = {Scalar(-708.39), Scalar(-87.3),
                           Scalar(0),       std::numeric_limits<Scalar>::min(),
                           Scalar(88),      std::numeric_limits<Scalar>::max()};
  for (Scalar a : values) {
    for (Scalar b : bounds) EXPECT_EQ(less_than_mask(a, b), a < b ? all : 0) << a << " < " << b;
  }
  for (Scalar b : bounds) EXPECT_EQ(less_than_mask(nan, b), 0u) << "NaN < " << b;
}

TYPED_TEST(BitwiseSelect, SelectsEitherOperandBitForBit) {
  using Scalar = TypeParam;
  using kernelsolve::detail::select_if_less;
  Scalar const nan = std::numeric_limits<Scalar>::quiet_NaN();
  EXPECT_EQ(select_if_less(Scalar(1), Scalar(2), Scalar(-0.0), nan), Scalar(0));
  EXPECT_TRUE(std::signbit(select_if_less(Scalar(1), Scalar(2), Scalar(-0.0), nan)));
  EXPECT_TRUE(std::isnan(select_if_less(Scalar(3), Scalar(2), Scalar(-0.0), nan)));
  EXPECT_EQ(select_if_less(Scalar(2), Scalar(2), Scalar(5), Scalar(7)), Scalar(7));  // not less when equal
}

TEST(VectorizableExp, NanStaysNanAndInfinityIsClamped) {
  EXPECT_TRUE(std::isnan(kernelsolve::detail::vectorizable_exp(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(kernelsolve::detail::vectorizable_exp(std::numeric_limits<double>::quiet_NaN())));
  // +inf (and anything above 88 / 709) gives exp(88) / exp(709): finite, as before the vectorization work.
  EXPECT_EQ(kernelsolve::detail::vectorizable_exp(std::numeric_limits<float>::infinity()),
            kernelsolve::detail::vectorizable_exp(88.0f));
  EXPECT_EQ(kernelsolve::detail::vectorizable_exp(std::numeric_limits<double>::infinity()),
            kernelsolve::detail::vectorizable_exp(709.0));
  EXPECT_NEAR(kernelsolve::detail::vectorizable_exp(709.0), std::exp(709.0), 2e-16 * std::exp(709.0));
}

TEST(VectorizableExp, OfNonpositiveEqualsTheGeneralOneBitForBit) {
  using kernelsolve::detail::vectorizable_exp;
  using kernelsolve::detail::vectorizable_exp_of_nonpositive;
  for (int s = 0; s <= 200000; ++s) {
    float const x = -100.0f * static_cast<float>(s) / 200000.0f;
    ASSERT_EQ(vectorizable_exp_of_nonpositive(x), vectorizable_exp(x)) << x;
    double const y = -800.0 * s / 200000.0;
    ASSERT_EQ(vectorizable_exp_of_nonpositive(y), vectorizable_exp(y)) << y;
  }
  EXPECT_EQ(vectorizable_exp_of_nonpositive(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(vectorizable_exp_of_nonpositive(-std::numeric_limits<double>::infinity()), 0.0);
  EXPECT_EQ(vectorizable_exp_of_nonpositive(-1e30f), 0.0f);
  EXPECT_EQ(vectorizable_exp_of_nonpositive(-1e300), 0.0);
  // A NaN stays NaN whatever its sign (-u of a NaN u flips it): a NaN point must not vanish from a product.
  EXPECT_TRUE(std::isnan(vectorizable_exp_of_nonpositive(-std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(vectorizable_exp_of_nonpositive(-std::numeric_limits<double>::quiet_NaN())));
}

/// Every float and double bit pattern whose exponent field is at an edge or in the middle, with mantissas at both
/// ends and in the middle, of both signs: the patterns where a test on the bits could go wrong (zero, subnormals,
/// the normal range's ends, infinities and NaNs of either sign and payload).
template <class Scalar>
std::vector<Scalar> edge_bit_patterns() {
  using Bits = kernelsolve::detail::bits_of_t<Scalar>;
  constexpr int mantissa_bits = std::numeric_limits<Scalar>::digits - 1;
  constexpr Bits exponent_mask = (~Bits(0) >> 1) >> mantissa_bits;
  std::vector<Scalar> values;
  for (Bits sign : {Bits(0), Bits(1)})
    for (Bits exponent = 0; exponent <= exponent_mask; ++exponent)
      for (Bits mantissa : {Bits(0), Bits(1), Bits(2), (Bits(1) << (mantissa_bits - 1)), (Bits(1) << mantissa_bits) - 2,
                            (Bits(1) << mantissa_bits) - 1})
        values.push_back(kernelsolve::detail::from_bits<Scalar>((sign << (8 * sizeof(Bits) - 1)) |
                                                                (exponent << mantissa_bits) | mantissa));
  return values;
}

TYPED_TEST(BitwiseSelect, RangeMasksOnTheBitsAreTheComparisons) {
  using Scalar = TypeParam;
  using namespace kernelsolve::detail;
  constexpr auto all = ~bits_of_t<Scalar>(0);
  Scalar const lowest = exp_lowest<Scalar>;
  std::vector<Scalar> values = edge_bit_patterns<Scalar>();
  // The neighbours of the exp's threshold, where the bit test has its boundary.
  for (Scalar x = lowest, step = 0; step < 8; ++step) {
    values.push_back(x);
    values.push_back(std::nextafter(x, Scalar(0)));
    x = std::nextafter(x, -std::numeric_limits<Scalar>::infinity());
  }
  for (Scalar x : values) {
    ASSERT_EQ(below_lowest_mask(x, lowest), x < lowest ? all : 0) << x;
    if (std::signbit(x)) continue;  // subnormal_mask and infinity_mask are for x >= +0 and NaN
    ASSERT_EQ(subnormal_mask(x), x < std::numeric_limits<Scalar>::min() ? all : 0) << x;
    ASSERT_EQ(infinity_mask(x), x == std::numeric_limits<Scalar>::infinity() ? all : 0) << x;
  }
}

TYPED_TEST(BitwiseSelect, UnsignedBelowMaskIsTheUnsignedComparison) {
  using Bits = kernelsolve::detail::bits_of_t<TypeParam>;
  using kernelsolve::detail::unsigned_below_mask;
  Bits const half = Bits(1) << (8 * sizeof(Bits) - 1);
  for (Bits a : {Bits(0), Bits(1), half - 1, half, half + 1, ~Bits(0) - 1, ~Bits(0)})
    for (Bits delta : {Bits(0), Bits(1), Bits(2), half - 1}) {  // less than 2^(bits - 1) apart
      EXPECT_EQ(unsigned_below_mask(Bits(a - delta), a), delta > 0 ? ~Bits(0) : Bits(0)) << a << " - " << delta;
      EXPECT_EQ(unsigned_below_mask(a, Bits(a - delta)), Bits(0)) << a << " - " << delta;
    }
}

TEST(VectorizableExp, FloatWithinOneUlpOnTheReducedRange) {
  // Where the polynomial (Estrin's order) alone gives the result, |x| in [1e-4, 0.35]: every 61st float of both
  // signs within one ulp of exp in long double (a scan of all floats found 1 ulp at worst over the whole range).
  using kernelsolve::detail::from_bits;
  using kernelsolve::detail::to_bits;
  std::uint32_t worst = 0;
  for (std::uint32_t bits = to_bits(1e-4f); bits <= to_bits(0.35f); bits += 61)
    for (float const x : {from_bits<float>(bits), -from_bits<float>(bits)}) {
      auto const got = to_bits(kernelsolve::detail::vectorizable_exp(x));
      auto const want = to_bits(static_cast<float>(std::exp(static_cast<long double>(x))));
      worst = std::max(worst, got > want ? got - want : want - got);
    }
  EXPECT_LE(worst, 1u);
}

}  // namespace
