// Per-phase timings: exclusive accounting of nested phases, statistics over the ranks, and what a preconditioned
// solve, a mixed-precision solve and a gradient charge to each phase (counted exactly from the iterations); timing
// a solve does not change its bits.
#include "harness/distributed_problem.hpp"

#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace {

using kernelsolve::Phase;
using kernelsolve::PhaseTimings;
using kernelsolve::ScopedPhase;
using kernelsolve::test::make_problem;
using kernelsolve::test::with_rtol;

void sleep_for_milliseconds(int milliseconds) {
  std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(PhaseTimings, NestedPhasesAreChargedToTheInnermostOnly) {
  PhaseTimings timings;
  {
    ScopedPhase outer(&timings, Phase::io);
    sleep_for_milliseconds(20);
    {
      ScopedPhase inner(&timings, Phase::kernel_product);
      sleep_for_milliseconds(200);
    }
    sleep_for_milliseconds(20);
  }
  EXPECT_EQ(timings.calls(Phase::io), 1);
  EXPECT_EQ(timings.calls(Phase::kernel_product), 1);
  EXPECT_EQ(timings.calls(Phase::gather), 0);
  EXPECT_GE(timings.seconds(Phase::io), 0.04);
  EXPECT_LT(timings.seconds(Phase::io), 0.2);  // the inner 0.2 s is not in it
  EXPECT_GE(timings.seconds(Phase::kernel_product), 0.2);
  EXPECT_EQ(timings.seconds(Phase::gather), 0.0);
  EXPECT_DOUBLE_EQ(timings.total_seconds(), timings.seconds(Phase::io) + timings.seconds(Phase::kernel_product));

  // Outside any phase nothing is charged; a null record is not timed at all.
  double const before = timings.total_seconds();
  sleep_for_milliseconds(10);
  { ScopedPhase not_timed(nullptr, Phase::io); }
  EXPECT_EQ(timings.total_seconds(), before);

  PhaseTimings sum;
  sum += timings;
  sum += timings;
  EXPECT_EQ(sum.calls(Phase::io), 2);
  EXPECT_DOUBLE_EQ(sum.seconds(Phase::kernel_product), 2 * timings.seconds(Phase::kernel_product));
  sum.reset();
  EXPECT_EQ(sum.total_seconds(), 0.0);
  EXPECT_EQ(sum.calls(Phase::io), 0);
}

TEST(PhaseTimings, StatisticsOverRanksShowTheLoadImbalance) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  PhaseTimings timings;
  {
    ScopedPhase io(&timings, Phase::io);
    sleep_for_milliseconds(30 * (rank + 1));  // rank r is r + 1 times as busy as rank 0
  }
  double const own = timings.seconds(Phase::io);
  auto const statistics = kernelsolve::statistics_over_ranks(timings, MPI_COMM_WORLD);
  ASSERT_EQ(statistics.size(), static_cast<std::size_t>(kernelsolve::phase_count));
  for (auto const& phase : statistics) {
    if (phase.phase != Phase::io) {
      EXPECT_EQ(phase.calls, 0) << to_string(phase.phase);
      EXPECT_EQ(phase.max_seconds, 0.0) << to_string(phase.phase);
      continue;
    }
    EXPECT_EQ(phase.calls, 1);
    EXPECT_LE(phase.min_seconds, own);
    EXPECT_GE(phase.max_seconds, own);
    EXPECT_GE(phase.min_seconds, 0.03);
    EXPECT_GE(phase.max_seconds, 0.03 * ranks);
    EXPECT_LE(phase.min_seconds, phase.mean_seconds);
    EXPECT_LE(phase.mean_seconds, phase.max_seconds);
    EXPECT_GE(phase.mean_seconds, 0.03 * (ranks + 1) / 2.0);
  }
  EXPECT_EQ(to_string(Phase::preconditioner_apply), "preconditioner_apply");
}

TEST(PhaseTimings, AResumedPhaseAddsItsSecondsButNoEntry) {
  PhaseTimings timings;
  { ScopedPhase first(&timings, Phase::gather); }
  {
    ScopedPhase slice(&timings, Phase::gather, ScopedPhase::Entry::resumed);
    sleep_for_milliseconds(30);
  }
  { ScopedPhase slice(&timings, Phase::kernel_product, ScopedPhase::Entry::resumed); }
  EXPECT_EQ(timings.calls(Phase::gather), 1);
  EXPECT_EQ(timings.calls(Phase::kernel_product), 0);
  EXPECT_GE(timings.seconds(Phase::gather), 0.03);
}

TEST(PhaseTimings, PreconditionedSolveChargesEachPhaseItsWork) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 300, 2, 2, 0.1, 1e-3);
  EXPECT_EQ(problem.op.timings(), nullptr);  // not timed unless asked
  PhaseTimings timings;
  problem.op.record_timings(&timings);
  EXPECT_EQ(problem.op.timings(), &timings);
  kernelsolve::NystromOptions options;
  options.rank = 60;
  kernelsolve::NystromPreconditioner<decltype(problem.op)> const nystrom(problem.op, options);
  EXPECT_EQ(timings.calls(Phase::preconditioner_setup), 1);
  EXPECT_GT(timings.seconds(Phase::preconditioner_setup), 0.0);
  EXPECT_EQ(timings.calls(Phase::kernel_product), 0);  // the setup evaluates its columns itself

  timings.reset();
  auto x = problem.new_block(2);
  kernelsolve::ConjugateGradient<decltype(problem.op)> solver(problem.op);
  auto const start = std::chrono::steady_clock::now();
  auto const result = solver.solve(problem.b, x, with_rtol(1e-10), nystrom);
  double const wall = seconds_since(start);
  ASSERT_TRUE(result.converged());

  // One product (and one gather) per iteration and per true-residual check, from x = 0; M^{-1} once per iteration
  // (the initial residual, then every iteration but the last, after which no column is left).
  std::int64_t const applies = result.iterations + result.true_residual_checks;
  EXPECT_EQ(timings.calls(Phase::kernel_product), applies);
  EXPECT_EQ(timings.calls(Phase::gather), applies);
  EXPECT_EQ(timings.calls(Phase::preconditioner_apply), result.iterations);
  EXPECT_EQ(timings.calls(Phase::vector_updates), 1 + applies);  // the solve, and the ridge term of each apply
  EXPECT_GT(timings.calls(Phase::reductions), 2 * result.iterations);
  EXPECT_EQ(timings.calls(Phase::preconditioner_setup), 0);
  EXPECT_EQ(timings.calls(Phase::io), 0);
  for (Phase phase :
       {Phase::kernel_product, Phase::gather, Phase::reductions, Phase::preconditioner_apply, Phase::vector_updates}) {
    EXPECT_GT(timings.seconds(phase), 0.0) << to_string(phase);
  }
  // Every second of the solve in exactly one phase: nothing counted twice, nothing left out.
  EXPECT_LE(timings.total_seconds(), wall);
  EXPECT_GE(timings.total_seconds(), 0.9 * wall);

  // Timing changes no bit of the answer.
  problem.op.record_timings(nullptr);
  auto untimed = problem.new_block(2);
  auto const untimed_result = solver.solve(problem.b, untimed, with_rtol(1e-10), nystrom);
  EXPECT_EQ(untimed_result.iterations, result.iterations);
  auto const timed_host = kernelsolve::reference::to_host_matrix(x);
  auto const untimed_host = kernelsolve::reference::to_host_matrix(untimed);
  EXPECT_EQ(timed_host.values, untimed_host.values);
}

TEST(PhaseTimings, GradientChargesItsPairSumsToTheKernelProduct) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 120, 2, 1, 0.2, 0.05);
  PhaseTimings timings;
  problem.op.record_timings(&timings);
  auto c = problem.new_block(1);
  kernelsolve::ConjugateGradient<decltype(problem.op)> solver(problem.op);
  ASSERT_TRUE(solver.solve(problem.b, c, with_rtol(1e-10)).converged());
  timings.reset();
  auto const gradient =
      kernelsolve::solve_gradient(solver, kernelsolve::IdentityPreconditioner{}, c, problem.b, with_rtol(1e-10));
  ASSERT_TRUE(gradient.adjoint.converged());
  // The adjoint solve's products, then one scope for the two pair sums of dL/dx.
  std::int64_t const adjoint_applies = gradient.adjoint.iterations + gradient.adjoint.true_residual_checks;
  EXPECT_EQ(timings.calls(Phase::kernel_product), adjoint_applies + 1);
  EXPECT_EQ(timings.calls(Phase::gather), adjoint_applies + 2);  // and the adjoint and the solution for the sums
}

TEST(PhaseTimings, MixedPrecisionFacadeTimesBothOperators) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 200, 2, 2, 0.1, 0.01);
  kernelsolve::KernelSolverOptions options;
  options.kernel = {kernelsolve::KernelFamily::gaussian, kernelsolve::Gaussian<double>::from_sigma(0.1).g};
  options.precision = kernelsolve::Precision::mixed;
  options.alpha = 0.01;
  options.nystrom.rank = 40;
  auto const local = [&](kernelsolve::reference::HostMatrix const& all) {
    auto const begin = all.values.begin() + problem.op.first_row() * all.columns;
    return std::vector<double>(begin, begin + problem.op.local_rows() * all.columns);
  };
  kernelsolve::KernelSolver solver(MPI_COMM_WORLD, options, local(problem.points), 2);
  std::vector<double> coefficients;
  auto const result = solver.solve(local(problem.right_hand_sides), 2, coefficients, with_rtol(1e-10));
  ASSERT_TRUE(result.converged());
  auto const& timings = solver.phase_timings();
  EXPECT_EQ(timings.calls(Phase::preconditioner_setup), 1);
  // The inner solves' products (float32, stopping on the recursive residual) and one float64 residual per step.
  auto const outer_steps = static_cast<std::int64_t>(result.refinement_steps.size()) - 1;
  EXPECT_EQ(timings.calls(Phase::kernel_product), result.iterations + outer_steps);
  EXPECT_EQ(timings.calls(Phase::preconditioner_apply), result.iterations);
  auto const statistics = kernelsolve::statistics_over_ranks(timings, MPI_COMM_WORLD);
  EXPECT_EQ(statistics[static_cast<std::size_t>(Phase::kernel_product)].calls,
            result.iterations + outer_steps);  // the same on every rank
  solver.phase_timings().reset();
  EXPECT_EQ(solver.phase_timings().total_seconds(), 0.0);
}

}  // namespace
