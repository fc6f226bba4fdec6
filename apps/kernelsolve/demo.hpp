// The seed's demo: a Gaussian KernelSolve on random points, checked against a dense direct solve.
#pragma once

#include <kernelsolve/solver/convergence.hpp>

#include <cstdint>
#include <string>

namespace kernelsolve::app {

/// The problem and solver settings of the demo; defaults are the KeOps KernelSolve example's.
struct DemoOptions {
  std::int64_t points = 5000;            ///< N, drawn uniformly in [0, 1]^D
  int dimension = 2;                     ///< D
  int columns = 2;                       ///< Dv random right-hand sides, uniform in [0, 1]
  double sigma = 0.1;                    ///< Gaussian length scale: g = 1 / (2 sigma^2)
  double alpha = 0.01;                   ///< ridge
  std::string precision = "float";       ///< "float" or "double"
  std::uint64_t seed = 0;                ///< random seed of the points and right-hand sides
  std::int64_t reference_limit = 10000;  ///< dense check only for N up to this (O(N^2) memory, O(N^3) time)
  bool monitor = false;                  ///< print every iteration
  bool gradient = false;                 ///< also differentiate L = <e, c>: dL/dx, dL/db, dL/dalpha, dL/dsigma
  StoppingCriteria criteria{};
};

/// Runs the demo on MPI_COMM_WORLD; prints on rank 0. Returns 0 when every column converged, 3 otherwise.
int run_demo(DemoOptions const& options);

/// Exit code of a solve that did not converge (distinct from 1, an error).
inline constexpr int exit_not_converged = 3;

}  // namespace kernelsolve::app
