// What timing the phases costs: CG iterations on the seed problem with and without a PhaseTimings attached to the
// operator, alternated in one run (the machine is shared and noisy: the median of each), and the cost of one phase
// switch (a ScopedPhase entered and left, Kokkos::fence included) in a tight loop.
//   bench_phase_timings [--quick]      (N = 20000, 40 iterations, 7 repeats; --quick: N = 2000, 2 repeats)
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/operator/phase_timings.hpp>
#include <kernelsolve/operator/row_partition.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/solver/cg.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace {

using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<float>>;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double seconds_of(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void run(std::int64_t points, int repeats) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  auto const partition = kernelsolve::RowPartition::balanced(points, ranks);
  std::mt19937_64 generator(0);
  auto const all_points = kernelsolve::reference::uniform_matrix<float>(points, 2, generator);
  auto const all_rhs = kernelsolve::reference::uniform_matrix<float>(points, 2, generator);
  Operator op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<float>::from_sigma(0.1f),
              kernelsolve::reference::to_block<Operator::block_type>("points", all_points, partition.begin(rank),
                                                                     partition.local_rows(rank)),
              0.01f);
  auto const b = kernelsolve::reference::to_block<Operator::block_type>("b", all_rhs, partition.begin(rank),
                                                                        partition.local_rows(rank));
  auto x = op.allocate_block("x", 2);
  kernelsolve::ConjugateGradient<Operator> solver(op);
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-30;  // unreachable: every solve runs max_iterations
  criteria.absolute_tolerance = 1e-300;
  criteria.max_iterations = 40;
  kernelsolve::PhaseTimings timings;
  std::vector<double> timed, untimed;
  solver.solve(b, x, criteria);  // warm-up
  for (int repeat = 0; repeat < repeats; ++repeat) {
    for (bool with_timings : {false, true}) {
      op.record_timings(with_timings ? &timings : nullptr);
      MPI_Barrier(MPI_COMM_WORLD);
      auto const start = std::chrono::steady_clock::now();
      auto const result = solver.solve(b, x, criteria);
      double const seconds = seconds_of(start) / result.iterations;
      (with_timings ? timed : untimed).push_back(seconds);
    }
  }
  op.record_timings(nullptr);

  // One switch: enter and leave a phase, a million times.
  kernelsolve::PhaseTimings loop;
  int const switches = 1000000;
  auto const start = std::chrono::steady_clock::now();
  for (int s = 0; s < switches; ++s) kernelsolve::ScopedPhase phase(&loop, kernelsolve::Phase::vector_updates);
  double const per_switch = seconds_of(start) / (2.0 * switches);

  std::int64_t entered = 0;
  for (auto phase : kernelsolve::all_phases) entered += timings.calls(phase);
  double const switches_per_iteration =
      2.0 * static_cast<double>(entered) / (static_cast<double>(repeats) * criteria.max_iterations);
  if (rank == 0) {
    double const with = median(timed), without = median(untimed);
    std::printf("bench_phase_timings: %s, %d rank(s) x %d thread(s); N = %lld, D = 2, Dv = 2, Gaussian float32\n",
                Kokkos::DefaultExecutionSpace::name(), ranks,
                static_cast<int>(Kokkos::DefaultExecutionSpace().concurrency()), static_cast<long long>(points));
    std::printf("  CG iteration, median of %d: untimed %.4f ms, timed %.4f ms (%+.2f %%)\n", repeats, 1e3 * without,
                1e3 * with, 100.0 * (with - without) / without);
    std::printf(
        "  phase switch (a ScopedPhase entered or left, with its Kokkos::fence): %.1f ns; %.0f switches per "
        "iteration: %.2e s per iteration (%.3f %%)\n",
        1e9 * per_switch, switches_per_iteration, per_switch * switches_per_iteration,
        100.0 * per_switch * switches_per_iteration / without);
  }
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    bool const quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    run(quick ? 2000 : 20000, quick ? 2 : 7);
  }
  MPI_Finalize();
  return 0;
}
