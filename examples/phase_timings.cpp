// Where a solve's time goes: a PhaseTimings attached to the operator collects every second of a preconditioned
// solve in one phase each (products, gathers, reductions, preconditioner, vector updates); printed over the ranks.
#include <kernelsolve/kernelsolve.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>

namespace {

/// Times a Nystrom-preconditioned solve at N = 1500; 0 when the phases add up as documented, else 3.
int time_a_solve(int rank, int ranks) {
  std::int64_t const n = 1500;
  std::mt19937_64 generator(3);
  auto const points = kernelsolve::reference::uniform_matrix<double>(n, 2, generator);
  auto const b = kernelsolve::reference::uniform_matrix<double>(n, 1, generator);
  auto const partition = kernelsolve::RowPartition::balanced(n, ranks);
  using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
  auto const my_points = kernelsolve::reference::to_block<Operator::block_type>("points", points, partition.begin(rank),
                                                                                partition.local_rows(rank));
  auto const my_b =
      kernelsolve::reference::to_block<Operator::block_type>("b", b, partition.begin(rank), partition.local_rows(rank));
  Operator op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<double>::from_sigma(0.1),
              my_points, 0.01);
  kernelsolve::StoppingCriteria criteria;
  auto c = op.allocate_block("c", 1);
  Kokkos::Timer wall;

  kernelsolve::PhaseTimings timings;
  op.record_timings(&timings);  // the operator, and the solvers and preconditioners working on it
  kernelsolve::NystromPreconditioner<Operator> const nystrom(op);
  auto const result = kernelsolve::ConjugateGradient<Operator>(op).solve(my_b, c, criteria, nystrom);
  for (auto const& phase : kernelsolve::statistics_over_ranks(timings, MPI_COMM_WORLD))  // collective
    if (rank == 0 && phase.calls > 0)
      std::printf("%-20s %4lld calls, %.4f-%.4f s\n", kernelsolve::to_string(phase.phase).data(),
                  static_cast<long long>(phase.calls), phase.min_seconds, phase.max_seconds);

  double const seconds = wall.seconds();
  if (rank == 0) {
    std::printf("phase_timings: %s after %d iterations, %.3f s in phases of %.3f s on rank 0\n",
                kernelsolve::to_string(result.reasons[0]).c_str(), result.iterations, timings.total_seconds(), seconds);
  }
  // One product per iteration, plus the true-residual checks; every second charged to one phase only, so the phases
  // add up to at most the time spent (up to the two clocks' reading).
  using kernelsolve::Phase;
  bool const correct = result.converged() && timings.calls(Phase::kernel_product) >= result.iterations &&
                       timings.calls(Phase::preconditioner_setup) == 1 &&
                       timings.calls(Phase::preconditioner_apply) >= result.iterations &&
                       timings.total_seconds() <= 1.01 * seconds + 1e-3;
  return correct ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int exit_code = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    try {
      exit_code = time_a_solve(rank, ranks);
    } catch (std::exception const& error) {
      std::fprintf(stderr, "phase_timings: error on rank %d: %s\n", rank, error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
