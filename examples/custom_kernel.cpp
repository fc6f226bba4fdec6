// Your own kernel: a functor of the squared distance is all the operator, the preconditioner, CG, predict and the
// gradients need. Wendland's compactly supported psi_{3,1} here; solve and predict checked on the host in double.
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

/// Wendland's psi_{3,1}: k(r2) = (1 - t)_+^4 (4 t + 1), t = |x - y| / rho; positive definite for D <= 3.
struct Wendland31 {
  using value_type = double;  // float or double: the precision of the products
  double rho;                 // the support radius

  KOKKOS_INLINE_FUNCTION double operator()(double r2) const {  // k(r2), callable on the device
    double const t = sqrt(r2) / rho;
    if (t >= 1) return 0;
    double const s = 1 - t;
    return s * s * s * s * (4 * t + 1);
  }
  KOKKOS_INLINE_FUNCTION double derivative(double r2) const {  // dk/d(r2) = -10 (1 - t)^3 / rho^2: gradients
    double const t = sqrt(r2) / rho;
    if (t >= 1) return 0;
    double const s = 1 - t;
    return -10 * s * s * s / (rho * rho);
  }
  KOKKOS_INLINE_FUNCTION double support_radius() const { return rho; }  // optional: exact cutoff products
};
static_assert(kernelsolve::is_differentiable_kernel<Wendland31>::value, "a kernel with derivative(r2)");
static_assert(kernelsolve::has_support_radius<Wendland31>::value, "a compactly supported kernel");

namespace {

namespace reference = kernelsolve::reference;

/// Solves with Wendland31 at N = 800 and predicts at 60 new points; 0 when both match the host sums, else 3.
int solve_and_check(int rank, int ranks) {
  std::int64_t const n = 800, new_count = 60;
  double const alpha = 1e-3;
  Wendland31 const kernel{0.3};
  std::mt19937_64 generator(13);
  auto const points = reference::uniform_matrix<double>(n, 2, generator);
  auto const b = reference::uniform_matrix<double>(n, 1, generator);
  auto const new_points = reference::uniform_matrix<double>(new_count, 2, generator);
  auto const partition = kernelsolve::RowPartition::balanced(n, ranks);
  auto const new_partition = kernelsolve::RowPartition::balanced(new_count, ranks);
  using Operator = kernelsolve::DistributedOperator<Wendland31>;
  auto const my_points =
      reference::to_block<Operator::block_type>("points", points, partition.begin(rank), partition.local_rows(rank));
  auto const my_b =
      reference::to_block<Operator::block_type>("b", b, partition.begin(rank), partition.local_rows(rank));
  auto const my_new_points = reference::to_block<Operator::block_type>(
      "new_points", new_points, new_partition.begin(rank), new_partition.local_rows(rank));

  Operator const op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel, my_points, alpha);
  kernelsolve::NystromPreconditioner<Operator> const nystrom(op);  // needs only k(x, y): any kernel
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-10;
  auto c = op.allocate_block("c", 1);
  auto const result = kernelsolve::preconditioned_conjugate_gradient(op, nystrom, my_b, c, criteria);
  Operator::block_type values("values", my_new_points.extent(0), 1);
  kernelsolve::predict(op, c, my_new_points, values);  // values = K(new points, x) c on this rank's new points

  // On the host in double: the residual (K + alpha I) c - b of the c found, and K(new points, x) c.
  auto const host_kernel = [kernel](double r2) { return kernel(r2); };
  Operator::block_type all_c("all_c", n, 1);
  op.allgather_rows(c, all_c);
  auto const c_host = reference::to_host_matrix(all_c);
  auto const applied = reference::multiply(reference::kernel_matrix(host_kernel, points, points, alpha), c_host);
  double residual = 0, b_norm = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    residual += (applied(i, 0) - b(i, 0)) * (applied(i, 0) - b(i, 0));
    b_norm += b(i, 0) * b(i, 0);
  }
  double const relative_residual = std::sqrt(residual / b_norm);
  auto const values_host = reference::to_host_matrix(values);
  auto const values_dense = reference::multiply(reference::kernel_matrix(host_kernel, new_points, points), c_host);
  double c_scale = 0;  // sum |c_j|: what the rounding of a row of K(new points, x) c is relative to
  for (double value : c_host.values) c_scale += std::abs(value);
  double values_error = 0;
  for (std::int64_t m = 0; m < values_host.rows; ++m) {
    values_error = std::max(values_error, std::abs(values_host(m, 0) - values_dense(new_partition.begin(rank) + m, 0)));
  }
  MPI_Allreduce(MPI_IN_PLACE, &values_error, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);

  if (rank == 0) {
    std::printf(
        "custom_kernel: Wendland31 on %d ranks, %s after %d iterations (Nystrom rank %lld), residual on the host "
        "%.2e, predict error %.2e (of sum |c|)\n",
        ranks, kernelsolve::to_string(result.reasons[0]).c_str(), result.iterations,
        static_cast<long long>(nystrom.summary().rank), relative_residual, values_error / c_scale);
  }
  bool const correct = result.converged() && relative_residual < 1e-8 && values_error < 1e-11 * c_scale;
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
      std::fprintf(stderr, "custom_kernel: error on rank %d: %s\n", rank, error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
