// How far to truncate an operator whose products decide a solve's verdicts: below the rounding of its precision,
// so that its cutoff product is as good as the full one (a policy the run-time facade uses and template users call).
#pragma once

#include <kernelsolve/operator/kernel_operator.hpp>

#include <limits>

namespace kernelsolve {

/// \brief Truncates `op` (op.truncate, collective) only where what it drops is below the rounding of its precision
/// u (2^-53 in float64): ||K - K_cutoff||_2 <= dropped_row_sum <= u k(0), under the rounding of a row sum whose
/// largest term, the diagonal, is k(0) |x_i|, which any full product incurs. The truncation is the first of u,
/// u / 1e3, ... whose bound meets that (the bound adds up every dropped tile's, so it sits a few orders below u).
/// Each product then costs a cutoff product (terrain N = 100000: a few per cent of the pairs) instead of N^2 pairs,
/// with the verdicts of the full product to rounding. What iterative refinement around truncated inner solves
/// gives its outer operator (KernelSolverOptions::truncation).
/// \tparam Operator a kernel operator with truncate(double) and cutoff_summary() (DistributedOperator).
template <class Operator>
void truncate_below_rounding(Operator& op) {
  using scalar_type = typename Operator::scalar_type;
  double const at_zero = static_cast<double>(op.kernel()(scalar_type(0)));
  double const unit = std::numeric_limits<scalar_type>::epsilon() / 2;
  for (double truncation = unit; truncation > 1e-300; truncation *= 1e-3) {
    op.truncate(truncation);  // the same summary on every rank: every rank takes the same branch
    if (op.cutoff_summary()->dropped_row_sum <= unit * at_zero) return;
  }
}

}  // namespace kernelsolve
