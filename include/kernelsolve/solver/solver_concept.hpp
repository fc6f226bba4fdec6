// What iterative refinement and the gradient need from a solver, checked at compile time with messages in words: a
// Krylov method over a linear operator that keeps its workspace between solves. ConjugateGradient and
// IterativeRefinement are models; another Krylov method is one more.
#pragma once

#include <kernelsolve/operator/linear_operator.hpp>
#include <kernelsolve/solver/convergence.hpp>
#include <kernelsolve/solver/monitor.hpp>
#include <kernelsolve/solver/preconditioner.hpp>
#include <kernelsolve/solver/solve_result.hpp>

#include <type_traits>
#include <utility>

namespace kernelsolve {

/// \brief True when Solver solves A X = B for the linear operator Operator:
///   - types `operator_type` (= Operator) and `block_type` (Operator's);
///   - `Operator const& op() const`;
///   - `SolveResult solve(block_type const& B, block_type const& X, StoppingCriteria const&, Preconditioner const&,
///     SolveMonitor*)` for any preconditioner of Operator (checked with IdentityPreconditioner), honouring
///     StoppingCriteria::true_residual: with TrueResidualCheck::verify (the default) a column converges only when
///     its true residual meets the tolerance.
template <class Solver, class Operator, class = void>
struct is_solver_for : std::false_type {};

template <class Solver, class Operator>
struct is_solver_for<
    Solver, Operator,
    std::void_t<typename Solver::operator_type, typename Solver::block_type,
                decltype(std::declval<Solver const&>().op()),
                decltype(std::declval<Solver&>().solve(
                    std::declval<typename Operator::block_type const&>(),
                    std::declval<typename Operator::block_type const&>(), std::declval<StoppingCriteria const&>(),
                    std::declval<IdentityPreconditioner const&>(), std::declval<SolveMonitor*>()))>>
    : std::bool_constant<
          is_linear_operator<Operator>::value && std::is_same_v<typename Solver::operator_type, Operator> &&
          std::is_same_v<typename Solver::block_type, typename Operator::block_type> &&
          std::is_same_v<decltype(std::declval<Solver&>().solve(std::declval<typename Operator::block_type const&>(),
                                                                std::declval<typename Operator::block_type const&>(),
                                                                std::declval<StoppingCriteria const&>(),
                                                                std::declval<IdentityPreconditioner const&>(),
                                                                std::declval<SolveMonitor*>())),
                         SolveResult>> {};

namespace detail {

/// A static_assert with the rule in words, for refinement's inner solver and the gradient's.
template <class Solver, class Operator>
constexpr void check_solver_for() {
  static_assert(is_solver_for<Solver, Operator>::value,
                "kernelsolve: the solver must provide operator_type (its operator), block_type, op() const, and "
                "SolveResult solve(block_type const& B, block_type const& X, StoppingCriteria const&, "
                "Preconditioner const&, SolveMonitor*) honouring StoppingCriteria::true_residual (see "
                "solver/solver_concept.hpp)");
}

}  // namespace detail
}  // namespace kernelsolve
