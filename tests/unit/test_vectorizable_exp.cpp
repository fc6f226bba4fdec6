// The vectorizable exp used by kernels on host spaces, against std::exp over its whole range.
#include <kernelsolve/detail/fast_exp.hpp>

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

}  // namespace
