// Typed-test support: the scalar types every numerical test runs with, and their tolerances.
#pragma once

#include <gtest/gtest.h>

#include <type_traits>

namespace kernelsolve::test {

using ScalarTypes = ::testing::Types<float, double>;

/// Relative tolerance of a kernel product (sums of positive terms) computed in Scalar.
template <class Scalar>
constexpr double product_tolerance() {
  return std::is_same_v<Scalar, float> ? 5e-6 : 1e-14;
}

}  // namespace kernelsolve::test
