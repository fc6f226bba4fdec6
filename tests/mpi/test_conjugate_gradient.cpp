// Distributed CG against dense direct solves; per-column convergence; the same answer on 1, 2 and 3 ranks; and the
// collective errors on bad input.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/honest_solve.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/stop_token.hpp>

#include <gtest/gtest.h>

#include <limits>

namespace {

using kernelsolve::test::with_rtol;

using kernelsolve::ConvergenceReason;
using kernelsolve::InvalidArgument;
using kernelsolve::StoppingCriteria;
using kernelsolve::reference::HostMatrix;
using kernelsolve::test::make_problem;

TEST(ConjugateGradient, DoubleMatchesDenseDirectSolve) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 157, 2, 2, 0.2, 0.01);
  auto x = problem.new_block(2);
  auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-10));
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_TRUE(result.converged());
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-5);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(result.reasons[c], ConvergenceReason::converged_rtol);
    EXPECT_LE(result.recursive_residuals[c], 1e-10);
    EXPECT_LE(result.relative_residuals[c], 1e-9);
    EXPECT_GT(result.column_iterations[c], 5);
  }
}

TEST(ConjugateGradient, FloatMatchesDenseDirectSolve) {
  auto problem = make_problem<float>(MPI_COMM_WORLD, 300, 2, 3, 0.1f, 0.01f);
  auto x = problem.new_block(3);
  // 1e-4: what float32 kernel values let the true residual reach here (1e-6 ends diverged_stagnation).
  auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-4));
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_TRUE(result.converged());
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-3);
}

/// The eigenvector of the largest eigenvalue of a symmetric positive definite matrix, by power iteration.
HostMatrix top_eigenvector(HostMatrix const& matrix) {
  HostMatrix vector(matrix.rows, 1);
  for (auto& v : vector.values) v = 1.0;
  for (int iteration = 0; iteration < 2000; ++iteration) {
    vector = kernelsolve::reference::multiply(matrix, vector);
    double norm = 0;
    for (double v : vector.values) norm += v * v;
    for (auto& v : vector.values) v /= std::sqrt(norm);
  }
  return vector;
}

TEST(ConjugateGradient, EachColumnStopsOnItsOwn) {
  // Column 0: random (hard); column 1: an eigenvector of A (CG needs one step); column 2: zero (no step at all).
  std::mt19937_64 generator(11);
  auto points = kernelsolve::reference::uniform_matrix<double>(120, 2, generator);
  HostMatrix b(120, 3);
  auto const random = kernelsolve::reference::uniform_matrix<double>(120, 1, generator);
  kernelsolve::test::DistributedProblem<double> for_matrix(MPI_COMM_WORLD, points, b, 0.2, 0.05);
  auto const eigenvector = top_eigenvector(for_matrix.dense_operator());
  for (std::int64_t i = 0; i < 120; ++i) {
    b(i, 0) = random(i, 0);
    b(i, 1) = eigenvector(i, 0);
  }
  kernelsolve::test::DistributedProblem<double> problem(MPI_COMM_WORLD, points, b, 0.2, 0.05);
  auto x = problem.new_block(3);
  auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-8));

  EXPECT_EQ(result.reasons[0], ConvergenceReason::converged_rtol);
  EXPECT_EQ(result.reasons[1], ConvergenceReason::converged_rtol);
  EXPECT_EQ(result.reasons[2], ConvergenceReason::converged_atol);
  EXPECT_GT(result.column_iterations[0], 20);
  EXPECT_LE(result.column_iterations[1], 2);
  EXPECT_EQ(result.column_iterations[2], 0);
  EXPECT_EQ(result.iterations, result.column_iterations[0]);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_LE(result.recursive_residuals[c], 1e-8) << "column " << c;
    EXPECT_LE(result.relative_residuals[c], 1e-7) << "column " << c;
  }
  auto const solution = problem.gather(x);
  auto const expected = kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), b);
  for (std::int64_t i = 0; i < 120; ++i) {
    EXPECT_NEAR(solution(i, 0), expected(i, 0), 1e-5 * std::abs(expected(i, 0)) + 1e-6);
    EXPECT_NEAR(solution(i, 1), expected(i, 1), 1e-7);
    EXPECT_EQ(solution(i, 2), 0.0);
  }
}

TEST(ConjugateGradient, MaxIterationsIsAReasonNotAnError) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 80, 2, 2, 0.2, 0.01);
  auto x = problem.new_block(2);
  auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-12, 3));
  EXPECT_FALSE(result.converged());
  EXPECT_EQ(result.iterations, 3);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(result.reasons[c], ConvergenceReason::diverged_max_iterations);
    EXPECT_EQ(result.column_iterations[c], 3);
    EXPECT_GT(result.relative_residuals[c], 1e-12);
  }
  auto const none = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-12, 0));
  EXPECT_EQ(none.reasons[0], ConvergenceReason::diverged_max_iterations);
  EXPECT_DOUBLE_EQ(none.relative_residuals[0], 1.0);
}

/// Records what the solver reports.
class RecordingMonitor : public kernelsolve::SolveMonitor {
 public:
  void on_iteration(int iteration, std::vector<double> const& relative_residuals) override {
    iterations.push_back(iteration);
    largest.push_back(*std::max_element(relative_residuals.begin(), relative_residuals.end()));
  }
  std::vector<int> iterations;
  std::vector<double> largest;
};

TEST(ConjugateGradient, MonitorSeesEveryIteration) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 90, 2, 2, 0.2, 0.1);
  auto x = problem.new_block(2);
  RecordingMonitor monitor;
  auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-8), &monitor);
  ASSERT_EQ(monitor.iterations.size(), static_cast<std::size_t>(result.iterations) + 1);
  for (int k = 0; k <= result.iterations; ++k) EXPECT_EQ(monitor.iterations[static_cast<std::size_t>(k)], k);
  EXPECT_DOUBLE_EQ(monitor.largest.front(), 1.0);
  EXPECT_LE(monitor.largest.back(), 1e-8);
}

/// Sets a stop token after iteration `at` on this rank only when `here` (a signal that reached one rank first).
class StopAfter : public kernelsolve::SolveMonitor {
 public:
  StopAfter(kernelsolve::StopToken& token, int at, bool here) : token_(token), at_(at), here_(here) {}
  void on_iteration(int iteration, std::vector<double> const&) override {
    if (here_ && iteration == at_) token_.request_stop();
    last = iteration;
  }
  int last = -1;

 private:
  kernelsolve::StopToken& token_;
  int at_;
  bool here_;
};

TEST(ConjugateGradient, AStopTokenSetOnOneRankStopsEveryRankAfterTheSameIteration) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 157, 2, 2, 0.2, 0.01);
  auto x = problem.new_block(2);
  kernelsolve::StopToken token;
  auto criteria = with_rtol(1e-12);
  criteria.stop_token = &token;
  StopAfter monitor(token, 4, kernelsolve::test::world_rank() == problem.op.communicator().size() - 1);
  auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, criteria, &monitor);
  EXPECT_FALSE(result.converged());
  EXPECT_EQ(result.iterations, 4);
  EXPECT_EQ(monitor.last, 4);
  // The iterate and the true residual of a solve that stopped after 4 iterations by max_iterations: the same bits.
  auto four = problem.new_block(2);
  auto const reference = kernelsolve::test::conjugate_gradient(problem.op, problem.b, four, with_rtol(1e-12, 4));
  EXPECT_EQ(problem.gather(x).values, problem.gather(four).values);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(result.reasons[c], ConvergenceReason::interrupted);
    EXPECT_EQ(to_string(result.reasons[c]), "interrupted");
    EXPECT_EQ(result.column_iterations[c], 4);
    EXPECT_EQ(result.relative_residuals[c], reference.relative_residuals[c]);
  }
  kernelsolve::test::expect_honest_verdicts(problem.op, problem.b, x, result, criteria);  // its true residual
  // The iterate resumes (the token reset) to the dense solution.
  token.reset();
  kernelsolve::ConjugateGradient<decltype(problem.op)> solver(problem.op);
  auto const resumed = solver.solve(problem.b, x, criteria, kernelsolve::IdentityPreconditioner{}, nullptr,
                                    kernelsolve::InitialGuess::given);
  EXPECT_TRUE(resumed.converged());
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-9);
  // A token already set: no iteration, x = 0.
  token.request_stop();
  auto const at_once = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, criteria);
  EXPECT_EQ(at_once.iterations, 0);
  EXPECT_EQ(at_once.reasons[0], ConvergenceReason::interrupted);
  EXPECT_DOUBLE_EQ(at_once.relative_residuals[0], 1.0);
}

TEST(ConjugateGradient, SameIterationsAndSolutionOnEveryRankCount) {
  // Iteration counts, then the solution, from a solve on the first k ranks, for every k.
  auto const results = kernelsolve::test::on_each_rank_count([](MPI_Comm comm) {
    auto problem = make_problem<double>(comm, 103, 3, 2, 0.25, 0.01);
    auto x = problem.new_block(2);
    auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-9));
    std::vector<double> packed{double(result.column_iterations[0]), double(result.column_iterations[1])};
    auto const solution = problem.gather(x);
    packed.insert(packed.end(), solution.values.begin(), solution.values.end());
    return packed;
  });
  EXPECT_GT(results[0][0], 10);
  // Reproducible dot products and row-wise products: the same iterations and bits on every rank count.
  for (std::size_t k = 1; k < results.size(); ++k) EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
}

TEST(ConjugateGradientErrors, NonFiniteRightHandSideOnOneRank) {
  std::mt19937_64 generator(2);
  auto points = kernelsolve::reference::uniform_matrix<double>(30, 2, generator);
  auto b = kernelsolve::reference::uniform_matrix<double>(30, 2, generator);
  b(29, 1) = std::numeric_limits<double>::infinity();  // owned by the last rank
  kernelsolve::test::DistributedProblem<double> problem(MPI_COMM_WORLD, points, b, 0.3, 0.1);
  auto x = problem.new_block(2);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, x), InvalidArgument,
                            "the right-hand sides contain NaN or Inf values");
}

TEST(ConjugateGradientErrors, ShapesAndCriteria) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 30, 2, 2, 0.3, 0.1);
  auto x = problem.new_block(2);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, problem.new_block(1)),
                            kernelsolve::DimensionMismatch, "the right-hand sides (");
  auto const no_columns = problem.new_block(0);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(problem.op, no_columns, no_columns), InvalidArgument,
                            "Dv >= 1 columns, got 0");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(-1e-3)),
                            InvalidArgument, "rtol) must be in [0, 1) (rtol >= 1 accepts c = 0), got -0.001");
  // Only rank 0 asks for rtol 2, which c = 0 would meet: every rank refuses it.
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(
                                problem.op, problem.b, x, with_rtol(kernelsolve::test::world_rank() == 0 ? 2.0 : 1e-6)),
                            InvalidArgument, "rtol) must be in [0, 1) (rtol >= 1 accepts c = 0), got 2");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1.0)),
                            InvalidArgument, "rtol) must be in [0, 1) (rtol >= 1 accepts c = 0), got 1");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-3, -1)),
                            InvalidArgument, "max_iterations must be >= 0, got -1");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(0.0)),
                            InvalidArgument, "at least one of rtol and atol must be > 0");
}

}  // namespace
