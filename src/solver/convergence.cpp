// Names of the convergence reasons, as reports and error messages print them.
#include <kernelsolve/solver/convergence.hpp>

namespace kernelsolve {

std::string to_string(ConvergenceReason reason) {
  switch (reason) {
    case ConvergenceReason::iterating:
      return "iterating";
    case ConvergenceReason::converged_rtol:
      return "converged_rtol";
    case ConvergenceReason::converged_atol:
      return "converged_atol";
    case ConvergenceReason::diverged_max_iterations:
      return "diverged_max_iterations";
    case ConvergenceReason::diverged_breakdown:
      return "diverged_breakdown";
    case ConvergenceReason::diverged_nan_or_inf:
      return "diverged_nan_or_inf";
    case ConvergenceReason::diverged_stagnation:
      return "diverged_stagnation";
    case ConvergenceReason::interrupted:
      return "interrupted";
  }
  return "unknown(" + std::to_string(static_cast<int>(reason)) + ")";
}

}  // namespace kernelsolve
