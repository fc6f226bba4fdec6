// predict(): K(x_new, x) c with the new points split across ranks, against brute-force sums; the same predictions
// on 1, 2 and 3 ranks; interpolation of a smooth function whose error falls as N grows; and its input checks.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/honest_solve.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/operator/predict.hpp>
#include <kernelsolve/solver/cg.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace {

using kernelsolve::reference::HostMatrix;
using Block = Kokkos::View<double**, Kokkos::LayoutLeft>;

/// Predictions at all M new points, on every rank: each rank predicts its balanced share of them.
template <class Operator>
HostMatrix predict_everywhere(Operator const& op, Block const& coefficients, HostMatrix const& new_points) {
  auto const& comm = op.communicator();
  auto const share = kernelsolve::RowPartition::balanced(new_points.rows, comm.size());
  auto const first = share.begin(comm.rank());
  int const rows = share.local_rows(comm.rank());
  Block values("values", rows, coefficients.extent(1));
  kernelsolve::predict(op, coefficients, kernelsolve::reference::to_block<Block>("new", new_points, first, rows),
                       values);
  auto const mine = kernelsolve::reference::to_host_matrix(values);
  HostMatrix all(new_points.rows, static_cast<std::int64_t>(coefficients.extent(1)));
  std::copy(mine.values.begin(), mine.values.end(), all.values.begin() + first * all.columns);
  comm.sum_in_place(all.values.data(), static_cast<int>(all.values.size()));
  return all;
}

TEST(Predict, MatchesBruteForceAndIsTheSameOnEveryRankCount) {
  std::mt19937_64 generator(17);
  auto const new_points = kernelsolve::reference::uniform_matrix<double>(41, 3, generator);
  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm comm) {
    auto problem = kernelsolve::test::make_problem_with_kernel(comm, kernelsolve::Matern52<double>::from_sigma(0.3), 90,
                                                               3, 2, 0.01);
    auto c = problem.new_block(2);
    kernelsolve::test::conjugate_gradient(problem.op, problem.b, c);
    auto const values = predict_everywhere(problem.op, c, new_points);
    auto const expected = kernelsolve::reference::multiply(
        kernelsolve::reference::kernel_matrix(kernelsolve::test::reference_kernel(problem.op.kernel()), new_points,
                                              problem.points),
        problem.gather(c));
    EXPECT_LE(kernelsolve::reference::relative_error(values, expected), 1e-14);
    return values.values;
  });
  for (std::size_t k = 1; k < results.size(); ++k) EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
}

double smooth_function(double x, double y) {
  return std::sin(3 * x) * std::sin(2 * y + 0.5);
}

/// Max |interpolant - f| at new points, from an n x n grid of samples of f on [0, 1]^2.
template <class Kernel>
double interpolation_error(Kernel const& kernel, int n, HostMatrix const& new_points) {
  HostMatrix points(n * n, 2), samples(n * n, 1);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      points(i * n + j, 0) = i / (n - 1.0);
      points(i * n + j, 1) = j / (n - 1.0);
      samples(i * n + j, 0) = smooth_function(points(i * n + j, 0), points(i * n + j, 1));
    }
  }
  kernelsolve::test::DistributedProblem<double, Kernel> problem(MPI_COMM_WORLD, points, samples, kernel,
                                                                kernelsolve::test::reference_kernel(kernel), 1e-10);
  auto c = problem.new_block(1);
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-12;
  EXPECT_TRUE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, c, criteria).converged()) << n;
  auto const values = predict_everywhere(problem.op, c, new_points);
  double error = 0;
  for (std::int64_t m = 0; m < new_points.rows; ++m) {
    error = std::max(error, std::abs(values(m, 0) - smooth_function(new_points(m, 0), new_points(m, 1))));
  }
  return error;
}

TEST(Predict, InterpolationErrorOfASmoothFunctionFallsAsNGrows) {
  std::mt19937_64 generator(2);
  std::uniform_real_distribution<double> inside(0.1, 0.9);
  HostMatrix new_points(60, 2);
  for (auto& value : new_points.values) value = inside(generator);
  auto const kernel = kernelsolve::Matern52<double>::from_sigma(0.5);
  double previous = std::numeric_limits<double>::infinity();
  for (int const n : {4, 8, 16, 24}) {
    double const error = interpolation_error(kernel, n, new_points);
    EXPECT_LT(error, 0.5 * previous) << n << " x " << n << " samples";
    previous = error;
  }
  EXPECT_LT(previous, 1e-3);
}

TEST(PredictErrors, ShapesAndValuesAreCheckedOnEveryRank) {
  auto problem = kernelsolve::test::make_problem<double>(MPI_COMM_WORLD, 20, 2, 2, 0.3, 0.1);
  auto c = problem.new_block(2);
  Block values("values", 3, 2);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::predict(problem.op, c, Block("new", 3, 4), values),
                            kernelsolve::InvalidArgument, "new points 3 x 4 (D must be 2)");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::predict(problem.op, c, Block("new", 3, 2), Block("values", 3, 1)),
                            kernelsolve::InvalidArgument, "values 3 x 1");
  Block new_points("new", 3, 2);
  if (kernelsolve::test::world_rank() == 0) {
    auto host = Kokkos::create_mirror_view(new_points);
    host(2, 1) = std::numeric_limits<double>::infinity();
    Kokkos::deep_copy(new_points, host);
  }
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::predict(problem.op, c, new_points, values), kernelsolve::InvalidArgument,
                            "the new points contain NaN or Inf values");
}

}  // namespace
