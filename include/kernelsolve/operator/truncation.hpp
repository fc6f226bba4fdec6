// How far to truncate an operator whose products decide a solve's verdicts: below the rounding of its precision,
// so that its cutoff product is as good as the full one (a policy the run-time facade uses and template users call).
#pragma once

#include <kernelsolve/operator/cutoff_operator.hpp>

#include <limits>

namespace kernelsolve {

/// \brief The cutoff operator of `exact` (collective) that drops only what is below the rounding of its precision
/// u (2^-53 in float64): ||K - K_cutoff||_2 <= dropped_row_sum <= u k(0), under the rounding of a row sum whose
/// largest term, the diagonal, is k(0) |x_i|, which any full product incurs. The truncation is the first of u,
/// u / 1e3, ... whose bound meets that (the bound adds up every dropped tile's, so it sits a few orders below u).
/// Each product then costs a cutoff product (terrain N = 100000: a few per cent of the pairs) instead of N^2 pairs,
/// with the verdicts of the full product to rounding. What iterative refinement around truncated inner solves
/// gives its outer operator (KernelSolverOptions::truncation). `exact` must outlive the result.
/// \tparam Exact a DistributedOperator.
template <class Exact>
CutoffOperator<Exact> truncate_below_rounding(Exact const& exact) {
  using scalar_type = typename Exact::scalar_type;
  double const at_zero = static_cast<double>(exact.kernel()(scalar_type(0)));
  double const unit = std::numeric_limits<scalar_type>::epsilon() / 2;
  double truncation = unit;
  for (;;) {
    CutoffOperator<Exact> cutoff(exact, truncation);
    // The same summary on every rank: every rank takes the same branch.
    if (cutoff.cutoff_summary()->dropped_row_sum <= unit * at_zero || truncation * 1e-3 <= 1e-300) return cutoff;
    truncation *= 1e-3;
  }
}

}  // namespace kernelsolve
