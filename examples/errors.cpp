// Errors: invalid input throws kernelsolve::InvalidArgument naming the function, the rule and the value, and an
// error found on one rank is thrown on every rank with the same message, so that no rank waits in a collective.
#include <kernelsolve/kernelsolve.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <string>

namespace {

/// True when `message` starts with `prefix`.
bool starts_with(std::string const& message, std::string const& prefix) {
  return message.compare(0, prefix.size(), prefix) == 0;
}

/// Provokes three errors; 0 when each is thrown with the documented type and message on every rank, else 3.
int provoke_errors(int rank, int ranks) {
  std::string sigma_message, nan_message, shape_message;

  try {
    auto const kernel = kernelsolve::Gaussian<double>::from_sigma(-1);
    (void)kernel;
  } catch (kernelsolve::InvalidArgument const& error) {
    sigma_message = error.what();  // "kernelsolve::g_from_sigma: sigma must be finite and > 0, got -1"
  }

  // A NaN in the points of the last rank only: every rank throws the same InvalidArgument.
  using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
  Operator::block_type my_points("points", 10, 2);
  Kokkos::deep_copy(my_points, 0.5);
  if (rank == ranks - 1) {
    auto const host = Kokkos::create_mirror_view(my_points);
    Kokkos::deep_copy(host, my_points);
    host(3, 1) = std::numeric_limits<double>::quiet_NaN();
    Kokkos::deep_copy(my_points, host);
  }
  try {
    Operator const op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<double>::from_sigma(0.1),
                      my_points, 0.01);
  } catch (kernelsolve::InvalidArgument const& error) {
    nan_message = error.what();  // "... the points contain NaN or Inf values (found on rank 1)" on 2 ranks
  }

  // Blocks that do not fit the operator: DimensionMismatch (an InvalidArgument), again on every rank.
  Kokkos::deep_copy(my_points, 0.5);
  Kokkos::parallel_for(
      "errors::spread_points", my_points.extent(0), KOKKOS_LAMBDA(int i) { my_points(i, 0) = 0.1 * i; });
  Operator const op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<double>::from_sigma(0.1),
                    my_points, 0.01);
  auto const b = op.allocate_block("b", 1);
  auto const too_wide = op.allocate_block("c", 2);
  try {
    kernelsolve::conjugate_gradient(op, b, too_wide);
  } catch (kernelsolve::DimensionMismatch const& error) {
    shape_message = error.what();
  }

  // After the errors, on the same communicator, a good solve: no rank was left behind in a collective.
  auto const x = op.allocate_block("x", 1);
  Kokkos::deep_copy(b, 1.0);
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-10;
  bool const solved = kernelsolve::conjugate_gradient(op, b, x, criteria).converged();

  std::string const found_on = ranks > 1 ? " (found on rank " + std::to_string(ranks - 1) + ")" : "";
  bool const correct =
      sigma_message == "kernelsolve::g_from_sigma: sigma must be finite and > 0, got -1" &&
      nan_message == "kernelsolve::DistributedOperator: the points contain NaN or Inf values" + found_on &&
      starts_with(shape_message, "kernelsolve::") && shape_message.find("the same columns") != std::string::npos &&
      solved;
  if (rank == 0) {
    std::printf("errors on %d ranks:\n  %s\n  %s\n  %s\nthen a good solve on the same communicator: %s\n", ranks,
                sigma_message.c_str(), nan_message.c_str(), shape_message.c_str(),
                solved ? "converged" : "NOT converged");
  }
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
      exit_code = provoke_errors(rank, ranks);
    } catch (std::exception const& error) {
      std::fprintf(stderr, "errors: unexpected error on rank %d: %s\n", rank, error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
