// Bringing your own kernel: a small device-callable functor of the squared distance r2 = |x - y|^2 is all the
// library needs for products, solves, predictions and gradients; no kernelsolve code changes. Here Wendland's
// compactly supported psi_{3,1} interpolates f(x, y) = sin(3x) cos(2y) on the unit square from a 30 x 30 grid.
#include <kernelsolve/kernelsolve.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdio>

/// k(r2) = (1 - t)_+^4 (4 t + 1), t = |x - y| / rho: positive definite in dimensions D <= 3, zero beyond rho.
/// A kernel provides value_type, operator()(r2) and, for gradients, derivative(r2) = dk/d(r2) (kernel_traits.hpp);
/// parameter_derivative(r2) = dk/dparameter is optional. Everything must be callable on the device.
struct Wendland31 {
  using value_type = double;
  double rho;  ///< support radius

  KOKKOS_INLINE_FUNCTION double operator()(double r2) const {
    double const t = sqrt(r2) / rho;
    if (t >= 1) return 0;
    double const s = 1 - t;
    return s * s * s * s * (4 * t + 1);
  }
  /// dk/d(r2) = (dk/dt) (dt/dr2) = -20 t (1 - t)^3 / (2 r rho) = -10 (1 - t)^3 / rho^2
  KOKKOS_INLINE_FUNCTION double derivative(double r2) const {
    double const t = sqrt(r2) / rho;
    if (t >= 1) return 0;
    double const s = 1 - t;
    return -10 * s * s * s / (rho * rho);
  }
};
static_assert(kernelsolve::is_differentiable_kernel<Wendland31>::value, "Wendland31 must satisfy the kernel concept");

double f(double x, double y) {
  return std::sin(3 * x) * std::cos(2 * y);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int exit_code = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    try {
      // Samples on a grid, split into contiguous row blocks over the ranks.
      int const side = 30;
      auto const partition = kernelsolve::RowPartition::balanced(side * side, ranks);
      using Operator = kernelsolve::DistributedOperator<Wendland31>;
      Operator::block_type points("points", partition.local_rows(rank), 2);
      Operator::block_type samples("samples", partition.local_rows(rank), 1);
      auto const first = partition.begin(rank);
      Kokkos::parallel_for(
          "custom_kernel::fill", points.extent(0), KOKKOS_LAMBDA(int i) {
            auto const k = first + i;
            points(i, 0) = static_cast<double>(k / side) / (side - 1);
            points(i, 1) = static_cast<double>(k % side) / (side - 1);
            samples(i, 0) = std::sin(3 * points(i, 0)) * std::cos(2 * points(i, 1));
          });

      Operator const op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), Wendland31{0.3}, points, 1e-10);
      auto coefficients = op.allocate_block("coefficients", 1);
      kernelsolve::StoppingCriteria criteria;
      criteria.relative_tolerance = 1e-10;
      // The Nystrom preconditioner needs only k(x, y): it works for a user's kernel as for the built-in ones.
      kernelsolve::NystromPreconditioner<Operator> const preconditioner(op);
      kernelsolve::ConjugateGradient<Operator> solver(op);
      auto const result = solver.solve(samples, coefficients, criteria, preconditioner);

      // Predict at 3 new points per rank and measure the interpolation error there.
      Operator::block_type new_points("new_points", 3, 2), values("values", 3, 1);
      auto new_host = Kokkos::create_mirror_view(new_points);
      for (int m = 0; m < 3; ++m) {
        new_host(m, 0) = 0.1 + 0.27 * m + 0.05 * rank;
        new_host(m, 1) = 0.8 - 0.21 * m;
      }
      Kokkos::deep_copy(new_points, new_host);
      kernelsolve::predict(op, coefficients, new_points, values);
      auto const values_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), values);
      double error = 0;
      for (int m = 0; m < 3; ++m)
        error = std::max(error, std::abs(values_host(m, 0) - f(new_host(m, 0), new_host(m, 1))));
      MPI_Allreduce(MPI_IN_PLACE, &error, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);

      // d<e, c>/dx with e = 1 through one adjoint solve: works because Wendland31 has derivative().
      auto ones = op.allocate_block("e", 1);
      Kokkos::deep_copy(ones, 1.0);
      auto const gradient = kernelsolve::solve_gradient(solver, preconditioner, coefficients, ones, criteria);
      if (rank == 0) {
        std::printf(
            "custom kernel example: %s after %d iterations on %d ranks, max interpolation error %.2e, "
            "adjoint %s\n",
            kernelsolve::to_string(result.reasons[0]).c_str(), result.iterations, ranks, error,
            kernelsolve::to_string(gradient.adjoint.reasons[0]).c_str());
      }
      exit_code = result.converged() && error < 1e-3 ? 0 : 3;
    } catch (std::exception const& error) {
      if (rank == 0) std::fprintf(stderr, "custom kernel example: error: %s\n", error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
