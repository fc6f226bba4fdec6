// The solver layer with a preconditioner: the randomly pivoted Cholesky (Nystrom) factor against a dense Nystrom
// approximation with the same pivots, its Woodbury apply against a dense inverse, preconditioned solves of every
// family against dense direct solves, warm starts, workspace reuse, a user's own operator, the same bits on every
// rank count, and errors agreed on by all ranks.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/honest_solve.hpp"
#include "harness/radial_kernel_types.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using kernelsolve::ConvergenceReason;
using kernelsolve::InvalidArgument;
using kernelsolve::NystromOptions;
using kernelsolve::StoppingCriteria;
using kernelsolve::reference::HostMatrix;
using kernelsolve::test::make_problem;
using kernelsolve::test::with_rtol;

template <class Problem>
using NystromOf = kernelsolve::NystromPreconditioner<typename Problem::Operator>;

NystromOptions with_rank(std::int64_t rank) {
  NystromOptions options;
  options.rank = rank;
  return options;
}

static_assert(kernelsolve::is_linear_operator<kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>>::value);
static_assert(!kernelsolve::is_linear_operator<int>::value);
static_assert(kernelsolve::is_preconditioner_for<
              kernelsolve::NystromPreconditioner<kernelsolve::DistributedOperator<kernelsolve::Gaussian<float>>>,
              kernelsolve::DistributedOperator<kernelsolve::Gaussian<float>>>::value);

/// block(:, 0) *= factor. (Not in the test body: nvcc's extended lambdas may not be defined in a private member
/// function, which a TEST body is.)
template <class Block>
void scale_first_column(Block const& block, double factor) {
  Kokkos::parallel_for(
      Kokkos::RangePolicy<typename Block::execution_space>(0, block.extent(0)),
      KOKKOS_LAMBDA(int i) { block(i, 0) *= factor; });
}

/// The gathered factor F (N x k) on every rank.
template <class Problem, class Preconditioner>
HostMatrix gathered_factor(Problem const& problem, Preconditioner const& preconditioner) {
  auto const& factor = preconditioner.factor();
  typename Problem::Block local("local_factor", factor.extent(0), factor.extent(1));
  Kokkos::deep_copy(local, factor);
  return problem.gather(local);
}

TEST(NystromPreconditioner, FactorIsTheDenseNystromApproximationOfItsPivots) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 150, 2, 1, 0.1, 1e-3);
  NystromOf<decltype(problem)> const preconditioner(problem.op, with_rank(40));
  auto const& pivots = preconditioner.pivots();
  ASSERT_EQ(preconditioner.summary().rank, 40);
  ASSERT_EQ(pivots.size(), 40u);
  auto const factor = gathered_factor(problem, preconditioner);

  // Dense: K(:, S) K(S, S)^{-1} K(S, :) against F F^T, and F(S_m, l) = 0 (to rounding) for l > m: a partial
  // Cholesky in pivot order.
  auto const kernel = problem.dense_operator();
  HostMatrix pivot_block(40, 40), pivot_rows(40, 150);
  for (std::int64_t m = 0; m < 40; ++m) {
    auto const pivot = pivots[static_cast<std::size_t>(m)];
    for (std::int64_t l = 0; l < 40; ++l)
      pivot_block(m, l) = kernel(pivot, pivots[static_cast<std::size_t>(l)]) - (pivot == pivots[l] ? 1e-3 : 0.0);
    for (std::int64_t j = 0; j < 150; ++j) pivot_rows(m, j) = kernel(pivot, j) - (pivot == j ? 1e-3 : 0.0);
    for (std::int64_t l = m + 1; l < 40; ++l) EXPECT_NEAR(factor(pivot, l), 0.0, 1e-14);
  }
  auto const coefficients = kernelsolve::reference::solve_symmetric_positive_definite(pivot_block, pivot_rows);
  double largest_difference = 0;
  for (std::int64_t i = 0; i < 150; ++i) {
    for (std::int64_t j = 0; j < 150; ++j) {
      double expected = 0, actual = 0;
      for (std::int64_t m = 0; m < 40; ++m) expected += pivot_rows(m, i) * coefficients(m, j);
      for (std::int64_t l = 0; l < 40; ++l) actual += factor(i, l) * factor(j, l);
      largest_difference = std::max(largest_difference, std::abs(actual - expected));
    }
  }
  EXPECT_LE(largest_difference, 1e-12);
  // The residual trace is tr(K) - ||F||_F^2.
  double squared_norm = 0;
  for (double value : factor.values) squared_norm += value * value;
  EXPECT_NEAR(preconditioner.summary().residual_trace, 150.0 - squared_norm, 1e-10);
  EXPECT_DOUBLE_EQ(preconditioner.summary().initial_trace, 150.0);
}

TEST(NystromPreconditioner, ApplyIsTheInverseOfFactorTimesItsTransposePlusAlpha) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 120, 3, 2, 0.2, 1e-2);
  NystromOf<decltype(problem)> const preconditioner(problem.op, with_rank(25));
  auto z = problem.new_block(2);
  preconditioner.apply(problem.b, z);
  auto const factor = gathered_factor(problem, preconditioner);
  HostMatrix dense(120, 120);
  for (std::int64_t i = 0; i < 120; ++i)
    for (std::int64_t j = 0; j < 120; ++j) {
      for (std::int64_t l = 0; l < 25; ++l) dense(i, j) += factor(i, l) * factor(j, l);
      if (i == j) dense(i, j) += 1e-2;
    }
  auto const expected = kernelsolve::reference::solve_symmetric_positive_definite(dense, problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(z), expected), 1e-11);
}

template <class Kernel>
class FamilyPreconditionedSolve : public ::testing::Test {};
TYPED_TEST_SUITE(FamilyPreconditionedSolve, kernelsolve::test::DoubleRadialKernels);

TYPED_TEST(FamilyPreconditionedSolve, MatchesDenseDirectSolveInFewerIterations) {
  auto problem =
      kernelsolve::test::make_problem_with_kernel(MPI_COMM_WORLD, TypeParam::from_sigma(0.3), 160, 2, 2, 1e-3);
  auto plain = problem.new_block(2);
  auto const plain_result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, plain, with_rtol(1e-10));
  NystromOf<decltype(problem)> const preconditioner(problem.op, with_rank(60));
  auto x = problem.new_block(2);
  auto const result =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x, with_rtol(1e-10));
  ASSERT_TRUE(result.converged());
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-8);
  for (std::size_t c = 0; c < 2; ++c) EXPECT_LE(result.relative_residuals[c], 1e-9);
  EXPECT_LT(result.iterations, plain_result.iterations);
}

TEST(NystromPreconditioner, FloatSolveMatchesDenseDirectSolve) {
  auto problem = make_problem<float>(MPI_COMM_WORLD, 400, 2, 2, 0.1f, 1e-2f);
  auto plain = problem.new_block(2);
  // 1e-4: what float32 kernel values let the true residual reach (1e-5 ends diverged_stagnation).
  auto const plain_result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, plain, with_rtol(1e-4));
  NystromOf<decltype(problem)> const preconditioner(problem.op);  // automatic rank
  EXPECT_TRUE(preconditioner.summary().automatic);
  EXPECT_LT(preconditioner.summary().rank, 400);
  auto x = problem.new_block(2);
  auto const result =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x, with_rtol(1e-4));
  ASSERT_TRUE(result.converged());
  EXPECT_LT(result.iterations * 4, plain_result.iterations);
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-3);
}

TEST(NystromPreconditioner, AutomaticRankStopsOnTheResidualTrace) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 500, 2, 1, 0.1, 1e-2);
  NystromOf<decltype(problem)> const preconditioner(problem.op);
  auto const& summary = preconditioner.summary();
  EXPECT_TRUE(summary.automatic);
  EXPECT_LE(summary.residual_trace, 200 * 1e-2);
  EXPECT_GT(summary.rank, 20);
  EXPECT_LT(summary.rank, 500);
  EXPECT_NE(summary.rank_reason.find("tr(K - F F^T) <= 200 alpha"), std::string::npos) << summary.rank_reason;
  EXPECT_DOUBLE_EQ(summary.shift, 1e-2);
  EXPECT_GE(summary.candidates, summary.rank);
  EXPECT_GT(summary.factor_bytes, 0);
}

/// The largest eigenvalue of the symmetric positive semidefinite `matrix`, by power iteration (to about 1e-6).
double largest_eigenvalue(HostMatrix const& matrix) {
  std::vector<double> v(static_cast<std::size_t>(matrix.rows), 1.0), w(v.size());
  double eigenvalue = 0;
  for (int iteration = 0; iteration < 2000; ++iteration) {
    double norm = 0;
    for (std::int64_t i = 0; i < matrix.rows; ++i) {
      double sum = 0;
      for (std::int64_t j = 0; j < matrix.columns; ++j) sum += matrix(i, j) * v[static_cast<std::size_t>(j)];
      w[static_cast<std::size_t>(i)] = sum;
      norm += sum * sum;
    }
    norm = std::sqrt(norm);
    double const previous = eigenvalue;
    double vnorm = 0;
    for (double value : v) vnorm += value * value;
    eigenvalue = norm / std::sqrt(vnorm);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = w[i] / norm;
    if (iteration > 10 && std::abs(eigenvalue - previous) <= 1e-9 * eigenvalue) break;
  }
  return eigenvalue;
}

TEST(NystromPreconditioner, CostRuleStopsWhereARoundNoLongerPays) {
  // Without the trace rule (auto_trace_factor = 0) and without the cost rule, the factor grows to the largest rank
  // allowed; with the cost rule, it stops once a round (2 N b k multiply-adds) saves fewer products than it costs.
  auto problem = make_problem<double>(MPI_COMM_WORLD, 600, 3, 1, 0.3, 1e-2);
  NystromOptions options;
  options.block_size = 16;
  options.auto_trace_factor = 0;
  options.auto_max_rank = 400;
  NystromOf<decltype(problem)> const with_rule(problem.op, options);
  options.auto_cost_rule = false;
  NystromOf<decltype(problem)> const without_rule(problem.op, options);
  auto const& summary = with_rule.summary();
  EXPECT_NE(summary.rank_reason.find("costs more than the products it saves"), std::string::npos)
      << summary.rank_reason;
  EXPECT_EQ(without_rule.summary().rank, 400) << without_rule.summary().rank_reason;
  EXPECT_GT(summary.rank, 16);
  EXPECT_LT(summary.rank, 400);
  EXPECT_EQ(without_rule.summary().estimated_iterations, 0);
  EXPECT_GT(summary.estimated_iterations, options.auto_iteration_constant);
  // The same draws: the rule only stops the factor earlier.
  auto const& pivots = with_rule.pivots();
  ASSERT_LE(pivots.size(), without_rule.pivots().size());
  EXPECT_TRUE(std::equal(pivots.begin(), pivots.end(), without_rule.pivots().begin()));

  // The estimate bounds the largest eigenvalue of K - F F^T from below, for F the factor when it was made (its first
  // residual_norm_estimate_rank columns), and closely on this smooth kernel.
  auto const factor = gathered_factor(problem, with_rule);
  auto residual = problem.dense_operator();
  auto const k = summary.residual_norm_estimate_rank;
  ASSERT_GT(k, 0);
  ASSERT_LT(k, summary.rank);
  for (std::int64_t i = 0; i < residual.rows; ++i) {
    residual(i, i) -= 1e-2;
    for (std::int64_t j = 0; j < residual.columns; ++j)
      for (std::int64_t l = 0; l < k; ++l) residual(i, j) -= factor(i, l) * factor(j, l);
  }
  double const eigenvalue = largest_eigenvalue(residual);
  EXPECT_LE(summary.residual_norm_estimate, eigenvalue * (1 + 1e-6));
  EXPECT_GE(summary.residual_norm_estimate, 0.3 * eigenvalue);
}

TEST(NystromPreconditionerErrors, CostRuleConstantMustBePositive) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 40, 2, 1, 0.2, 1e-2);
  NystromOptions options;
  options.auto_iteration_constant = 0;
  EXPECT_THROW_WITH_MESSAGE(NystromOf<decltype(problem)>(problem.op, options), InvalidArgument,
                            "auto_iteration_constant must be finite and > 0, got 0");
}

TEST(NystromPreconditioner, WithoutRidgeTheShiftStaysAboveTheFactorsRoundingNoise) {
  // alpha = 0 and a factor of full rank: tr(K - F F^T) is rounding noise, and a shift at that level (16 eps) made
  // M^{-1} K indefinite in floating point (breakdown, or thousands of iterations where plain CG takes 250). An
  // inverse multiquadric on 150 points: cond(K) ~ 1e4.
  auto problem = kernelsolve::test::make_problem_with_kernel(
      MPI_COMM_WORLD, kernelsolve::InverseMultiquadric<double>::from_g(256.0), 150, 2, 1, 0.0);
  NystromOf<decltype(problem)> const preconditioner(problem.op);
  EXPECT_GE(preconditioner.summary().shift, 16 * std::numeric_limits<double>::epsilon() * std::sqrt(150.0));
  auto x = problem.new_block(1);
  auto const result =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x, with_rtol(1e-10));
  ASSERT_TRUE(result.converged()) << kernelsolve::to_string(result.reasons[0]);
  EXPECT_LE(result.iterations, 30);
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-6);
}

TEST(NystromPreconditioner, RankNReproducesTheOperator) {
  // k = N: F F^T = K up to rounding, so one PCG iteration solves the system.
  auto problem = make_problem<double>(MPI_COMM_WORLD, 60, 2, 1, 0.05, 1e-2);
  NystromOptions options = with_rank(60);
  NystromOf<decltype(problem)> const preconditioner(problem.op, options);
  auto x = problem.new_block(1);
  auto const result =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x, with_rtol(1e-10));
  EXPECT_TRUE(result.converged());
  EXPECT_LE(result.iterations, 3);
}

TEST(PreconditionedConjugateGradient, WarmStartFromTheSolutionTakesNoIteration) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 140, 2, 2, 0.2, 1e-2);
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  auto x = kernelsolve::reference::to_block<decltype(problem.b)>("x", expected, problem.op.first_row(),
                                                                 problem.op.local_rows());
  NystromOf<decltype(problem)> const preconditioner(problem.op, with_rank(20));
  auto const result = kernelsolve::test::preconditioned_conjugate_gradient(
      problem.op, preconditioner, problem.b, x, with_rtol(1e-9), nullptr, kernelsolve::InitialGuess::given);
  EXPECT_EQ(result.iterations, 0);
  EXPECT_TRUE(result.converged());
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-15);
  // From a nearby guess: fewer iterations than from zero.
  auto nearby = kernelsolve::reference::to_block<decltype(problem.b)>("nearby", expected, problem.op.first_row(),
                                                                      problem.op.local_rows());
  scale_first_column(nearby, 1.001);
  auto from_zero = problem.new_block(2);
  auto const cold = kernelsolve::test::conjugate_gradient(problem.op, problem.b, from_zero, with_rtol(1e-10));
  kernelsolve::ConjugateGradient<decltype(problem.op)> solver(problem.op);
  auto const warm = solver.solve(problem.b, nearby, with_rtol(1e-10), kernelsolve::IdentityPreconditioner{}, nullptr,
                                 kernelsolve::InitialGuess::given);
  kernelsolve::test::expect_honest_verdicts(problem.op, problem.b, nearby, warm, with_rtol(1e-10));
  EXPECT_TRUE(warm.converged());
  EXPECT_LT(warm.column_iterations[0], cold.column_iterations[0]);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(nearby), expected), 1e-7);
}

/// Kokkos allocations seen while it is installed.
std::vector<std::string> allocation_labels;
void record_allocation(Kokkos::Profiling::SpaceHandle, char const* label, void const*, std::uint64_t) {
  allocation_labels.emplace_back(label);
}

TEST(PreconditionedConjugateGradient, WorkspaceIsAllocatedOnceForManySolves) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 100, 2, 2, 0.2, 1e-2);
  NystromOf<decltype(problem)> const preconditioner(problem.op, with_rank(30));
  kernelsolve::ConjugateGradient<decltype(problem.op)> solver(problem.op);
  auto x = problem.new_block(2);
  auto const first = solver.solve(problem.b, x, with_rtol(1e-10), preconditioner);
  // A second solve allocates nothing at all: workspace, dot-product sums, gather buffer and Woodbury scratch are kept.
  allocation_labels.clear();
  Kokkos::Tools::Experimental::set_allocate_data_callback(record_allocation);
  auto const second = solver.solve(problem.b, x, with_rtol(1e-10), preconditioner);
  Kokkos::Tools::Experimental::set_allocate_data_callback(nullptr);
  for (auto const& label : allocation_labels) ADD_FAILURE() << "allocated " << label << " in the second solve";
  EXPECT_EQ(solver.workspace_allocations(), 1);
  EXPECT_EQ(first.iterations, second.iterations);
  kernelsolve::test::expect_honest_verdicts(problem.op, problem.b, x, second, with_rtol(1e-10));
  // The adjoint solve of the gradient on the same workspace and preconditioner.
  auto const e = problem.new_block(2);
  Kokkos::deep_copy(e, 1.0);
  auto const gradient = kernelsolve::solve_gradient(solver, preconditioner, x, e, with_rtol(1e-10));
  EXPECT_TRUE(gradient.adjoint.converged());
  EXPECT_EQ(solver.workspace_allocations(), 1);
  auto const plain = kernelsolve::solve_gradient(problem.op, x, e, with_rtol(1e-10));
  EXPECT_LT(gradient.adjoint.iterations, plain.adjoint.iterations);
  EXPECT_NEAR(gradient.ridge, plain.ridge, 1e-7 * std::abs(plain.ridge));
}

/// A user's own operator: A = diag(1, 2, ..., N) distributed like the problem's rows.
class DiagonalOperator {
 public:
  using scalar_type = double;
  using execution_space = Kokkos::DefaultExecutionSpace;
  using memory_space = execution_space::memory_space;
  using block_type = Kokkos::View<double**, Kokkos::LayoutLeft, memory_space>;
  DiagonalOperator(MPI_Comm comm, std::int64_t first_row, int local_rows, std::int64_t global_rows)
      : communicator_(comm), first_row_(first_row), local_rows_(local_rows), global_rows_(global_rows) {}
  void apply(block_type const& in, block_type const& out) const {
    auto const first = first_row_;
    Kokkos::parallel_for(
        Kokkos::MDRangePolicy<execution_space, Kokkos::Rank<2>>(space_, {0, 0}, {in.extent(0), in.extent(1)}),
        KOKKOS_LAMBDA(int i, int c) { out(i, c) = static_cast<double>(first + i + 1) * in(i, c); });
  }
  int local_rows() const { return local_rows_; }
  std::int64_t global_rows() const { return global_rows_; }
  kernelsolve::Communicator const& communicator() const { return communicator_; }
  execution_space const& space() const { return space_; }

 private:
  kernelsolve::Communicator communicator_;
  execution_space space_;
  std::int64_t first_row_;
  int local_rows_;
  std::int64_t global_rows_;
};
static_assert(kernelsolve::is_linear_operator<DiagonalOperator>::value);

TEST(PreconditionedConjugateGradient, SolvesAUsersOwnOperator) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 50, 1, 1, 0.2, 1e-2);
  DiagonalOperator const diagonal(MPI_COMM_WORLD, problem.op.first_row(), problem.op.local_rows(), 50);
  ASSERT_EQ(diagonal.global_rows(), problem.op.global_rows());
  auto x = problem.new_block(1);
  auto const result = kernelsolve::test::conjugate_gradient(diagonal, problem.b, x, with_rtol(1e-12));
  EXPECT_TRUE(result.converged());
  auto const solution = problem.gather(x);
  for (std::int64_t i = 0; i < 50; ++i)
    EXPECT_NEAR(solution(i, 0), problem.right_hand_sides(i, 0) / static_cast<double>(i + 1), 1e-11);
}

TEST(NystromPreconditioner, SamePivotsIterationsAndBitsOnEveryRankCount) {
  auto const results = kernelsolve::test::on_each_rank_count([](MPI_Comm comm) {
    auto problem = make_problem<double>(comm, 211, 3, 2, 0.2, 1e-3);
    NystromOptions options;
    options.block_size = 16;
    NystromOf<decltype(problem)> const preconditioner(problem.op, options);
    auto x = problem.new_block(2);
    auto const result = kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x,
                                                                             with_rtol(1e-10));
    std::vector<double> packed{double(result.column_iterations[0]), double(result.column_iterations[1]),
                               double(preconditioner.summary().rank), preconditioner.summary().residual_trace,
                               preconditioner.summary().residual_norm_estimate};
    for (auto pivot : preconditioner.pivots()) packed.push_back(static_cast<double>(pivot));
    auto const solution = problem.gather(x);
    packed.insert(packed.end(), solution.values.begin(), solution.values.end());
    auto const factor = gathered_factor(problem, preconditioner);
    packed.insert(packed.end(), factor.values.begin(), factor.values.end());
    return packed;
  });
  EXPECT_GT(results[0][2], 10);
  for (std::size_t k = 1; k < results.size(); ++k) EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
}

TEST(NystromPreconditionerErrors, BadRanksAndBudgetsOnEveryRank) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 40, 2, 1, 0.2, 1e-2);
  using Preconditioner = NystromOf<decltype(problem)>;
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, with_rank(-1)), InvalidArgument,
                            "the Nystrom rank must be in [1, N = 40], got -1");
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, with_rank(41)), InvalidArgument,
                            "the Nystrom rank must be in [1, N = 40], got 41");
  NystromOptions tight = with_rank(30);
  tight.memory_budget_bytes = 1000;
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, tight), InvalidArgument, "MiB per rank");
  NystromOptions bad_block;
  bad_block.block_size = 0;
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, bad_block), InvalidArgument,
                            "block size must be in [1, 128], got 0");
  // A budget that fits only part of the automatic rank: the factor stops there and says why.
  NystromOptions small;
  auto const most_local_rows = (40 + kernelsolve::test::world_size() - 1) / kernelsolve::test::world_size();
  small.memory_budget_bytes = Preconditioner::bytes_for_rank(5, most_local_rows);
  Preconditioner const capped(problem.op, small);
  EXPECT_LE(capped.summary().rank, 5);
  EXPECT_NE(capped.summary().rank_reason.find("memory budget"), std::string::npos) << capped.summary().rank_reason;
}

TEST(PreconditionedConjugateGradientErrors, WrongBlockOnOneRankThrowsOnEveryRank) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 40, 2, 2, 0.2, 1e-2);
  NystromOf<decltype(problem)> const preconditioner(problem.op, with_rank(10));
  int const last = kernelsolve::test::world_size() - 1;
  bool const wrong_here = kernelsolve::test::world_rank() == last;
  // The last rank's solution block has one row too many; every rank must throw, none may wait in a collective.
  decltype(problem.b) x("x", problem.op.local_rows() + (wrong_here ? 1 : 0), 2);
  EXPECT_THROW_WITH_MESSAGE(
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x),
      kernelsolve::DimensionMismatch, "must both have the operator's");
  decltype(problem.b) z("z", problem.op.local_rows() + (wrong_here ? 1 : 0), 2);
  EXPECT_THROW_WITH_MESSAGE(preconditioner.apply(problem.b, z), kernelsolve::DimensionMismatch, "must have the");
  StoppingCriteria criteria;
  criteria.relative_tolerance = wrong_here ? -1.0 : 1e-6;
  auto y = problem.new_block(2);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, y, criteria), InvalidArgument,
                            "rtol) must be in [0, 1) (rtol >= 1 accepts c = 0), got -1");
}

}  // namespace
