// What a solve returns: per column, why it stopped, after how many iterations, and how good the answer is.
#pragma once

#include <kernelsolve/solver/convergence.hpp>

#include <algorithm>
#include <vector>

namespace kernelsolve {

/// \brief One outer step of iterative refinement (solver/iterative_refinement.hpp): the inner solve, then the
/// true residual of the updated solution.
struct RefinementStep {
  int inner_iterations = 0;                ///< iterations of the inner (low-precision) solve of this step
  std::vector<double> relative_residuals;  ///< true ||b_k - A x_k|| / ||b_k|| after the step, per column
};

/// \brief The outcome of a solve with Dv right-hand sides; every vector has one entry per column.
struct SolveResult {
  int iterations = 0;                       ///< iterations done (the most of any column; refinement: all inner ones)
  std::vector<int> column_iterations;       ///< iterations each column took until it stopped
  std::vector<ConvergenceReason> reasons;   ///< why each column stopped
  std::vector<double> relative_residuals;   ///< true ||b_k - A x_k|| / ||b_k|| (||b_k - A x_k|| when b_k = 0)
  std::vector<double> recursive_residuals;  ///< the solver's recursive ||r_k|| / ||b_k|| when it stopped
  int true_residual_checks = 0;             ///< CG: operator applies spent checking a recursive convergence
  int residual_replacements = 0;            ///< CG: columns whose recursive residual was replaced by the true one
  /// Iterative refinement only (empty otherwise): step 0 is the initial residual, then one entry per outer step.
  std::vector<RefinementStep> refinement_steps;

  /// True when every column converged.
  [[nodiscard]] bool converged() const {
    return std::all_of(reasons.begin(), reasons.end(), [](ConvergenceReason r) { return is_converged(r); });
  }
};

}  // namespace kernelsolve
