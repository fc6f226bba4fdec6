// The kernelsolve command-line app: MPI and Kokkos set-up, options, and one error path (one line, exit code 1).
#include "demo.hpp"
#include "printing.hpp"

#include <kernelsolve/version.hpp>

#include <mpi.h>
#include <CLI/CLI.hpp>
#include <Kokkos_Core.hpp>

#include <exception>

namespace {

/// MPI_Init / MPI_Finalize for the lifetime of main (the library itself never initializes MPI).
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv) { MPI_Init(&argc, &argv); }
  ~MpiSession() { MPI_Finalize(); }
  MpiSession(MpiSession const&) = delete;
  MpiSession& operator=(MpiSession const&) = delete;
};

void add_demo_options(CLI::App& app, kernelsolve::app::DemoOptions& options) {
  app.add_option("-n,--points", options.points, "number of points N")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("-d,--dimension", options.dimension, "dimension D of the points")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--dv,--columns", options.columns, "number Dv of right-hand sides")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--sigma", options.sigma, "Gaussian length scale sigma > 0 (g = 1 / (2 sigma^2))")
      ->capture_default_str();
  app.add_option("--alpha", options.alpha, "ridge alpha >= 0 in (K + alpha I)")->capture_default_str();
  app.add_option("--rtol", options.criteria.relative_tolerance, "relative residual tolerance")->capture_default_str();
  app.add_option("--atol", options.criteria.absolute_tolerance, "absolute residual tolerance")->capture_default_str();
  app.add_option("--max-it", options.criteria.max_iterations, "maximum number of CG iterations")->capture_default_str();
  app.add_option("--precision", options.precision, "arithmetic precision")
      ->check(CLI::IsMember({"float", "double"}))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "random seed of the points and right-hand sides")->capture_default_str();
  app.add_option("--reference-limit", options.reference_limit,
                 "largest N checked against a dense double direct solve (O(N^2) memory on rank 0)")
      ->capture_default_str();
  app.add_flag("--monitor", options.monitor, "print the residual at every iteration");
  app.add_flag("--grad", options.gradient,
               "also differentiate L = <e, c> for a random e (the seed's autograd check): dL/dx, dL/db, dL/dalpha, "
               "dL/dsigma through one adjoint solve");
}

}  // namespace

int main(int argc, char** argv) {
  MpiSession mpi(argc, argv);
  Kokkos::ScopeGuard kokkos(argc, argv);
  bool const is_rank_zero = kernelsolve::app::world_rank() == 0;

  CLI::App app{
      "kernelsolve: matrix-free distributed solves of (K + alpha I) c = b for Gaussian kernel matrices.\n"
      "Without options it runs the KeOps KernelSolve example: N = 5000 points in [0,1]^2, sigma = 0.1,\n"
      "alpha = 0.01, float32, and checks the solution against a dense direct solve.",
      "kernelsolve"};
  app.set_version_flag("--version", kernelsolve::version_string);
  kernelsolve::app::DemoOptions options;
  add_demo_options(app, options);
  try {
    app.parse(argc, argv);
  } catch (CLI::ParseError const& error) {
    return is_rank_zero ? app.exit(error) : error.get_exit_code();
  }
  // Float CG cannot get much below 1e-6; double can, and its gradients need it (1e-10 gives dL/dx to ~1e-9).
  if (app.get_option("--rtol")->count() == 0) {
    options.criteria.relative_tolerance = options.precision == "double" ? 1e-10 : 1e-6;
  }

  try {
    return kernelsolve::app::run_demo(options);
  } catch (std::exception const& error) {
    kernelsolve::app::print_error(error.what());
    return 1;
  }
}
