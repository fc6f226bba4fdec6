// Products and gradients of a run-time dimension (D > 3: the distances computed a block of source lanes at a time,
// coordinate by coordinate) against dense double references, with the same bits on 1, 2 and 3 ranks: the
// distributed operator in float and double, and solve_gradient's pair sums.
#include "harness/distributed_problem.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/solver/cg.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

using kernelsolve::reference::HostMatrix;
using kernelsolve::test::balanced_rows;

/// Standard normal coordinates: the typical distance grows like sqrt(D), as in standardized tabular data.
HostMatrix normal_matrix(std::int64_t rows, int columns, std::mt19937_64& generator) {
  std::normal_distribution<double> normal(0, 1);
  HostMatrix m(rows, columns);
  for (auto& v : m.values) v = normal(generator);
  return m;
}

template <class Scalar>
void expect_operator_matches_dense_with_the_same_bits(int dimension, double tolerance) {
  // 301 points: blocks of every lane count and a remainder on each rank count.
  std::int64_t const count = 301;
  std::mt19937_64 generator(100 + dimension);
  auto const points = normal_matrix(count, dimension, generator);
  auto const weights = normal_matrix(count, 3, generator);
  double const g = 0.5 / dimension;  // sigma = sqrt(D)
  using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<Scalar>>;
  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm comm) {
    Operator const op(comm, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<Scalar>::from_g(Scalar(g)),
                      balanced_rows<typename Operator::block_type>("points", points, comm), Scalar(0.25));
    auto const out = op.allocate_block("out", 3);
    op.apply(balanced_rows<typename Operator::block_type>("w", weights, comm), out);
    typename Operator::block_type all("all", count, 3);
    op.allgather_rows(out, all);
    return kernelsolve::reference::to_host_matrix(all).values;
  });
  for (std::size_t k = 1; k < results.size(); ++k)
    EXPECT_EQ(results[k], results[0]) << "D = " << dimension << ", " << k + 1 << " ranks";
  // The points as the operator holds them (rounded to Scalar), in double.
  HostMatrix rounded = points;
  for (auto& v : rounded.values) v = static_cast<double>(static_cast<Scalar>(v));
  HostMatrix rounded_weights = weights;
  for (auto& v : rounded_weights.values) v = static_cast<double>(static_cast<Scalar>(v));
  auto const expected = kernelsolve::reference::multiply(
      kernelsolve::reference::kernel_matrix([g](double r2) { return std::exp(-g * r2); }, rounded, rounded, 0.25),
      rounded_weights);
  HostMatrix got(count, 3);
  got.values = results[0];
  EXPECT_LE(kernelsolve::reference::relative_error(got, expected), tolerance) << "D = " << dimension;
}

TEST(DimensionProduct, OperatorMatchesTheDenseProductWithTheSameBitsOnEveryRankCount) {
  for (int dimension : {4, 10, 33, 100}) {
    expect_operator_matches_dense_with_the_same_bits<double>(dimension, 1e-14);
    expect_operator_matches_dense_with_the_same_bits<float>(dimension, 2e-6);
  }
}

// solve_gradient at D = 12: dL/dx against central differences of L = e . (K + alpha I)^{-1} b by dense solves, and
// the same bits on every rank count.
TEST(DimensionProduct, GradientMatchesFiniteDifferencesWithTheSameBitsOnEveryRankCount) {
  int const dimension = 12;
  std::int64_t const count = 45;
  std::mt19937_64 generator(7);
  auto points = normal_matrix(count, dimension, generator);
  auto const b = normal_matrix(count, 1, generator);
  auto const e = normal_matrix(count, 1, generator);
  double const g = 0.5 / dimension, alpha = 0.5;
  using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm comm) {
    Operator const op(comm, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<double>::from_g(g),
                      balanced_rows<Operator::block_type>("points", points, comm), alpha);
    kernelsolve::ConjugateGradient<Operator> solver(op);
    auto const criteria = kernelsolve::test::with_rtol(1e-14);
    auto c = op.allocate_block("c", 1);
    EXPECT_TRUE(solver.solve(balanced_rows<Operator::block_type>("b", b, comm), c, criteria).converged());
    auto const gradient = kernelsolve::solve_gradient(solver, kernelsolve::IdentityPreconditioner{}, c,
                                                      balanced_rows<Operator::block_type>("e", e, comm), criteria);
    Operator::block_type all("all", count, dimension);
    op.allgather_rows(gradient.points, all);
    return kernelsolve::reference::to_host_matrix(all).values;
  });
  for (std::size_t k = 1; k < results.size(); ++k) EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";

  auto const loss = [&] {
    auto const c = kernelsolve::reference::solve_symmetric_positive_definite(
        kernelsolve::reference::kernel_matrix([g](double r2) { return std::exp(-g * r2); }, points, points, alpha), b);
    double sum = 0;
    for (std::int64_t i = 0; i < count; ++i) sum += e(i, 0) * c(i, 0);
    return sum;
  };
  double const h = 1e-6;
  for (std::int64_t i = 0; i < count; i += 7) {
    for (int d = 0; d < dimension; d += 5) {
      double const saved = points(i, d);
      points(i, d) = saved + h;
      double const plus = loss();
      points(i, d) = saved - h;
      double const minus = loss();
      points(i, d) = saved;
      EXPECT_NEAR(results[0][static_cast<std::size_t>(i * dimension + d)], (plus - minus) / (2 * h), 1e-7)
          << "point " << i << ", coordinate " << d;
    }
  }
}

}  // namespace
