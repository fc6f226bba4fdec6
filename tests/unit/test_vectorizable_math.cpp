// The vectorizable exp and sqrt used by kernels on host spaces, against std::exp and std::sqrt over their ranges.
#include <kernelsolve/detail/fast_exp.hpp>
#include <kernelsolve/detail/fast_sqrt.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

}  // namespace
