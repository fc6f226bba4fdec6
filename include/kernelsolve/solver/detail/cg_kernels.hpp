// The fused per-column vector updates of conjugate gradients (Ginkgo's cg step_1 / step_2 shape): each is one pass
// over the local rows and leaves the columns that stopped untouched.
#pragma once

#include <Kokkos_Core.hpp>

namespace kernelsolve {
namespace detail {

/// p(:, c) = r(:, c) + beta(c) p(:, c) for the columns with active(c) != 0.
template <class ExecutionSpace, class Block, class Coefficients, class Mask>
void cg_update_direction(ExecutionSpace const& space, Block const& residual, Coefficients const& beta,
                         Mask const& active, Block const& direction) {
  int const columns = static_cast<int>(direction.extent(1));
  Kokkos::parallel_for(
      "kernelsolve::cg::update_direction", Kokkos::RangePolicy<ExecutionSpace>(space, 0, direction.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        for (int c = 0; c < columns; ++c) {
          if (active(c)) direction(i, c) = residual(i, c) + beta(c) * direction(i, c);
        }
      });
}

/// x(:, c) += alpha(c) p(:, c) and r(:, c) -= alpha(c) q(:, c) for the columns with active(c) != 0, q = A p.
template <class ExecutionSpace, class Block, class Coefficients, class Mask>
void cg_update_solution_and_residual(ExecutionSpace const& space, Block const& direction,
                                     Block const& operator_direction, Coefficients const& alpha, Mask const& active,
                                     Block const& solution, Block const& residual) {
  int const columns = static_cast<int>(solution.extent(1));
  Kokkos::parallel_for(
      "kernelsolve::cg::update_solution_and_residual",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, solution.extent(0)), KOKKOS_LAMBDA(std::size_t i) {
        for (int c = 0; c < columns; ++c) {
          if (active(c)) {
            solution(i, c) += alpha(c) * direction(i, c);
            residual(i, c) -= alpha(c) * operator_direction(i, c);
          }
        }
      });
}

}  // namespace detail
}  // namespace kernelsolve
