// The installed run-time facade and array files together (kernelsolve::runtime, kernelsolve::io): solve with the
// kernel chosen by name, write the coefficients to a .npy file, read them back, and check (K + alpha I) c = b.
#include <kernelsolve/io/array_file.hpp>
#include <kernelsolve/kernelsolve.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <vector>

namespace {

/// 0 when the solve converged, the file round trip is exact and the residual through predict is below 1e-8.
int solve_write_read(kernelsolve::Communicator const& comm) {
  namespace io = kernelsolve::io;
  std::int64_t const n = 400;
  int const dimension = 2;
  auto const partition = kernelsolve::RowPartition::balanced(n, comm.size());
  std::int64_t const first = partition.begin(comm.rank()), rows = partition.local_rows(comm.rank());
  // This rank's rows of points in [0, 1]^2 and of one right-hand side: the generator skips the rows before them.
  std::mt19937_64 generator(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> points, b;
  for (std::int64_t i = 0; i < first + rows; ++i) {
    double const x = uniform(generator), y = uniform(generator), value = uniform(generator);
    if (i < first) continue;
    points.insert(points.end(), {x, y});
    b.push_back(value);
  }

  kernelsolve::KernelSolverOptions options;
  auto const family = kernelsolve::kernel_family_from_name("gaussian");
  options.kernel = {family, kernelsolve::g_from_sigma(family, 0.2)};
  options.precision = kernelsolve::Precision::float64;
  options.alpha = 1e-2;
  kernelsolve::KernelSolver solver(comm.get(), options, points, dimension);
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-10;
  std::vector<double> c;
  bool const converged = solver.solve(b, 1, c, criteria).converged();

  // c in the caller's row order, written as this rank's rows of c.npy and read back.
  auto const all_c = solver.gather_rows(c, 1);
  std::vector<double> const my_c(all_c.begin() + first, all_c.begin() + first + rows);
  io::write_rows(comm, io::parse_array_location("c.npy"), n, 1, /*one_dimensional=*/false, io::ElementType::float64,
                 first, my_c);
  auto const where = io::parse_array_location("c.npy");
  auto const read = io::read_rows(comm, where, io::inspect_array(comm, where), first, rows);

  // (K + alpha I) c - b on this rank's rows, K c from predict at the points themselves.
  auto const k_c = solver.predict(c, 1, points);
  double residual = 0, norm = 0;
  for (std::int64_t i = 0; i < rows; ++i) {
    double const r = k_c[i] + options.alpha * read[i] - b[i];
    residual += r * r;
    norm += b[i] * b[i];
  }
  double sums[2] = {residual, norm};
  MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM, comm.get());
  double const relative = std::sqrt(sums[0] / sums[1]);
  if (comm.rank() == 0)
    std::printf("facade and files example: %s, relative residual %.2e, file round trip %s\n",
                converged ? "converged_rtol" : "not converged", relative, read == my_c ? "exact" : "changed");
  return converged && read == my_c && relative < 1e-8 ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int exit_code = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    kernelsolve::Communicator const comm(MPI_COMM_WORLD);
    try {
      exit_code = solve_write_read(comm);
    } catch (std::exception const& error) {
      std::fprintf(stderr, "facade and files example: error on rank %d: %s\n", comm.rank(), error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
