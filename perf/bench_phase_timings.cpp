// What timing the phases costs, and what overlapping the gather gains: CG iterations on the seed problem with and
// without a PhaseTimings attached to the operator, with the gather overlapped with the product (the default) and
// blocking (MPI_Allgatherv, then the product), alternated in one run (the machine is shared and noisy: the median of
// each), and the cost of one phase switch (a ScopedPhase entered and left, Kokkos::fence included) in a tight loop.
//   bench_phase_timings [--quick] [--points N]   (N = 20000, 40 iterations, 7 repeats; --quick: N = 2000, 2 repeats)
#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/core/row_partition.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/solver/cg.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
  kernelsolve::PhaseTimings timings, blocking_timings;
  std::vector<double> timed, untimed, blocking_timed, blocking_untimed;
  solver.solve(b, x, criteria);  // warm-up
  for (int repeat = 0; repeat < repeats; ++repeat) {
    for (bool overlapped : {true, false}) {
      op.overlap_gather(overlapped);
      for (bool with_timings : {false, true}) {
        op.record_timings(with_timings ? (overlapped ? &timings : &blocking_timings) : nullptr);
        MPI_Barrier(MPI_COMM_WORLD);
        auto const start = std::chrono::steady_clock::now();
        auto const result = solver.solve(b, x, criteria);
        double const seconds = seconds_of(start) / result.iterations;
        (overlapped ? (with_timings ? timed : untimed) : (with_timings ? blocking_timed : blocking_untimed))
            .push_back(seconds);
      }
    }
  }
  op.record_timings(nullptr);
  op.overlap_gather(true);
  // Seconds per iteration of a phase, the most loaded rank's.
  auto const per_iteration = [&](kernelsolve::PhaseTimings const& t, kernelsolve::Phase phase) {
    double const seconds = t.seconds(phase);
    double most = 0;
    MPI_Allreduce(&seconds, &most, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return most / (static_cast<double>(repeats) * criteria.max_iterations);
  };
  double const gather = per_iteration(timings, kernelsolve::Phase::gather);
  double const product = per_iteration(timings, kernelsolve::Phase::kernel_product);
  double const blocking_gather = per_iteration(blocking_timings, kernelsolve::Phase::gather);
  double const blocking_product = per_iteration(blocking_timings, kernelsolve::Phase::kernel_product);

  // One switch: enter and leave a phase, a million times.
  kernelsolve::PhaseTimings loop;
  int const switches = 1000000;
  auto const start = std::chrono::steady_clock::now();
  for (int s = 0; s < switches; ++s) kernelsolve::ScopedPhase phase(&loop, kernelsolve::Phase::vector_updates);
  double const per_switch = seconds_of(start) / (2.0 * switches);

  // Entries counted, plus the resumed slices of the overlapped product (ScopedPhase::Entry::resumed): per apply
  // (one per iteration), a wait for each other rank's block, the last wait for the sends, and a product slice for
  // each rank's block after the first.
  std::int64_t entered = 0;
  for (auto phase : kernelsolve::all_phases) entered += timings.calls(phase);
  double const resumed_per_iteration = op.overlaps_gather() ? 2.0 * ranks - 1 : 0.0;
  double const switches_per_iteration =
      2.0 *
      (static_cast<double>(entered) / (static_cast<double>(repeats) * criteria.max_iterations) + resumed_per_iteration);
  if (rank == 0) {
    double const with = median(timed), without = median(untimed);
    std::printf("bench_phase_timings: %s, %d rank(s) x %d thread(s); N = %lld, D = 2, Dv = 2, Gaussian float32\n",
                Kokkos::DefaultExecutionSpace::name(), ranks,
                static_cast<int>(Kokkos::DefaultExecutionSpace().concurrency()), static_cast<long long>(points));
    std::printf("  CG iteration, median of %d: untimed %.4f ms, timed %.4f ms (%+.2f %%)\n", repeats, 1e3 * without,
                1e3 * with, 100.0 * (with - without) / without);
    double const blocking = median(blocking_untimed);
    std::printf(
        "  gather overlapped with the product (default) %.4f ms, blocking %.4f ms (%+.2f %%); max over ranks "
        "per iteration, overlapped / blocking: gather %.4f / %.4f ms, product %.4f / %.4f ms\n",
        1e3 * without, 1e3 * blocking, 100.0 * (without - blocking) / blocking, 1e3 * gather, 1e3 * blocking_gather,
        1e3 * product, 1e3 * blocking_product);
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
    bool quick = false;
    std::int64_t points = 0;
    for (int a = 1; a < argc; ++a) {
      if (std::strcmp(argv[a], "--quick") == 0) {
        quick = true;
      } else if (std::strcmp(argv[a], "--points") == 0 && a + 1 < argc) {
        points = std::atoll(argv[++a]);
      } else {
        std::fprintf(stderr, "bench_phase_timings: unknown argument '%s' (usage: [--quick] [--points N])\n", argv[a]);
        return 2;
      }
    }
    if (points <= 0) points = quick ? 2000 : 20000;
    run(points, quick ? 2 : 7);
  }
  MPI_Finalize();
  return 0;
}
