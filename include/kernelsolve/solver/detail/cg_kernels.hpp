// The fused per-column vector updates of conjugate gradients (Ginkgo's cg step_1 / step_2 shape): each is one pass
// over the local rows and leaves the columns that stopped untouched.
#pragma once

#include <Kokkos_Core.hpp>

namespace kernelsolve {
namespace detail {

/// r = b - q (q = A x), every column; r may be q itself.
template <class ExecutionSpace, class Block>
void cg_residual(ExecutionSpace const& space, Block const& right_hand_sides, Block const& operator_solution,
                 Block const& residual) {
  int const columns = static_cast<int>(residual.extent(1));
  Kokkos::parallel_for(
      "kernelsolve::cg::residual", Kokkos::RangePolicy<ExecutionSpace>(space, 0, residual.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        for (int c = 0; c < columns; ++c) residual(i, c) = right_hand_sides(i, c) - operator_solution(i, c);
      });
}

/// p(:, c) = z(:, c) + beta(c) p(:, c) for the columns with active(c) != 0 (z = M^{-1} r, or r itself for plain CG).
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

/// to(:, c) = from(:, c) for the columns with selected(c) != 0.
template <class ExecutionSpace, class Block, class Mask>
void cg_copy_columns(ExecutionSpace const& space, Block const& from, Mask const& selected, Block const& to) {
  int const columns = static_cast<int>(to.extent(1));
  Kokkos::parallel_for(
      "kernelsolve::cg::copy_columns", Kokkos::RangePolicy<ExecutionSpace>(space, 0, to.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        for (int c = 0; c < columns; ++c) {
          if (selected(c)) to(i, c) = from(i, c);
        }
      });
}

}  // namespace detail
}  // namespace kernelsolve
