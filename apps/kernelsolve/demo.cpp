// The seed's demo: solve (K + alpha I) c = b for a Gaussian K on N random points, distributed over the ranks of
// MPI_COMM_WORLD, then compare c with a dense double-precision direct solve on rank 0.
#include "demo.hpp"

#include "printing.hpp"

#include <kernelsolve/kernelsolve.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <optional>
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

  // L = <e, c> for e standard normal (the seed's torch.randn): its gradients through one adjoint solve.
  reference::HostMatrix cotangent(options.points, options.columns);
  std::optional<SolveGradient<Operator>> gradient;
  if (options.gradient) {
    std::normal_distribution<double> normal;
    for (auto& value : cotangent.values) value = static_cast<double>(static_cast<Scalar>(normal(generator)));
    auto const e = reference::to_block<Block>("demo::cotangent", cotangent, first_row, local_rows);
    MPI_Barrier(MPI_COMM_WORLD);
    timer.reset();
    gradient = solve_gradient(op, c, e, options.criteria, options.monitor ? &monitor : nullptr);
    MPI_Barrier(MPI_COMM_WORLD);
    print("Gradient of <e, c> (adjoint CG + pair reductions): %.5f s, adjoint %d iterations (%s)\n", timer.seconds(),
          gradient->adjoint.iterations, gradient->adjoint.converged() ? "converged" : "NOT converged");
    print("  dL/dalpha = %.6e, dL/dsigma = %.6e\n", gradient->ridge,
          gradient->kernel_parameter * gaussian_g_derivative_of_sigma(options.sigma));
  }

  if (options.points > options.reference_limit) {
    print("Dense check skipped: N = %lld > --reference-limit %lld\n", static_cast<long long>(options.points),
          static_cast<long long>(options.reference_limit));
  } else {
    Block all_coefficients("demo::all_coefficients", options.points, options.columns);
    op.allgather_rows(c, all_coefficients);
    Block all_gradient("demo::all_points_gradient", gradient ? options.points : 0, options.dimension);
    if (gradient) op.allgather_rows(gradient->points, all_gradient);
    if (rank == 0) {
      double const g = static_cast<double>(kernel.g);
      timer.reset();
      auto const dense = reference::kernel_matrix([g](double r2) { return std::exp(-g * r2); }, points, points,
                                                  static_cast<double>(static_cast<Scalar>(options.alpha)));
      auto const expected = reference::solve_symmetric_positive_definite(dense, right_hand_sides);
      print("Dense direct solve (float64, LAPACK Cholesky): %.5f s\n", timer.seconds());
      print("Relative error = %.6e\n",
            reference::relative_error(reference::to_host_matrix(all_coefficients), expected));
      if (gradient) {
        auto const adjoint = reference::solve_symmetric_positive_definite(dense, cotangent);
        auto const expected_gradient = reference::solve_gradient_wrt_points(
            [g](double r2) { return -g * std::exp(-g * r2); }, points, adjoint, expected);
        print("Gradient dL/dx relative error = %.6e\n",
              reference::relative_error(reference::to_host_matrix(all_gradient), expected_gradient));
      }
    }
  }
  return result.converged() ? 0 : exit_not_converged;
}

}  // namespace

int run_demo(DemoOptions const& options) {
  return options.precision == "double" ? run_demo_in<double>(options) : run_demo_in<float>(options);
}

}  // namespace kernelsolve::app
