// Gradients of the solution (vector-Jacobian products through the adjoint solve) against central finite differences
// of dense double solves and against a dense reference; the same gradients on 1, 2 and 3 ranks; no extra copies.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/finite_differences.hpp"
#include "harness/honest_solve.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/gradient/solve_gradient.hpp>

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace {

using kernelsolve::reference::HostMatrix;

/// L = <e, (K + alpha I)^{-1} b> by a dense double solve: the function whose derivatives are checked.
double dense_objective(HostMatrix const& points, HostMatrix const& b, HostMatrix const& e, double g, double alpha) {
  return kernelsolve::test::dense_objective([g](double r2) { return std::exp(-g * r2); }, points, b, e, alpha);
}

kernelsolve::StoppingCriteria tight() {
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-13;
  return criteria;
}

/// Solves, then differentiates; returns the gradients gathered on every rank.
template <class Scalar>
struct SolvedGradient {
  HostMatrix points, right_hand_sides;
  double ridge = 0, kernel_parameter = 0;
  bool adjoint_converged = false;
};

template <class Scalar>
SolvedGradient<Scalar> solve_and_differentiate(kernelsolve::test::DistributedProblem<Scalar>& problem,
                                               HostMatrix const& e, kernelsolve::StoppingCriteria const& criteria) {
  auto c = problem.new_block(static_cast<int>(e.columns));
  kernelsolve::test::conjugate_gradient(problem.op, problem.b, c, criteria);
  using Block = typename kernelsolve::test::DistributedProblem<Scalar>::Block;
  auto const local_e = kernelsolve::reference::to_block<Block>("e", e, problem.op.first_row(), problem.op.local_rows());
  auto const gradient = kernelsolve::solve_gradient(problem.op, c, local_e, criteria);
  return {problem.gather(gradient.points), problem.gather(gradient.right_hand_sides), gradient.ridge,
          gradient.kernel_parameter, gradient.adjoint.converged()};
}

TEST(SolveGradient, MatchesFiniteDifferencesOfDenseSolves) {
  auto problem = kernelsolve::test::make_problem<double>(MPI_COMM_WORLD, 31, 2, 2, 0.3, 0.1);
  auto const e = kernelsolve::test::normal_matrix(31, 2, 8);
  auto const gradient = solve_and_differentiate(problem, e, tight());
  ASSERT_TRUE(gradient.adjoint_converged);
  double const g = problem.op.kernel().g, alpha = problem.op.ridge(), h = 1e-6;
  auto x = problem.points;
  auto const& b = problem.right_hand_sides;

  // dL/db = a: L is linear in b, so the adjoint is exactly the dense solve with e.
  auto const a = kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), e);
  EXPECT_LE(kernelsolve::reference::relative_error(gradient.right_hand_sides, a), 1e-10);

  double const d_alpha = (dense_objective(x, b, e, g, alpha + h) - dense_objective(x, b, e, g, alpha - h)) / (2 * h);
  EXPECT_NEAR(gradient.ridge, d_alpha, 1e-6 * std::abs(d_alpha));
  double const d_g = (dense_objective(x, b, e, g + h, alpha) - dense_objective(x, b, e, g - h, alpha)) / (2 * h);
  EXPECT_NEAR(gradient.kernel_parameter, d_g, 1e-6 * std::abs(d_g));

  auto const finite_differences = kernelsolve::test::finite_difference_gradient(
      x, [&](HostMatrix const& moved) { return dense_objective(moved, b, e, g, alpha); }, h);
  EXPECT_LE(kernelsolve::reference::relative_error(gradient.points, finite_differences), 1e-6);

  // The dense reference from the explicit matrices agrees to rounding.
  auto const c = kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), b);
  auto const dense =
      kernelsolve::reference::solve_gradient_wrt_points([g](double r2) { return -g * std::exp(-g * r2); }, x, a, c);
  EXPECT_LE(kernelsolve::reference::relative_error(gradient.points, dense), 1e-10);
}

TEST(SolveGradient, FloatPointsGradientWithinOnePercentOfDoubleReference) {
  auto problem = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 400, 2, 2, 0.1f, 0.01f);
  auto const e = kernelsolve::test::normal_matrix(400, 2, 9);
  auto const gradient = solve_and_differentiate(problem, e, kernelsolve::StoppingCriteria{});
  double const g = problem.op.kernel().g;
  auto const dense_operator = problem.dense_operator();
  auto const a = kernelsolve::reference::solve_symmetric_positive_definite(dense_operator, e);
  auto const c = kernelsolve::reference::solve_symmetric_positive_definite(dense_operator, problem.right_hand_sides);
  auto const dense = kernelsolve::reference::solve_gradient_wrt_points(
      [g](double r2) { return -g * std::exp(-g * r2); }, problem.points, a, c);
  EXPECT_LE(kernelsolve::reference::relative_error(gradient.points, dense), 1e-2);
}

TEST(SolveGradient, SameGradientsOnEveryRankCount) {
  auto const results = kernelsolve::test::on_each_rank_count([](MPI_Comm comm) {
    auto problem = kernelsolve::test::make_problem<double>(comm, 47, 3, 2, 0.3, 0.05);
    auto const gradient = solve_and_differentiate(problem, kernelsolve::test::normal_matrix(47, 2, 4), tight());
    std::vector<double> packed{gradient.ridge, gradient.kernel_parameter};
    packed.insert(packed.end(), gradient.points.values.begin(), gradient.points.values.end());
    packed.insert(packed.end(), gradient.right_hand_sides.values.begin(), gradient.right_hand_sides.values.end());
    return packed;
  });
  for (std::size_t k = 1; k < results.size(); ++k) EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
}

/// Kokkos allocations seen while it is installed: (label, bytes).
std::vector<std::pair<std::string, std::uint64_t>> allocations;
void record_allocation(Kokkos::Profiling::SpaceHandle, char const* label, void const*, std::uint64_t bytes) {
  allocations.emplace_back(label, bytes);
}

TEST(SolveGradient, ReusesTheOperatorAndStaysMatrixFree) {
  int const n = 500, dimension = 3, columns = 2;
  auto problem = kernelsolve::test::make_problem<double>(MPI_COMM_WORLD, n, dimension, columns, 0.3, 0.05);
  auto c = problem.new_block(columns);
  kernelsolve::test::conjugate_gradient(problem.op, problem.b, c);
  auto const e = problem.new_block(columns);
  Kokkos::deep_copy(e, 1.0);

  allocations.clear();
  Kokkos::Tools::Experimental::set_allocate_data_callback(record_allocation);
  auto const gradient = kernelsolve::solve_gradient(problem.op, c, e);
  Kokkos::Tools::Experimental::set_allocate_data_callback(nullptr);

  std::uint64_t total = 0;
  for (auto const& [label, bytes] : allocations) {
    total += bytes;
    // No second operator and no new copy of the points: the adjoint solve and the gradients use problem.op.
    EXPECT_EQ(label.find("DistributedOperator"), std::string::npos) << label;
  }
  // O(N Dv + n_local (Dv + D)) workspace: gathered a and c, CG vectors, the two gradient roles; never O(N^2).
  std::uint64_t const local = static_cast<std::uint64_t>(problem.op.local_rows());
  EXPECT_LE(total, sizeof(double) * (2 * n * columns + 8 * local * columns + 3 * local * dimension + 2 * local) + 4096);
  EXPECT_GT(total, 0u);
}

TEST(SolveGradientErrors, CotangentShapeAndValues) {
  auto problem = kernelsolve::test::make_problem<double>(MPI_COMM_WORLD, 20, 2, 2, 0.3, 0.1);
  auto c = problem.new_block(2);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::solve_gradient(problem.op, c, problem.new_block(3)),
                            kernelsolve::DimensionMismatch, "the cotangent (");
  auto e = problem.new_block(2);
  if (kernelsolve::test::world_rank() == 0) {
    auto host = Kokkos::create_mirror_view(e);
    host(0, 1) = std::numeric_limits<double>::quiet_NaN();
    Kokkos::deep_copy(e, host);
  }
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::solve_gradient(problem.op, c, e), kernelsolve::InvalidArgument,
                            "the right-hand sides contain NaN or Inf values");
}

}  // namespace
