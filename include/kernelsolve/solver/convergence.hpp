// Why a column of an iterative solve stopped, with PETSc KSPConvergedReason signs: > 0 converged, < 0 diverged,
// 0 still iterating; and the stopping criteria a solve is given.
#pragma once

#include <string>

namespace kernelsolve {

/// \brief Why one right-hand side (column) stopped iterating; the values follow PETSc's KSPConvergedReason.
enum class ConvergenceReason : int {
  iterating = 0,                 ///< not stopped yet
  converged_rtol = 2,            ///< ||r|| <= rtol ||b||
  converged_atol = 3,            ///< ||r|| <= atol (a zero right-hand side converges here with x = 0)
  diverged_max_iterations = -3,  ///< max_iterations reached first
  diverged_breakdown = -5,       ///< p^T A p <= 0: the operator is not positive definite in floating point
  diverged_nan_or_inf = -9,      ///< a NaN or Inf appeared in the iteration
  /// The true residual ||b - A x|| stopped improving above the tolerance while the recursive one met it: the
  /// precision cannot reach the tolerance (Belos' loss of accuracy; no PETSc counterpart). relative_residuals
  /// gives the residual reached; a higher precision (mixed or float64) reaches the tolerance.
  diverged_stagnation = -12,
  /// The solve was asked to stop (StoppingCriteria::stop_token) before the column converged: x is the iterate
  /// reached and relative_residuals its true residual (no PETSc counterpart).
  interrupted = -20,
};

/// "converged_rtol", "diverged_breakdown", ...
std::string to_string(ConvergenceReason reason);

/// True for the converged reasons (> 0).
inline bool is_converged(ConvergenceReason reason) {
  return static_cast<int>(reason) > 0;
}

/// \brief Whose residual decides that a column converged.
enum class TrueResidualCheck {
  /// The true residual b_k - A x_k, computed when the solver's recursive residual claims convergence (one operator
  /// apply, shared by the columns that claim it together): the default, and what every verdict a user sees needs.
  verify,
  /// The recursive residual alone, reported as relative_residuals: no extra applies, but no verdict on the true
  /// residual. Only for an inner solve whose caller computes the true residual itself (iterative refinement).
  skip,
};

class StopToken;

/// \brief When a column stops: ||r_k|| <= max(relative_tolerance ||b_k||, absolute_tolerance), or after
/// max_iterations iterations (PETSc -ksp_rtol, -ksp_atol, -ksp_max_it). A column converges only when its true
/// residual b_k - A x_k meets the tolerance, not merely the solver's recursive residual (true_residual).
struct StoppingCriteria {
  double relative_tolerance = 1e-6;  ///< in [0, 1): rtol >= 1 would accept c = 0
  double absolute_tolerance = 0.0;   ///< >= 0; at least one of the two tolerances must be > 0
  int max_iterations = 10000;        ///< >= 0 (PETSc's default)
  TrueResidualCheck true_residual = TrueResidualCheck::verify;
  /// When set on any rank, the solve ends at its next iteration: ConvergenceReason::interrupted (solver/stop_token.hpp;
  /// not owned: it must outlive the solve).
  StopToken const* stop_token = nullptr;
};

}  // namespace kernelsolve
