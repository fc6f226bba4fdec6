// The two-level preconditioner (Schwarz on the complement of the Nystrom factor's span, the Nystrom inverse on it):
// its apply against a dense formula that needs no eigendecomposition, its symmetry and positivity, PCG against dense
// direct solves with fewer iterations than one-level Schwarz on a wide kernel, and the facade by name.
#include "harness/distributed_problem.hpp"
#include "harness/honest_solve.hpp"

#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>
#include <kernelsolve/solver/two_level_preconditioner.hpp>

#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

using kernelsolve::NystromOptions;
using kernelsolve::SchwarzOptions;
using kernelsolve::reference::HostMatrix;
using kernelsolve::test::with_rtol;

using Problem = kernelsolve::test::DistributedProblem<double>;
using TwoLevel = kernelsolve::TwoLevelPreconditioner<Problem::Operator>;
using Schwarz = kernelsolve::SchwarzPreconditioner<Problem::Operator>;

static_assert(kernelsolve::is_preconditioner_for<TwoLevel, Problem::Operator>::value);

/// Small local blocks: cells of at most 40 points and a fixed overlap, at most 120 points a block (the default
/// overlap of a wide kernel would make one block of every point: an exact solve).
SchwarzOptions small_cells() {
  SchwarzOptions options;
  options.cell_points = 40;
  options.overlap = 0.05;
  options.max_block_points = 120;
  return options;
}

NystromOptions given_rank(std::int64_t rank) {
  NystromOptions options;
  options.rank = rank;
  return options;
}

/// sum_ij a(i, j) b(i, j) of two gathered blocks.
double inner(HostMatrix const& a, HostMatrix const& b) {
  double sum = 0;
  for (std::size_t k = 0; k < a.values.size(); ++k) sum += a.values[k] * b.values[k];
  return sum;
}

TEST(TwoLevelPreconditioner, IsSchwarzOnTheComplementAndTheNystromInverseOnTheCoarseSpace) {
  // A wide Gaussian (sigma 0.4) on 300 points, a rank-10 factor (all its directions kept). Written without the
  // eigendecomposition the preconditioner uses: with G = F^T F, P = F G^{-1} F^T projects on span F = span U, and
  // U (Lambda + s)^{-1} U^T = F (G (G + s I))^{-1} F^T; M^{-1} r = (I - P) M_S^{-1} (I - P) r + F (G (G + s))^{-1} F^T
  // r.
  auto problem = kernelsolve::test::make_problem<double>(MPI_COMM_WORLD, 300, 2, 2, 0.4, 1e-3);
  TwoLevel const two_level(problem.op, small_cells(), given_rank(10));
  ASSERT_EQ(two_level.summary().coarse_dimension, 10);
  Schwarz const schwarz(problem.op, small_cells());
  std::mt19937_64 generator(3);
  auto const r_all = kernelsolve::reference::uniform_matrix<double>(300, 2, generator);
  auto const to = [&](HostMatrix const& m) {
    return kernelsolve::reference::to_block<Problem::Block>("m", m, problem.op.first_row(), problem.op.local_rows());
  };
  auto got = problem.new_block(2);
  two_level.apply(to(r_all), got);

  auto const f = problem.gather(two_level.nystrom().factor());  // N x k
  HostMatrix ft(f.columns, f.rows);
  for (std::int64_t i = 0; i < f.rows; ++i)
    for (std::int64_t j = 0; j < f.columns; ++j) ft(j, i) = f(i, j);
  auto const g = kernelsolve::reference::multiply(ft, f);
  auto const project = [&](HostMatrix const& x) {  // P x
    return kernelsolve::reference::multiply(
        f, kernelsolve::reference::solve_symmetric_positive_definite(g, kernelsolve::reference::multiply(ft, x)));
  };
  auto const minus = [](HostMatrix a, HostMatrix const& b) {
    for (std::size_t k = 0; k < a.values.size(); ++k) a.values[k] -= b.values[k];
    return a;
  };
  auto const r_perp = minus(r_all, project(r_all));
  auto y_block = problem.new_block(2);
  schwarz.apply(to(r_perp), y_block);
  auto const y = problem.gather(y_block);
  auto g_shifted = g;
  for (std::int64_t j = 0; j < g.rows; ++j) g_shifted(j, j) += two_level.nystrom().summary().shift;
  auto const coarse = kernelsolve::reference::multiply(
      f, kernelsolve::reference::solve_symmetric_positive_definite(kernelsolve::reference::multiply(g, g_shifted),
                                                                   kernelsolve::reference::multiply(ft, r_all)));
  auto expected = minus(y, project(y));
  for (std::size_t k = 0; k < expected.values.size(); ++k) expected.values[k] += coarse.values[k];
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(got), expected), 1e-8);
}

TEST(TwoLevelPreconditioner, IsSymmetricAndPositive) {
  auto problem = kernelsolve::test::make_problem<double>(MPI_COMM_WORLD, 250, 2, 2, 0.3, 1e-3);
  TwoLevel const two_level(problem.op, small_cells(), given_rank(30));
  std::mt19937_64 generator(5);
  auto const u_all = kernelsolve::reference::uniform_matrix<double>(250, 2, generator);
  auto const v_all = kernelsolve::reference::uniform_matrix<double>(250, 2, generator);
  auto const to = [&](HostMatrix const& m) {
    return kernelsolve::reference::to_block<Problem::Block>("m", m, problem.op.first_row(), problem.op.local_rows());
  };
  auto mu = problem.new_block(2), mv = problem.new_block(2);
  two_level.apply(to(u_all), mu);
  two_level.apply(to(v_all), mv);
  double const uv = inner(problem.gather(mu), v_all), vu = inner(problem.gather(mv), u_all);
  EXPECT_NEAR(uv, vu, 1e-12 * std::abs(uv));
  EXPECT_GT(inner(problem.gather(mu), u_all), 0.0);
}

TEST(TwoLevelPreconditioner, SolvesAWideKernelInFewerIterationsThanSchwarzAlone) {
  auto problem = kernelsolve::test::make_problem<double>(MPI_COMM_WORLD, 600, 2, 1, 0.5, 1e-4);
  TwoLevel const two_level(problem.op, small_cells(), given_rank(40));
  Schwarz const schwarz(problem.op, small_cells());
  auto x = problem.new_block(1), y = problem.new_block(1);
  auto const with_two =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, two_level, problem.b, x, with_rtol(1e-10));
  auto const with_one =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, schwarz, problem.b, y, with_rtol(1e-10));
  ASSERT_TRUE(with_two.converged());
  ASSERT_TRUE(with_one.converged());
  EXPECT_LT(with_two.iterations, with_one.iterations);
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-7);
}

TEST(TwoLevelPreconditioner, FacadeTakesItByName) {
  std::mt19937_64 generator(9);
  int const n = 400;
  auto const points = kernelsolve::reference::uniform_matrix<double>(n, 2, generator);
  auto const rhs = kernelsolve::reference::uniform_matrix<double>(n, 1, generator);
  kernelsolve::KernelSolverOptions options;
  options.kernel = {kernelsolve::KernelFamily::gaussian,
                    kernelsolve::g_from_sigma(kernelsolve::KernelFamily::gaussian, 0.3)};
  options.alpha = 1e-3;
  options.preconditioner = kernelsolve::preconditioner_kind_from_name("two_level");
  options.schwarz.cell_points = 40;
  for (auto const precision : {kernelsolve::Precision::float64, kernelsolve::Precision::mixed}) {
    options.precision = precision;
    kernelsolve::KernelSolver solver(MPI_COMM_WORLD, options, kernelsolve::test::uneven_rows(points, MPI_COMM_WORLD),
                                     2);
    std::vector<double> c;
    auto const result = solver.solve(kernelsolve::test::uneven_rows(rhs, MPI_COMM_WORLD), 1, c, with_rtol(1e-10));
    ASSERT_TRUE(result.converged());
    ASSERT_TRUE(solver.two_level_summary().has_value());
    EXPECT_GT(solver.two_level_summary()->coarse_dimension, 0);
    EXPECT_TRUE(solver.schwarz_summary().has_value());
    EXPECT_TRUE(solver.preconditioner_summary().has_value());
    EXPECT_EQ(solver.preconditioner_choice()->kind, kernelsolve::PreconditionerKind::two_level);
    HostMatrix solution(n, 1);
    solution.values = solver.gather_rows(c, 1);
    auto const dense = kernelsolve::reference::kernel_matrix([](double r2) { return std::exp(-r2 / (2 * 0.3 * 0.3)); },
                                                             points, points, 1e-3);
    EXPECT_LE(kernelsolve::reference::relative_error(
                  solution, kernelsolve::reference::solve_symmetric_positive_definite(dense, rhs)),
              1e-8);
  }
  EXPECT_EQ(kernelsolve::to_string(kernelsolve::PreconditionerKind::two_level), "two_level");
}

}  // namespace
