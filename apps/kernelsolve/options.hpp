// The settings of the app's three commands (demo, solve, predict), filled by the option parser in main.cpp.
#pragma once

#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/solver/convergence.hpp>
#include <kernelsolve/solver/refinement_options.hpp>
#include <kernelsolve/solver/schwarz_options.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kernelsolve::app {

/// Which kernel: a family by name (--kernel) or a KeOps formula (--formula), and its parameter.
struct KernelOptions {
  std::string name = "gaussian";        ///< --kernel
  std::string formula;                  ///< --formula, e.g. "Exp(-g*SqDist(x,y))*b"; empty: use name
  double sigma = 0.1;                   ///< --sigma, the length scale (g_from_sigma gives g)
  std::optional<double> g;              ///< --gamma: g directly, instead of sigma
  std::vector<std::string> parameters;  ///< --param name=value: values of a formula's parameters
};

/// How to solve and what to say about it. Choices are the library's values (its names are the app's vocabulary:
/// runtime/kernel_solver.hpp), parsed when the command line is.
struct SolverOptions {
  double alpha = 0.01;          ///< ridge
  StoppingCriteria criteria{};  ///< --atol, --max-it; relative_tolerance: --rtol, else the precision's default
  std::optional<double> rtol;   ///< --rtol; nothing: 1e-3 in float32, 1e-10 in float64 and mixed
  bool monitor = false;         ///< one line per iteration
  /// --preconditioner: none, nystrom, schwarz or auto (either)
  PreconditionerKind preconditioner = PreconditionerKind::automatic;
  std::string rank = "auto";                                ///< --rank: the Nystrom rank K, or "auto"
  std::int64_t cell_points = SchwarzOptions{}.cell_points;  ///< --cell-points: Schwarz cells before the overlap
  std::string overlap = "auto";  ///< --overlap: the Schwarz cells' growth, a distance or "auto" (from the kernel)
  double inner_rtol = RefinementOptions{}.inner_relative_tolerance;  ///< --inner-rtol (mixed precision)
  std::string truncation = "off";  ///< --truncation: the cutoff products' tolerance in (0, 1), or "off"
  /// --precision; nothing (auto): the demo's mixed, a file's own element type
  std::optional<Precision> precision;
  std::string report;  ///< --report file.json; empty: none
};

/// The seed's demo: random points and right-hand sides, checked against a dense direct solve.
struct DemoOptions {
  std::int64_t points = 5000;            ///< N, drawn uniformly in [0, 1]^D
  int dimension = 2;                     ///< D
  int columns = 2;                       ///< Dv random right-hand sides, uniform in [0, 1]
  std::uint64_t seed = 0;                ///< random seed of the points and right-hand sides
  std::int64_t reference_limit = 10000;  ///< dense check only for N up to this (O(N^2) memory, O(N^3) time)
  bool gradient = false;                 ///< also differentiate L = <e, c>: dL/dx, dL/db, dL/dalpha, dL/dsigma
  std::string plot;                      ///< --plot F.png: the first 40 coefficients next to the dense solution
  KernelOptions kernel{};
  SolverOptions solver{};
};

/// points + right-hand sides -> coefficients.
struct SolveOptions {
  std::string points;            ///< N x D
  std::string right_hand_sides;  ///< N x Dv (or N)
  std::string out;               ///< N x Dv coefficients
  KernelOptions kernel{};
  SolverOptions solver{};
};

/// points + coefficients + new points -> values K(new, points) c.
struct PredictOptions {
  std::string points;        ///< N x D, the points of the solve
  std::string coefficients;  ///< N x Dv, its solution
  std::string new_points;    ///< M x D
  std::string out;           ///< M x Dv
  KernelOptions kernel{};
  SolverOptions solver{};  ///< precision and report only
};

/// Exit code of a solve that did not converge (distinct from 1, an error).
inline constexpr int exit_not_converged = 3;
/// Exit code of a solve stopped by SIGTERM, SIGINT or SIGUSR1 (stop_signals.hpp): the report is written, no other
/// output.
inline constexpr int exit_interrupted = 4;

}  // namespace kernelsolve::app
