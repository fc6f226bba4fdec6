// Which preconditioner suits a kernel operator: the automatic choice between the Schwarz preconditioner (local
// blocks: narrow kernels) and the Nystrom one (a global low-rank factor: wide kernels), as a function a template user
// calls; the run-time facade only calls it.
#pragma once

#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/solver/preconditioner_kind.hpp>
#include <kernelsolve/solver/schwarz_options.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>

namespace kernelsolve {

/// \brief The automatic choice for a kernel operator: Schwarz when the points within a cell's overlap (with the
/// cells `schwarz` builds) average at most `reach_fraction` of the N points and at most half of the blocks are
/// capped at SchwarzOptions::max_block_points; Nystrom otherwise. Collective, and the same on every rank (the cells
/// depend on all the points only); builds the cells, factors nothing.
/// \throws InvalidArgument (on every rank) for invalid Schwarz options.
template <class KernelOperator>
PreconditionerChoice choose_preconditioner(KernelOperator const& op, SchwarzOptions const& schwarz,
                                           double reach_fraction = default_schwarz_reach_fraction) {
  detail::check_kernel_operator<KernelOperator>();
  auto const reach = schwarz_reach(op, schwarz);
  double const fraction = reach.mean_points / static_cast<double>(op.global_rows());
  bool const fits = 2 * reach.capped_cells <= reach.cells;
  bool const local = fraction <= reach_fraction && fits;
  return {local ? PreconditionerKind::schwarz : PreconditionerKind::nystrom,
          fits ? detail::concatenate("auto: a cell's overlap holds ", fraction, " of the points on average, ",
                                     local ? "<= " : "> ", reach_fraction)
               : detail::concatenate("auto: ", reach.capped_cells, " of ", reach.cells,
                                     " cells have more points in their overlap than a block holds")};
}

}  // namespace kernelsolve
