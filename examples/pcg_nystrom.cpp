// Solving (K + alpha I) c = b with the templates: a distributed Gaussian operator, the Nystrom preconditioner and
// conjugate gradients, a warm start and the gradient of L = <e, c>, each checked against a dense LAPACK reference.
#include <kernelsolve/kernelsolve.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>

namespace {

namespace reference = kernelsolve::reference;
using Block = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>::block_type;

/// Solves the seed's problem at N = 1000 and returns 0 when every result matches the dense reference, else 3.
int solve_and_check(int rank, int ranks) {
  // N points uniform in [0, 1]^2, Dv = 2 right-hand sides b and a cotangent e: the same on every rank.
  std::int64_t const n = 1000;
  std::mt19937_64 generator(7);
  auto const points = reference::uniform_matrix<double>(n, 2, generator);
  auto const b = reference::uniform_matrix<double>(n, 2, generator);
  auto const e = reference::uniform_matrix<double>(n, 2, generator);
  // This rank's rows: the balanced split (N = 10 on 3 ranks: [0, 4) [4, 7) [7, 10)).
  auto const partition = kernelsolve::RowPartition::balanced(n, ranks);
  auto const first = partition.begin(rank);
  auto const rows = partition.local_rows(rank);
  auto const my_points = reference::to_block<Block>("points", points, first, rows);
  auto const my_b = reference::to_block<Block>("b", b, first, rows);
  auto const my_e = reference::to_block<Block>("e", e, first, rows);

  using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
  Operator const op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<double>::from_sigma(0.1),
                    my_points, /*alpha=*/0.01);
  kernelsolve::NystromPreconditioner<Operator> const nystrom(op);  // rank k: automatic (design/nystrom.md)
  kernelsolve::ConjugateGradient<Operator> solver(op);             // keeps its workspace for later solves
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-10;  // on the true residual ||b - A c|| / ||b|| of every column
  auto c = op.allocate_block("c", 2);   // this rank's rows x Dv, column-major
  kernelsolve::SolveResult const result = solver.solve(my_b, c, criteria, nystrom);
  if (!result.converged()) return 3;  // result.reasons[k] says why column k stopped

  // A warm start from the c just found: it is already converged, so the solver stops at once.
  auto const warm = solver.solve(my_b, c, criteria, nystrom, nullptr, kernelsolve::InitialGuess::given);

  // dL/db, dL/dalpha, dL/dg and dL/dx of L = <e, c>: one adjoint solve with the same preconditioner and workspace.
  auto const gradient = kernelsolve::solve_gradient(solver, nystrom, c, my_e, criteria);

  // The dense reference on every rank: K + alpha I in double, solved by LAPACK Cholesky.
  double const g = kernelsolve::g_from_sigma(kernelsolve::KernelFamily::gaussian, 0.1);
  auto const dense = reference::kernel_matrix([g](double r2) { return std::exp(-g * r2); }, points, points, 0.01);
  auto const c_dense = reference::solve_symmetric_positive_definite(dense, b);
  auto const adjoint_dense = reference::solve_symmetric_positive_definite(dense, e);
  double ridge_dense = 0;  // dL/dalpha = -sum a . c
  for (std::size_t k = 0; k < c_dense.values.size(); ++k) ridge_dense -= adjoint_dense.values[k] * c_dense.values[k];
  auto const points_dense = reference::solve_gradient_wrt_points([g](double r2) { return -g * std::exp(-g * r2); },
                                                                 points, adjoint_dense, c_dense);

  // Every rank's rows of c and dL/dx, gathered in rank order.
  Block all_c("all_c", n, 2), all_points_gradient("all_points_gradient", n, 2);
  op.allgather_rows(c, all_c);
  op.allgather_rows(gradient.points, all_points_gradient);
  double const c_error = reference::relative_error(reference::to_host_matrix(all_c), c_dense);
  double const ridge_error = std::abs(gradient.ridge - ridge_dense) / std::abs(ridge_dense);
  double const points_error = reference::relative_error(reference::to_host_matrix(all_points_gradient), points_dense);

  if (rank == 0) {
    std::printf(
        "pcg_nystrom: N = %lld on %d ranks, Nystrom rank %lld, %s after %d iterations (warm start: %d), "
        "error of c %.2e, of dL/dalpha %.2e, of dL/dx %.2e\n",
        static_cast<long long>(n), ranks, static_cast<long long>(nystrom.summary().rank),
        kernelsolve::to_string(result.reasons[0]).c_str(), result.iterations, warm.iterations, c_error, ridge_error,
        points_error);
  }
  // cond(K + alpha I) <= 1e5 here, so rtol 1e-10 bounds the errors near 1e-5; a wrong solve is off by O(1).
  bool const correct = warm.converged() && warm.iterations < result.iterations && gradient.adjoint.converged() &&
                       c_error < 1e-6 && ridge_error < 1e-5 && points_error < 1e-5;
  return correct ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);  // the application owns MPI and Kokkos; the library never initializes either
  int exit_code = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    try {
      exit_code = solve_and_check(rank, ranks);
    } catch (std::exception const& error) {
      std::fprintf(stderr, "pcg_nystrom: error on rank %d: %s\n", rank, error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
