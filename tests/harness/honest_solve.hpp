// Honest verdicts, checked on every solve the tests run: a column the solver calls converged has a true residual
// b - A x (computed here, by an apply of its own) that meets the tolerance.
#pragma once

#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/solver/cg.hpp>

#include <gtest/gtest.h>

#include <cmath>

namespace kernelsolve::test {

/// EXPECTs ||b_k - A x_k|| <= max(rtol ||b_k||, atol) for every converged column k, and that the result's
/// relative_residuals are that true residual (to a few units of the precision's rounding).
template <class Operator, class Block>
void expect_honest_verdicts(Operator const& op, Block const& right_hand_sides, Block const& solution,
                            SolveResult const& result, StoppingCriteria const& criteria) {
  Block product("honest::product", solution.extent(0), solution.extent(1));
  op.apply(solution, product);
  Kokkos::parallel_for(
      "honest::residual", Kokkos::RangePolicy<typename Operator::execution_space>(0, product.extent(0)),
      KOKKOS_LAMBDA(int i) {
        for (int c = 0; c < static_cast<int>(product.extent(1)); ++c)
          product(i, c) = right_hand_sides(i, c) - product(i, c);
      });
  auto const residual_norms = detail::reproducible_column_dots(op.space(), op.communicator(), product, product);
  auto const rhs_norms =
      detail::reproducible_column_dots(op.space(), op.communicator(), right_hand_sides, right_hand_sides);
  ASSERT_EQ(result.reasons.size(), residual_norms.size());
  for (std::size_t c = 0; c < residual_norms.size(); ++c) {
    double const residual = std::sqrt(residual_norms[c]), rhs = std::sqrt(rhs_norms[c]);
    double const relative = rhs > 0 ? residual / rhs : residual;
    EXPECT_NEAR(result.relative_residuals[c], relative, 1e-6 * relative + 1e-300) << "column " << c;
    if (is_converged(result.reasons[c])) {
      EXPECT_LE(residual, std::max(criteria.relative_tolerance * rhs, criteria.absolute_tolerance))
          << "column " << c << " says " << to_string(result.reasons[c]) << " with true relative residual " << relative;
    }
  }
}

/// kernelsolve::conjugate_gradient, with its verdicts checked.
template <class Operator>
SolveResult conjugate_gradient(Operator const& op, typename Operator::block_type const& right_hand_sides,
                               typename Operator::block_type const& solution, StoppingCriteria const& criteria = {},
                               SolveMonitor* monitor = nullptr) {
  auto const result = kernelsolve::conjugate_gradient(op, right_hand_sides, solution, criteria, monitor);
  expect_honest_verdicts(op, right_hand_sides, solution, result, criteria);
  return result;
}

/// kernelsolve::preconditioned_conjugate_gradient, with its verdicts checked.
template <class Operator, class Preconditioner>
SolveResult preconditioned_conjugate_gradient(Operator const& op, Preconditioner const& preconditioner,
                                              typename Operator::block_type const& right_hand_sides,
                                              typename Operator::block_type const& solution,
                                              StoppingCriteria const& criteria = {}, SolveMonitor* monitor = nullptr,
                                              InitialGuess guess = InitialGuess::zero) {
  auto const result = kernelsolve::preconditioned_conjugate_gradient(op, preconditioner, right_hand_sides, solution,
                                                                     criteria, monitor, guess);
  expect_honest_verdicts(op, right_hand_sides, solution, result, criteria);
  return result;
}

}  // namespace kernelsolve::test
