// Choosing the kernel, precision and preconditioner at run time: the KernelSolver facade (library
// kernelsolve::runtime) solves and predicts with host rows in and out; checked against a dense reference.
#include <kernelsolve/kernelsolve.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

namespace {

namespace reference = kernelsolve::reference;

/// Solves a Matern 5/2 problem in D = 3 chosen by values; 0 when solve and predict match the dense reference.
int solve_and_check(int rank, int ranks) {
  // N points in [0, 1]^3 and one right-hand side, the same on every rank; each rank passes its own rows.
  std::int64_t const n = 1000, new_count = 40;
  int const dimension = 3;
  std::mt19937_64 generator(5);
  auto const points = reference::uniform_matrix<double>(n, dimension, generator);
  auto const b = reference::uniform_matrix<double>(n, 1, generator);
  auto const new_points = reference::uniform_matrix<double>(new_count, dimension, generator);
  auto const partition = kernelsolve::RowPartition::balanced(n, ranks);
  auto const new_partition = kernelsolve::RowPartition::balanced(new_count, ranks);
  auto const rows_of = [](reference::HostMatrix const& matrix, std::int64_t first, std::int64_t count) {
    return std::vector<double>(matrix.values.begin() + first * matrix.columns,
                               matrix.values.begin() + (first + count) * matrix.columns);  // row-major
  };
  auto const my_points = rows_of(points, partition.begin(rank), partition.local_rows(rank));
  auto const my_b = rows_of(b, partition.begin(rank), partition.local_rows(rank));
  auto const my_new_points = rows_of(new_points, new_partition.begin(rank), new_partition.local_rows(rank));
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-10;

  auto const family = kernelsolve::kernel_family_from_name("matern52");  // e.g. from a config file
  kernelsolve::KernelSolverOptions options;
  options.kernel = {family, kernelsolve::g_from_sigma(family, 0.3)};
  options.precision = kernelsolve::Precision::float64;  // or float32, mixed
  options.alpha = 1e-3;                                 // preconditioner: automatic (Schwarz or Nystrom)
  kernelsolve::KernelSolver solver(MPI_COMM_WORLD, options, my_points, dimension);
  std::vector<double> c;  // this rank's rows of the coefficients, in its own order
  kernelsolve::SolveResult const result = solver.solve(my_b, /*columns=*/1, c, criteria);
  // K(new points, x) c at this rank's new points, and what the automatic preconditioner picked and why.
  std::vector<double> const values = solver.predict(c, /*columns=*/1, my_new_points);
  auto const choice = solver.preconditioner_choice();

  // Where the time went, per phase, over the ranks (collective).
  for (auto const& phase : kernelsolve::statistics_over_ranks(solver.phase_timings(), MPI_COMM_WORLD)) {
    if (rank == 0 && phase.calls > 0) {
      std::printf("  %-20s %4lld calls, %.4f-%.4f s\n", std::string(kernelsolve::to_string(phase.phase)).c_str(),
                  static_cast<long long>(phase.calls), phase.min_seconds, phase.max_seconds);
    }
  }

  // Dense references on every rank: the solve, and K(new points, x) c with the c found.
  double const g = options.kernel.g;
  auto const matern52 = [g](double r2) {
    return kernelsolve::evaluate_profile(kernelsolve::KernelFamily::matern52, g * r2);
  };
  auto const c_dense = reference::solve_symmetric_positive_definite(
      reference::kernel_matrix(matern52, points, points, options.alpha), b);
  reference::HostMatrix all_c(n, 1);
  all_c.values = solver.gather_rows(c, 1);
  double const c_error = reference::relative_error(all_c, c_dense);
  auto const values_dense = reference::multiply(reference::kernel_matrix(matern52, new_points, points), all_c);
  double c_scale = 0;  // sum |c_j|: what the rounding of a row of K(new points, x) c is relative to
  for (double value : all_c.values) c_scale += std::abs(value);
  double values_error = 0;
  for (std::size_t m = 0; m < values.size(); ++m) {
    auto const row = static_cast<std::int64_t>(m) + new_partition.begin(rank);
    values_error = std::max(values_error, std::abs(values[m] - values_dense(row, 0)));
  }
  MPI_Allreduce(MPI_IN_PLACE, &values_error, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);

  if (rank == 0) {
    std::printf(
        "runtime_facade: %s preconditioner (%s), %s after %d iterations, error of c %.2e, of predict %.2e (of "
        "sum |c|)\n",
        std::string(kernelsolve::to_string(choice->kind)).c_str(), choice->reason.c_str(),
        kernelsolve::to_string(result.reasons[0]).c_str(), result.iterations, c_error, values_error / c_scale);
  }
  // cond(K + alpha I) <= 1e6 bounds the error of c by 1e-4 at rtol 1e-10; a row of predict rounds at about
  // N eps sum |c_j|. A wrong solve or prediction is off by O(1).
  bool const correct = result.converged() && c_error < 1e-4 && values_error < 1e-11 * c_scale;
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
      exit_code = solve_and_check(rank, ranks);
    } catch (std::exception const& error) {
      std::fprintf(stderr, "runtime_facade: error on rank %d: %s\n", rank, error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
