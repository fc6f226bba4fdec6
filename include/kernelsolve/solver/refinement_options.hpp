// The options of mixed-precision iterative refinement (solver/iterative_refinement.hpp), apart from its templates so
// that the run-time facade can name them.
#pragma once

namespace kernelsolve {

/// \brief How the inner solves of iterative refinement stop.
struct RefinementOptions {
  /// Each inner solve reduces its (recursive) residual by this factor. Float32 products cap what one outer step
  /// gains at a few 1e-4 anyway: on the seed problem 3e-4 reaches 1e-10 in 3 outer steps (17 inner iterations
  /// with the Nystrom preconditioner), 1e-3 in 4 (19), 1e-4 in 3 (17).
  double inner_relative_tolerance = 3e-4;
  /// The same for inner solves in float64 with a truncated operator (KernelSolverOptions::truncation): they can go
  /// much further than float32 ones, and each outer step costs one full product, so one or two steps should do.
  double truncated_inner_relative_tolerance = 1e-8;
  /// The last outer step need not solve further than the tolerance asks: each inner solve stops at the larger of the
  /// inner tolerance above and this margin times the reduction the active columns still need (the least, over them,
  /// of max(rtol ||b||, atol) / ||r||). The margin leaves room for the inner precision's own error, which the outer
  /// residual adds back. 0 turns it off (every step to the inner tolerance). On the seed problem at N = 5000 with
  /// the Nystrom preconditioner, margins 0 / 0.1 / 0.3 take 14 / 13 / 12 inner iterations to 1e-6 (2 outer steps)
  /// and 22 / 22 / 21 to 1e-10 (3 outer steps; docs/performance/precision.md).
  double remaining_reduction_margin = 0.1;
};

/// \brief The options for refinement around truncated inner solves (a cutoff product inside, the full or
/// truncate_below_rounding product outside): inner solves in float64 go to truncated_inner_relative_tolerance, as
/// they can; float32 ones keep inner_relative_tolerance, the most their products allow.
inline RefinementOptions truncated_refinement(RefinementOptions options, bool float64_inner_solves) {
  if (float64_inner_solves) options.inner_relative_tolerance = options.truncated_inner_relative_tolerance;
  return options;
}

}  // namespace kernelsolve
