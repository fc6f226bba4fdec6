// The vector steps of mixed-precision iterative refinement: the outer residual scaled and rounded into the inner
// precision, and the inner correction scaled back into the outer solution.
#pragma once

#include <Kokkos_Core.hpp>

namespace kernelsolve {
namespace detail {

/// inner(:, c) = round(residual(:, c) * (1 / scale(c))): each column at unit norm, so that the inner precision's
/// range never limits how small the outer residual may get (scale(c) = 0 gives a zero column).
template <class ExecutionSpace, class OuterBlock, class InnerBlock, class Scales>
void refinement_scaled_residual(ExecutionSpace const& space, OuterBlock const& residual, Scales const& scale,
                                InnerBlock const& inner) {
  using inner_scalar = typename InnerBlock::non_const_value_type;
  int const columns = static_cast<int>(inner.extent(1));
  Kokkos::parallel_for(
      "kernelsolve::refinement::scaled_residual", Kokkos::RangePolicy<ExecutionSpace>(space, 0, inner.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        for (int c = 0; c < columns; ++c) {
          double const inverse_scale = scale(c) != 0 ? 1.0 / scale(c) : 0.0;
          inner(i, c) = static_cast<inner_scalar>(residual(i, c) * inverse_scale);
        }
      });
}

/// solution(:, c) += scale(c) * correction(:, c), in the outer precision (scale(c) = 0 leaves the column as it is).
template <class ExecutionSpace, class OuterBlock, class InnerBlock, class Scales>
void refinement_update(ExecutionSpace const& space, InnerBlock const& correction, Scales const& scale,
                       OuterBlock const& solution) {
  using outer_scalar = typename OuterBlock::non_const_value_type;
  int const columns = static_cast<int>(solution.extent(1));
  Kokkos::parallel_for(
      "kernelsolve::refinement::update", Kokkos::RangePolicy<ExecutionSpace>(space, 0, solution.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        for (int c = 0; c < columns; ++c) {
          if (scale(c) != 0) solution(i, c) += scale(c) * static_cast<outer_scalar>(correction(i, c));
        }
      });
}

}  // namespace detail
}  // namespace kernelsolve
