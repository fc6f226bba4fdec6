// The local kernel product against a brute-force double reference, for float and double, several (D, Dv), sizes
// that are not multiples of the SIMD lane count, and Views of either layout.
#include "harness/scalar_types.hpp"

#include <kernelsolve/kernels/gaussian.hpp>
#include <kernelsolve/product/kernel_product.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace {

using kernelsolve::Gaussian;
using kernelsolve::reference::HostMatrix;

struct ProductCase {
  int targets, sources, dimension, columns;
};

/// max_i,c |out - expected| / sum_j |k_ij b_jc|: the error relative to the size of the terms being summed. Sums
/// below `floor` are compared absolutely: a float kernel value under FLT_MIN is 0, as the vectorized exp returns.
double product_error(HostMatrix const& out, HostMatrix const& kernel, HostMatrix const& weights, double floor) {
  auto const expected = kernelsolve::reference::multiply(kernel, weights);
  double worst = 0;
  for (std::int64_t i = 0; i < out.rows; ++i) {
    for (std::int64_t c = 0; c < out.columns; ++c) {
      double scale = 0;
      for (std::int64_t j = 0; j < kernel.columns; ++j) scale += std::abs(kernel(i, j) * weights(j, c));
      worst = std::max(worst, std::abs(out(i, c) - expected(i, c)) / std::max(scale, floor));
    }
  }
  return worst;
}

template <class Scalar>
class KernelProduct : public ::testing::Test {};
TYPED_TEST_SUITE(KernelProduct, kernelsolve::test::ScalarTypes);

template <class Scalar, class Layout>
void check_against_brute_force(ProductCase const& test_case, Scalar sigma) {
  using Block = Kokkos::View<Scalar**, Layout>;
  std::mt19937_64 generator(17);
  auto const targets =
      kernelsolve::reference::uniform_matrix<Scalar>(test_case.targets, test_case.dimension, generator);
  auto const sources =
      kernelsolve::reference::uniform_matrix<Scalar>(test_case.sources, test_case.dimension, generator);
  auto weights = kernelsolve::reference::uniform_matrix<Scalar>(test_case.sources, test_case.columns, generator);
  for (auto& w : weights.values) w = static_cast<double>(static_cast<Scalar>(w - 0.5));  // mixed signs
  auto const kernel = Gaussian<Scalar>::from_sigma(sigma);
  Block out("out", test_case.targets, test_case.columns);

  kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel,
                              kernelsolve::reference::to_block<Block>("targets", targets, 0, targets.rows),
                              kernelsolve::reference::to_block<Block>("sources", sources, 0, sources.rows),
                              kernelsolve::reference::to_block<Block>("weights", weights, 0, weights.rows), out);

  double const g = static_cast<double>(kernel.g);
  auto const dense =
      kernelsolve::reference::kernel_matrix([g](double r2) { return std::exp(-g * r2); }, targets, sources);
  double const floor = std::is_same_v<Scalar, float> ? 1e-30 : 1e-300;
  EXPECT_LT(product_error(kernelsolve::reference::to_host_matrix(out), dense, weights, floor),
            kernelsolve::test::product_tolerance<Scalar>())
      << "M=" << test_case.targets << " N=" << test_case.sources << " D=" << test_case.dimension
      << " Dv=" << test_case.columns;
}

TYPED_TEST(KernelProduct, MatchesBruteForceForSeveralShapes) {
  for (auto const& test_case : {ProductCase{37, 53, 1, 1}, ProductCase{64, 100, 2, 2}, ProductCase{33, 129, 3, 5},
                                ProductCase{20, 47, 5, 3}, ProductCase{50, 70, 2, 9}, ProductCase{1, 1, 2, 1}}) {
    check_against_brute_force<TypeParam, Kokkos::LayoutLeft>(test_case, TypeParam(0.3));
  }
}

TYPED_TEST(KernelProduct, AnyLayoutGivesTheSameResult) {
  check_against_brute_force<TypeParam, Kokkos::LayoutRight>(ProductCase{41, 77, 2, 2}, TypeParam(0.3));
  check_against_brute_force<TypeParam, Kokkos::LayoutRight>(ProductCase{19, 35, 4, 6}, TypeParam(0.3));
}

TYPED_TEST(KernelProduct, NarrowKernelsUnderflowToZeroNotNaN) {
  check_against_brute_force<TypeParam, Kokkos::LayoutLeft>(ProductCase{30, 60, 2, 2}, TypeParam(0.01));
}

TEST(Gaussian, SigmaAndGDescribeTheSameKernel) {
  auto const from_sigma = Gaussian<double>::from_sigma(0.1);
  EXPECT_DOUBLE_EQ(from_sigma.g, 50.0);
  EXPECT_DOUBLE_EQ(from_sigma(0.02), std::exp(-1.0));
  EXPECT_DOUBLE_EQ(from_sigma.derivative(0.02), -50.0 * std::exp(-1.0));
  EXPECT_EQ(Gaussian<float>::from_g(2.0f).g, 2.0f);
}

}  // namespace
