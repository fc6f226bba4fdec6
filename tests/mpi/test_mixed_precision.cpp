// Honest convergence and mixed precision: float32 CG asked for more than float32 products allow ends
// diverged_stagnation, not converged; iterative refinement (float32 inner PCG, float64 outer residual) reaches 1e-8
// and 1e-10 against dense float64 solves with and without the preconditioner, its last inner solve going no further
// than the tolerance asks; its gradients against finite differences of dense float64 solves; the same bits on every
// rank count; no allocation after the first solve; errors on every rank.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/finite_differences.hpp"
#include "harness/honest_solve.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/solver/iterative_refinement.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace {

using kernelsolve::ConvergenceReason;
using kernelsolve::reference::HostMatrix;
using kernelsolve::test::with_rtol;
using FloatProblem = kernelsolve::test::DistributedProblem<float>;
using DoubleProblem = kernelsolve::test::DistributedProblem<double>;
using Inner = FloatProblem::Operator;
using Outer = DoubleProblem::Operator;
using Refinement = kernelsolve::IterativeRefinement<Outer, Inner>;
using InnerNystrom = kernelsolve::NystromPreconditioner<Inner>;

/// The float32 problem's data (points rounded to float32) as a float64 problem: the matrix refinement solves.
DoubleProblem in_double(MPI_Comm comm, FloatProblem const& problem, double sigma, double alpha) {
  return DoubleProblem(comm, problem.points, problem.right_hand_sides, sigma, alpha);
}

kernelsolve::NystromOptions with_rank(std::int64_t rank) {
  kernelsolve::NystromOptions options;
  options.rank = rank;
  return options;
}

/// ||x - x*|| <= ||A^{-1}|| ||b - A x|| <= ||b - A x|| / alpha: the distance to the dense solution that a true
/// relative residual of rtol allows, checked column by column against a dense float64 Cholesky solve.
void expect_within_residual_bound(HostMatrix const& x, HostMatrix const& dense_operator, HostMatrix const& b,
                                  double rtol, double alpha) {
  auto const expected = kernelsolve::reference::solve_symmetric_positive_definite(dense_operator, b);
  for (std::int64_t c = 0; c < b.columns; ++c) {
    double distance = 0, rhs = 0, residual = 0;
    for (std::int64_t i = 0; i < b.rows; ++i) {
      distance += (x(i, c) - expected(i, c)) * (x(i, c) - expected(i, c));
      rhs += b(i, c) * b(i, c);
      double product = 0;
      for (std::int64_t j = 0; j < b.rows; ++j) product += dense_operator(i, j) * x(j, c);
      residual += (b(i, c) - product) * (b(i, c) - product);
    }
    EXPECT_LE(std::sqrt(residual), 1.01 * rtol * std::sqrt(rhs)) << "dense residual, column " << c;
    EXPECT_LE(std::sqrt(distance), rtol * std::sqrt(rhs) / alpha) << "distance to the dense solution, column " << c;
  }
}

TEST(HonestConvergence, Float32AskedForTooMuchStagnatesInsteadOfConverging) {
  auto problem = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 400, 2, 2, 0.1f, 0.01f);
  InnerNystrom const nystrom(problem.op, with_rank(60));
  for (bool preconditioned : {false, true}) {
    auto x = problem.new_block(2);
    auto const criteria = with_rtol(1e-8);
    auto const result = preconditioned ? kernelsolve::test::preconditioned_conjugate_gradient(problem.op, nystrom,
                                                                                              problem.b, x, criteria)
                                       : kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, criteria);
    for (std::size_t c = 0; c < 2; ++c) {
      EXPECT_EQ(result.reasons[c], ConvergenceReason::diverged_stagnation) << preconditioned << " column " << c;
      EXPECT_GT(result.relative_residuals[c], 1e-8);  // the residual reached, reported
      EXPECT_LT(result.relative_residuals[c], 1e-3);
      EXPECT_LE(result.recursive_residuals[c], 1e-8);  // what the recursion claimed
    }
    EXPECT_GE(result.true_residual_checks, 2);
    EXPECT_GE(result.residual_replacements, 2);
    EXPECT_FALSE(result.converged());
  }
  // What float32 does reach, it reports honestly as converged.
  auto x = problem.new_block(2);
  auto const reachable =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, nystrom, problem.b, x, with_rtol(1e-3));
  EXPECT_TRUE(reachable.converged());
}

TEST(MixedPrecision, ReachesFloat64TolerancesAgainstDenseSolves) {
  auto const float_problem = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 400, 2, 2, 0.1f, 0.01f);
  auto const problem = in_double(MPI_COMM_WORLD, float_problem, 0.1, 0.01);
  auto const dense_operator = problem.dense_operator();
  InnerNystrom const nystrom(float_problem.op);  // automatic rank
  Refinement refinement(problem.op, float_problem.op);
  std::vector<int> iterations;
  for (bool preconditioned : {false, true}) {
    for (double rtol : {1e-8, 1e-10}) {
      auto x = problem.new_block(2);
      auto const criteria = with_rtol(rtol);
      auto const result =
          preconditioned ? refinement.solve(problem.b, x, criteria, nystrom) : refinement.solve(problem.b, x, criteria);
      kernelsolve::test::expect_honest_verdicts(problem.op, problem.b, x, result, criteria);
      for (auto reason : result.reasons) EXPECT_EQ(reason, ConvergenceReason::converged_rtol) << rtol;
      EXPECT_GE(result.refinement_steps.size(), 3u);  // the initial residual and at least two outer steps
      EXPECT_LE(result.refinement_steps.size(), 8u);
      int inner = 0;
      for (auto const& step : result.refinement_steps) inner += step.inner_iterations;
      EXPECT_EQ(inner, result.iterations);
      EXPECT_EQ(result.refinement_steps.back().relative_residuals, result.relative_residuals);
      expect_within_residual_bound(problem.gather(x), dense_operator, problem.right_hand_sides, rtol, 0.01);
      iterations.push_back(result.iterations);
    }
  }
  EXPECT_LT(iterations[3], iterations[1] / 4) << "the preconditioner cuts the inner iterations";
}

TEST(MixedPrecision, AStopTokenEndsTheRefinementWithTheTrueResidualReached) {
  auto const float_problem = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 300, 2, 2, 0.1f, 0.01f);
  auto const problem = in_double(MPI_COMM_WORLD, float_problem, 0.1, 0.01);
  Refinement refinement(problem.op, float_problem.op);
  kernelsolve::StopToken token;
  auto criteria = with_rtol(1e-10);
  criteria.stop_token = &token;
  /// Stops the solve at the third inner iteration of the second outer step, on rank 0 only.
  class StopInSecondStep : public kernelsolve::SolveMonitor {
   public:
    explicit StopInSecondStep(kernelsolve::StopToken& token) : token_(token) {}
    void on_iteration(int iteration, std::vector<double> const&) override {
      if (steps_ == 2 && iteration == 3 && kernelsolve::test::world_rank() == 0) token_.request_stop();
    }
    void on_refinement_step(int, int, std::vector<double> const&) override { ++steps_; }

   private:
    kernelsolve::StopToken& token_;
    int steps_ = 0;
  } monitor(token);
  auto x = problem.new_block(2);
  auto const result = refinement.solve(problem.b, x, criteria, kernelsolve::IdentityPreconditioner{}, &monitor);
  for (auto reason : result.reasons) EXPECT_EQ(reason, ConvergenceReason::interrupted);
  ASSERT_EQ(result.refinement_steps.size(), 3u);  // the initial residual, one whole step and the stopped one
  EXPECT_EQ(result.refinement_steps[2].inner_iterations, 3);
  for (double residual : result.relative_residuals)
    EXPECT_LT(residual, result.refinement_steps[1].relative_residuals[0] * 10);
  kernelsolve::test::expect_honest_verdicts(problem.op, problem.b, x, result, criteria);
}

TEST(MixedPrecision, TheLastStepSolvesNoFurtherThanTheToleranceAsks) {
  // Plain CG inside: many inner iterations per step, so the looser last inner solve shows in the counts.
  auto const float_problem = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 300, 2, 2, 0.1f, 0.01f);
  auto const problem = in_double(MPI_COMM_WORLD, float_problem, 0.1, 0.01);
  kernelsolve::RefinementOptions fixed;
  fixed.remaining_reduction_margin = 0;
  Refinement adaptive_refinement(problem.op, float_problem.op), fixed_refinement(problem.op, float_problem.op, fixed);
  for (double rtol : {1e-5, 1e-9}) {
    auto const criteria = with_rtol(rtol);
    auto x = problem.new_block(2), y = problem.new_block(2);
    auto const adaptive = adaptive_refinement.solve(problem.b, x, criteria);
    auto const every_step_full = fixed_refinement.solve(problem.b, y, criteria);
    kernelsolve::test::expect_honest_verdicts(problem.op, problem.b, x, adaptive, criteria);
    kernelsolve::test::expect_honest_verdicts(problem.op, problem.b, y, every_step_full, criteria);
    EXPECT_TRUE(adaptive.converged()) << rtol;
    EXPECT_TRUE(every_step_full.converged()) << rtol;
    // The first step aims at the inner tolerance in both (the reduction needed is far beyond it) ...
    ASSERT_GE(adaptive.refinement_steps.size(), 3u);
    EXPECT_EQ(adaptive.refinement_steps[1].inner_iterations, every_step_full.refinement_steps[1].inner_iterations);
    // ... the last one only at what is left, with the same number of outer steps.
    EXPECT_EQ(adaptive.refinement_steps.size(), every_step_full.refinement_steps.size()) << rtol;
    EXPECT_LT(adaptive.refinement_steps.back().inner_iterations,
              every_step_full.refinement_steps.back().inner_iterations)
        << rtol;
    EXPECT_LT(adaptive.iterations, every_step_full.iterations) << rtol;
  }
  EXPECT_DOUBLE_EQ(kernelsolve::detail::inner_step_tolerance(fixed, 1e-2), fixed.inner_relative_tolerance);
  EXPECT_DOUBLE_EQ(kernelsolve::detail::inner_step_tolerance({}, 1e-2), 1e-3);  // 0.1 x what is left
  EXPECT_DOUBLE_EQ(kernelsolve::detail::inner_step_tolerance({}, 1e-6), 3e-4);  // never tighter than the inner one
}

TEST(MixedPrecision, GradientsMatchFiniteDifferencesOfDenseFloat64Solves) {
  auto const float_problem = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 31, 2, 2, 0.3f, 0.1f);
  auto problem = in_double(MPI_COMM_WORLD, float_problem, 0.3, 0.1);
  Refinement refinement(problem.op, float_problem.op);
  InnerNystrom const nystrom(float_problem.op, with_rank(10));
  auto const criteria = with_rtol(1e-13);
  auto c = problem.new_block(2);
  ASSERT_TRUE(refinement.solve(problem.b, c, criteria, nystrom).converged());
  auto const e = kernelsolve::test::normal_matrix(31, 2, 8);
  auto const local_e =
      kernelsolve::reference::to_block<DoubleProblem::Block>("e", e, problem.op.first_row(), problem.op.local_rows());
  auto const gradient = kernelsolve::solve_gradient(refinement, nystrom, c, local_e, criteria);
  ASSERT_TRUE(gradient.adjoint.converged());
  EXPECT_FALSE(gradient.adjoint.refinement_steps.empty());

  double const g = problem.op.kernel().g, alpha = problem.op.ridge(), h = 1e-5;
  auto const& b = problem.right_hand_sides;
  auto const objective = [&](HostMatrix const& points, double g_, double alpha_) {
    return kernelsolve::test::dense_objective([g_](double r2) { return std::exp(-g_ * r2); }, points, b, e, alpha_);
  };
  auto const a = kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), e);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(gradient.right_hand_sides), a), 1e-11);
  double const d_alpha = (objective(problem.points, g, alpha + h) - objective(problem.points, g, alpha - h)) / (2 * h);
  EXPECT_NEAR(gradient.ridge, d_alpha, 1e-8 * std::abs(d_alpha));
  double const d_g = (objective(problem.points, g + h, alpha) - objective(problem.points, g - h, alpha)) / (2 * h);
  EXPECT_NEAR(gradient.kernel_parameter, d_g, 1e-8 * std::abs(d_g));
  auto const finite_differences = kernelsolve::test::finite_difference_gradient(
      problem.points, [&](HostMatrix const& moved) { return objective(moved, g, alpha); }, h);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(gradient.points), finite_differences), 1e-8);
}

TEST(MixedPrecision, SameBitsOnEveryRankCount) {
  auto const results = kernelsolve::test::on_each_rank_count([](MPI_Comm comm) {
    auto const float_problem = kernelsolve::test::make_problem<float>(comm, 157, 3, 2, 0.3f, 1e-3f);
    auto const problem = in_double(comm, float_problem, 0.3, 1e-3);
    Refinement refinement(problem.op, float_problem.op);
    InnerNystrom const nystrom(float_problem.op, with_rank(40));
    auto x = problem.new_block(2);
    auto const result = refinement.solve(problem.b, x, with_rtol(1e-10), nystrom);
    auto packed = problem.gather(x).values;
    packed.push_back(result.iterations);
    packed.push_back(static_cast<double>(result.refinement_steps.size()));
    packed.insert(packed.end(), result.relative_residuals.begin(), result.relative_residuals.end());
    return packed;
  });
  for (std::size_t k = 1; k < results.size(); ++k) EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
}

std::vector<std::string> allocation_labels;
void record_allocation(Kokkos::Profiling::SpaceHandle, char const* label, void const*, std::uint64_t) {
  allocation_labels.emplace_back(label);
}

/// Records the outer steps it is told of.
class RecordingMonitor : public kernelsolve::SolveMonitor {
 public:
  void on_iteration(int, std::vector<double> const&) override { ++inner_reports; }
  void on_refinement_step(int step, int inner_iterations, std::vector<double> const& residuals) override {
    steps.push_back(step);
    inner_iterations_.push_back(inner_iterations);
    largest.push_back(*std::max_element(residuals.begin(), residuals.end()));
  }
  int inner_reports = 0;
  std::vector<int> steps, inner_iterations_;
  std::vector<double> largest;
};

TEST(MixedPrecision, KeepsItsWorkspaceAndReportsEveryOuterStep) {
  auto const float_problem = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 200, 2, 1, 0.1f, 0.01f);
  auto const problem = in_double(MPI_COMM_WORLD, float_problem, 0.1, 0.01);
  InnerNystrom const nystrom(float_problem.op, with_rank(40));
  Refinement refinement(problem.op, float_problem.op);
  auto x = problem.new_block(1);
  RecordingMonitor monitor;
  auto const first = refinement.solve(problem.b, x, with_rtol(1e-10), nystrom, &monitor);
  ASSERT_TRUE(first.converged());
  ASSERT_EQ(monitor.steps.size(), first.refinement_steps.size());
  for (std::size_t s = 0; s < monitor.steps.size(); ++s) {
    EXPECT_EQ(monitor.steps[s], static_cast<int>(s));
    EXPECT_EQ(monitor.inner_iterations_[s], first.refinement_steps[s].inner_iterations);
  }
  EXPECT_EQ(monitor.largest.front(), 1.0);
  EXPECT_EQ(monitor.largest.back(), first.relative_residuals[0]);
  EXPECT_GT(monitor.inner_reports, first.iterations);  // every inner iteration (and each inner iteration 0)

  allocation_labels.clear();
  Kokkos::Tools::Experimental::set_allocate_data_callback(record_allocation);
  auto const second = refinement.solve(problem.b, x, with_rtol(1e-10), nystrom);
  Kokkos::Tools::Experimental::set_allocate_data_callback(nullptr);
  for (auto const& label : allocation_labels) ADD_FAILURE() << "allocated " << label << " in the second solve";
  EXPECT_EQ(refinement.workspace_allocations(), 1);
  EXPECT_EQ(refinement.inner_solver().workspace_allocations(), 1);
  EXPECT_EQ(second.iterations, first.iterations);

  // A warm start from the solution converges at once.
  auto const warm =
      refinement.solve(problem.b, x, with_rtol(1e-10), nystrom, nullptr, kernelsolve::InitialGuess::given);
  EXPECT_TRUE(warm.converged());
  EXPECT_EQ(warm.iterations, 0);
}

TEST(MixedPrecision, BadArgumentsThrowOnEveryRank) {
  auto const float_problem = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 60, 2, 1, 0.2f, 0.01f);
  auto const problem = in_double(MPI_COMM_WORLD, float_problem, 0.2, 0.01);
  kernelsolve::RefinementOptions loose;
  loose.inner_relative_tolerance = 1.5;
  EXPECT_THROW_WITH_MESSAGE(Refinement(problem.op, float_problem.op, loose), kernelsolve::InvalidArgument,
                            "the inner relative tolerance must be in (0, 1), got 1.5");
  kernelsolve::RefinementOptions negative_margin;
  negative_margin.remaining_reduction_margin = -0.5;
  EXPECT_THROW_WITH_MESSAGE(Refinement(problem.op, float_problem.op, negative_margin), kernelsolve::InvalidArgument,
                            "the remaining reduction margin must be in [0, 1), got -0.5");
  auto const other = kernelsolve::test::make_problem<float>(MPI_COMM_WORLD, 61, 2, 1, 0.2f, 0.01f);
  EXPECT_THROW_WITH_MESSAGE(Refinement(problem.op, other.op), kernelsolve::InvalidArgument,
                            "they must be the same matrix on the same partition");
  // One rank with a wrong-sized block: every rank throws the same error.
  Refinement refinement(problem.op, float_problem.op);
  bool const wrong_here = kernelsolve::test::world_rank() == kernelsolve::test::world_size() - 1;
  auto const rows = problem.op.local_rows() + (wrong_here ? 1 : 0);
  DoubleProblem::Block b("b", rows, 1), x("x", rows, 1);
  Kokkos::deep_copy(b, 1.0);
  EXPECT_THROW_WITH_MESSAGE(refinement.solve(b, x), kernelsolve::DimensionMismatch,
                            "kernelsolve::refinement: the right-hand sides");
}

}  // namespace
