// Embedding kernelsolve in a Kokkos + MPI application: the application owns MPI and Kokkos, builds its points on
// each rank, and solves a Gaussian kernel ridge regression system (K + alpha I) c = y with the library.
#include <kernelsolve/kernelsolve.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdio>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int exit_code = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);

    // 1000 points on a line in [0, 1], split into contiguous blocks; y = sin(2 pi x).
    std::int64_t const n = 1000;
    auto const partition = kernelsolve::RowPartition::balanced(n, ranks);
    using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
    Operator::block_type points("points", partition.local_rows(rank), 1);
    Operator::block_type values("values", partition.local_rows(rank), 1);
    auto const first = partition.begin(rank);
    Kokkos::parallel_for(
        "embed::fill", points.extent(0), KOKKOS_LAMBDA(int i) {
          double const x = static_cast<double>(first + i) / static_cast<double>(n - 1);
          points(i, 0) = x;
          values(i, 0) = std::sin(2 * 3.14159265358979323846 * x);
        });

    try {
      Operator const op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(),
                        kernelsolve::Gaussian<double>::from_sigma(0.05), points, 1e-3);
      Operator::block_type coefficients("coefficients", op.local_rows(), 1);
      // Randomly pivoted Cholesky (Nystrom) preconditioner, rank chosen from the residual trace; then PCG.
      kernelsolve::NystromPreconditioner<Operator> const preconditioner(op);
      kernelsolve::ConjugateGradient<Operator> solver(op);
      auto const result = solver.solve(values, coefficients, kernelsolve::StoppingCriteria{}, preconditioner);
      if (rank == 0) {
        std::printf("embed example: %s after %d iterations (nystrom rank %lld), relative residual %.3e on %d ranks\n",
                    kernelsolve::to_string(result.reasons[0]).c_str(), result.iterations,
                    static_cast<long long>(preconditioner.summary().rank), result.relative_residuals[0], ranks);
      }
      exit_code = result.converged() ? 0 : 3;
    } catch (std::exception const& error) {
      if (rank == 0) std::fprintf(stderr, "embed example: error: %s\n", error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
