// The seed's demo: solve (K + alpha I) c = b for a Gaussian K on N random points, distributed over the ranks of
// MPI_COMM_WORLD, then compare c with a dense double-precision direct solve on rank 0.
#include "demo.hpp"

#include "printing.hpp"

#include <kernelsolve/kernelsolve.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <random>
#include <string>

namespace kernelsolve::app {
namespace {

template <class Scalar>
int run_demo_in(DemoOptions const& options) {
  using Operator = DistributedOperator<Gaussian<Scalar>>;
  using Block = typename Operator::block_type;
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  auto const kernel = Gaussian<Scalar>::from_sigma(static_cast<Scalar>(options.sigma));
  auto const partition = RowPartition::balanced(options.points, ranks);
  int const rank = world_rank();

  std::mt19937_64 generator(options.seed);
  auto const points = reference::uniform_matrix<Scalar>(options.points, options.dimension, generator);
  auto const right_hand_sides = reference::uniform_matrix<Scalar>(options.points, options.columns, generator);

  print("kernelsolve %s: Gaussian kernel solve (K + alpha I) c = b\n", version_string);
  print("  N = %lld points in [0,1]^%d, Dv = %d right-hand sides, sigma = %g (g = %g), alpha = %g, %s\n",
        static_cast<long long>(options.points), options.dimension, options.columns, options.sigma,
        static_cast<double>(kernel.g), options.alpha, sizeof(Scalar) == 4 ? "float32" : "float64");
  print("  %d MPI rank%s, Kokkos %s with %d threads per rank; rtol = %g, max iterations = %d\n", ranks,
        ranks > 1 ? "s" : "", Kokkos::DefaultExecutionSpace::name(),
        static_cast<int>(Kokkos::DefaultExecutionSpace().concurrency()), options.criteria.relative_tolerance,
        options.criteria.max_iterations);

  int const local_rows = partition.local_rows(rank);
  auto const first_row = partition.begin(rank);
  Kokkos::Timer timer;
  Operator const op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel,
                    reference::to_block<Block>("demo::points", points, first_row, local_rows),
                    static_cast<Scalar>(options.alpha));
  auto const b = reference::to_block<Block>("demo::right_hand_sides", right_hand_sides, first_row, local_rows);
  Block c("demo::coefficients", local_rows, options.columns);
  double const setup_seconds = timer.seconds();

  PrintingMonitor monitor;
  MPI_Barrier(MPI_COMM_WORLD);
  timer.reset();
  auto const result = conjugate_gradient(op, b, c, options.criteria, options.monitor ? &monitor : nullptr);
  Kokkos::fence();
  MPI_Barrier(MPI_COMM_WORLD);
  double const solve_seconds = timer.seconds();
  print("Solve (kernelsolve CG): %.5f s, %d iterations (setup %.5f s)\n", solve_seconds, result.iterations,
        setup_seconds);
  print_solve_result(result);

  if (options.points <= options.reference_limit) {
    Block gathered("demo::gathered_coefficients", options.points, options.columns);
    op.allgather_rows(c, gathered);
    if (rank == 0) {
      auto const solution = reference::to_host_matrix(gathered);
      double const g = static_cast<double>(kernel.g);
      timer.reset();
      auto const dense = reference::kernel_matrix([g](double r2) { return std::exp(-g * r2); }, points, points,
                                                  static_cast<double>(static_cast<Scalar>(options.alpha)));
      auto const expected = reference::solve_symmetric_positive_definite(dense, right_hand_sides);
      print("Dense direct solve (float64, LAPACK Cholesky): %.5f s\n", timer.seconds());
      print("Relative error = %.6e\n", reference::relative_error(solution, expected));
    }
  } else {
    print("Dense check skipped: N = %lld > --reference-limit %lld\n", static_cast<long long>(options.points),
          static_cast<long long>(options.reference_limit));
  }
  return result.converged() ? 0 : exit_not_converged;
}

}  // namespace

int run_demo(DemoOptions const& options) {
  return options.precision == "double" ? run_demo_in<double>(options) : run_demo_in<float>(options);
}

}  // namespace kernelsolve::app
