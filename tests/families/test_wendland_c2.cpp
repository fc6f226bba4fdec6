// Wendland's C2 kernel, the family with a compact support: its values against the textbook formula in r and the
// support radius, exact zeros beyond the support, positive definiteness up to D = 3 (and the refusal beyond), the
// exact cutoff products an operator of it computes by default, and solves by name through the facade against dense
// direct solves. (The typed tests of every family run it too: tests/unit/test_radial_kernels.cpp, ...)
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"

#include <kernelsolve/geometry/spatial_order.hpp>
#include <kernelsolve/kernels/kernel_traits.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

using kernelsolve::KernelFamily;
using kernelsolve::WendlandC2;
using kernelsolve::reference::HostMatrix;

/// Wendland's psi_{3,1}(r / rho) = (1 - r / rho)_+^4 (4 r / rho + 1) as the literature writes it.
double textbook(double r, double rho) {
  double const t = r / rho;
  return t < 1 ? std::pow(1 - t, 4) * (4 * t + 1) : 0.0;
}

TEST(WendlandC2, ValuesMatchTheTextbookFormulaInTheSupportRadius) {
  for (double const rho : {0.1, 0.7, 3.0}) {
    auto const kernel = WendlandC2<double>::from_sigma(rho);
    EXPECT_DOUBLE_EQ(kernel.support_radius(), rho);
    for (double const t : {0.0, 1e-4, 0.05, 0.3, 0.5, 0.9, 0.999}) {
      double const r = t * rho;
      EXPECT_NEAR(kernel(r * r), textbook(r, rho), 4e-15) << "rho " << rho << " r " << r;
      EXPECT_NEAR(WendlandC2<float>::from_sigma(static_cast<float>(rho))(static_cast<float>(r * r)), textbook(r, rho),
                  2e-6);
    }
  }
}

TEST(WendlandC2, IsExactlyZeroFromTheSupportOn) {
  auto const kernel = WendlandC2<double>::from_g(4.0);  // support radius 1/2
  auto const single = WendlandC2<float>::from_g(4.0f);
  for (double const r2 : {0.25, 0.2500001, 1.0, 1e6, std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(kernel(r2), 0.0) << r2;
    EXPECT_EQ(kernel.derivative(r2), 0.0) << r2;
    EXPECT_EQ(kernel.parameter_derivative(r2 == std::numeric_limits<double>::infinity() ? 1e300 : r2), 0.0) << r2;
    EXPECT_EQ(single(static_cast<float>(r2)), 0.0f) << r2;
  }
  EXPECT_GT(kernel(0.2499), 0.0);
  static_assert(kernelsolve::has_support_radius<WendlandC2<double>>::value);
  static_assert(WendlandC2<double>::max_dimension == 3);
}

TEST(WendlandC2, NamesFormulaAndDimensionInTheRunTimeVocabulary) {
  EXPECT_EQ(kernelsolve::kernel_family_from_name("wendland_c2"), KernelFamily::wendland_c2);
  EXPECT_EQ(kernelsolve::kernel_family_from_name("Wendland"), KernelFamily::wendland_c2);
  EXPECT_EQ(kernelsolve::to_string(KernelFamily::wendland_c2), "wendland_c2");
  EXPECT_NE(kernelsolve::kernel_family_names().find("wendland_c2"), std::string::npos);
  EXPECT_EQ(kernelsolve::max_dimension_of(KernelFamily::wendland_c2), 3);
  EXPECT_DOUBLE_EQ(kernelsolve::g_from_sigma(KernelFamily::wendland_c2, 0.5), 4.0);
  EXPECT_EQ(kernelsolve::evaluate_profile(KernelFamily::wendland_c2, 1.0), 0.0);
  EXPECT_NEAR(kernelsolve::evaluate_profile(KernelFamily::wendland_c2, 0.25), textbook(0.5, 1.0), 1e-16);
}

TEST(WendlandC2, DenseMatrixIsPositiveDefiniteInThreeDimensions) {
  // Clustered points with overlapping supports: the dense Cholesky of K (no ridge) succeeds.
  std::mt19937_64 generator(3);
  auto const points = kernelsolve::reference::uniform_matrix<double>(200, 3, generator);
  auto const kernel = WendlandC2<double>::from_sigma(0.6);
  auto const k = kernelsolve::reference::kernel_matrix([&kernel](double r2) { return kernel(r2); }, points, points);
  auto const rhs = kernelsolve::reference::uniform_matrix<double>(200, 1, generator);
  EXPECT_NO_THROW(kernelsolve::reference::solve_symmetric_positive_definite(k, rhs));
}

TEST(WendlandC2, OperatorRefusesMoreThanThreeDimensions) {
  std::mt19937_64 generator(4);
  EXPECT_THROW_WITH_MESSAGE(
      kernelsolve::test::make_problem_with_kernel(MPI_COMM_WORLD, WendlandC2<double>::from_sigma(0.5), 40, 4, 1, 0.1),
      kernelsolve::InvalidArgument, "positive definite only in dimensions D <= 3, got D = 4");
}

TEST(WendlandC2, OperatorSkipsThePairsBeyondTheSupportExactly) {
  // Spatially sorted points in the unit square, support radius 0.1: most tile pairs are beyond it.
  std::mt19937_64 generator(6);
  int const n = 3000;
  auto raw = kernelsolve::reference::uniform_matrix<double>(n, 2, generator);
  std::vector<double> column_major(raw.values.size());
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < 2; ++d) column_major[static_cast<std::size_t>(d * n + i)] = raw(i, d);
  auto const order = kernelsolve::spatial_order(column_major.data(), n, 2);
  HostMatrix points(n, 2);
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < 2; ++d) points(i, d) = raw(order[static_cast<std::size_t>(i)], d);
  auto const weights = kernelsolve::reference::uniform_matrix<double>(n, 2, generator);
  auto problem = kernelsolve::test::DistributedProblem<double, WendlandC2<double>>(
      MPI_COMM_WORLD, points, weights, WendlandC2<double>::from_sigma(0.1),
      kernelsolve::test::reference_kernel(WendlandC2<double>::from_sigma(0.1)), 0.0);
  ASSERT_TRUE(problem.op.cutoff_summary().has_value());
  auto const& summary = *problem.op.cutoff_summary();
  EXPECT_EQ(summary.dropped_row_sum, 0.0);
  EXPECT_LT(summary.kept_pairs, summary.pairs / 2);  // pi 0.1^2 ~ 3% of the pairs are within the support
  auto out = problem.new_block(2);
  problem.op.apply(problem.b, out);
  auto const expected = kernelsolve::reference::multiply(problem.dense_operator(), weights);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(out), expected), 1e-14);
}

TEST(WendlandC2, FacadeSolvesByNameAgainstADenseSolve) {
  std::mt19937_64 generator(8);
  int const n = 400;
  auto const points = kernelsolve::reference::uniform_matrix<double>(n, 2, generator);
  auto const rhs = kernelsolve::reference::uniform_matrix<double>(n, 1, generator);
  double const sigma = 0.2, alpha = 1e-3;
  double const g = kernelsolve::g_from_sigma(KernelFamily::wendland_c2, sigma);
  auto const dense = kernelsolve::reference::kernel_matrix(
      [g](double r2) { return kernelsolve::evaluate_profile(KernelFamily::wendland_c2, g * r2); }, points, points);
  HostMatrix with_ridge = dense;
  for (int i = 0; i < n; ++i) with_ridge(i, i) += alpha;
  auto const expected = kernelsolve::reference::solve_symmetric_positive_definite(with_ridge, rhs);
  for (auto const precision : {kernelsolve::Precision::float64, kernelsolve::Precision::mixed}) {
    kernelsolve::KernelSolverOptions options;
    options.kernel = {kernelsolve::kernel_family_from_name("wendland_c2"), g};
    options.alpha = alpha;
    options.precision = precision;
    kernelsolve::KernelSolver solver(MPI_COMM_WORLD, options, kernelsolve::test::uneven_rows(points, MPI_COMM_WORLD),
                                     2);
    std::vector<double> coefficients;
    auto const result = solver.solve(kernelsolve::test::uneven_rows(rhs, MPI_COMM_WORLD), 1, coefficients,
                                     kernelsolve::test::with_rtol(1e-11));
    ASSERT_TRUE(result.converged());
    auto const all = solver.gather_rows(coefficients, 1);
    HostMatrix solution(n, 1);
    solution.values = all;
    EXPECT_LE(kernelsolve::reference::relative_error(solution, expected), 1e-8);
    ASSERT_TRUE(solver.cutoff_summary().has_value());  // the exact cutoff, by default
    EXPECT_EQ(solver.cutoff_summary()->dropped_row_sum, 0.0);
  }
}

}  // namespace
