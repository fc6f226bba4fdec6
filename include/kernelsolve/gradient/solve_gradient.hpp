// Derivatives of the solution of (K(x, x) + alpha I) c = b: the vector-Jacobian product of a cotangent e through
// one adjoint solve a = (K + alpha I)^{-1} e and two gradient reductions over pairs, no autodiff machinery.
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/product/kernel_gradient.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/solver_concept.hpp>

#include <Kokkos_Core.hpp>

#include <limits>
#include <optional>
#include <string>
#include <type_traits>

namespace kernelsolve {
/// \brief The gradients of L = <e, c> for c = (K + alpha I)^{-1} b, on this rank's rows.
template <class Operator>
struct SolveGradient {
  using block_type = typename Operator::block_type;
  block_type right_hand_sides;  ///< dL/db = a = (K + alpha I)^{-1} e, local_rows() x Dv
  block_type points;            ///< dL/dx, local_rows() x D (x as both i- and j-points): the sum of the two below
  /// dL/dx as the i-points (targets) alone and as the j-points (sources) alone: what a caller who passes the points
  /// twice as two variables (KeOps' Kinv(x, y, b), PyTorch autograd) needs for each.
  block_type points_as_targets;
  block_type points_as_sources;
  double ridge = 0;  ///< dL/dalpha = -sum a . c
  /// dL/dg = -sum_ij dk_ij/dg (a_i . c_j); NaN when the kernel has no parameter_derivative.
  /// For the Gaussian's sigma: dL/dsigma = kernel_parameter * (-1 / sigma^3).
  double kernel_parameter = std::numeric_limits<double>::quiet_NaN();
  SolveResult adjoint;  ///< how the adjoint solve (K + alpha I) a = e went
  /// The cutoff of the pair sums over all ranks (nothing: all pairs). Per row, what they drop is at most
  ///   |dL/dx_m,d| : cutoff->dropped_gradient_row_sum (max_j |a_m . c_j| + max_j |c_m . a_j|),
  ///   |dL/dg|     : cutoff->dropped_parameter_row_sum sum_m max_j |a_m . c_j|   (cutoff_summary.hpp).
  std::optional<CutoffSummary> cutoff;
};

/// \brief Vector-Jacobian product of the solve: the gradients of L = <cotangent, solution> with respect to the
/// right-hand sides, the ridge alpha, the kernel parameter g and the points (collective).
///
/// With a = (K + alpha I)^{-1} e (one more solve with the same operator, K being symmetric):
///   dL/db = a,   dL/dalpha = -sum a . c,   dL/dg = -sum_ij dk_ij/dg (a_i . c_j),
///   dL/dx_m = -sum_j 2 k'(|x_m - x_j|^2) (a_m . c_j + c_m . a_j) (x_m - x_j)   (x as i-points and as j-points).
/// Memory: the operator's points are reused; a and c are gathered once (O(N Dv)).
/// \param solver         the solver of the forward solve, whose workspace the adjoint solve reuses:
///                       ConjugateGradient<Operator>, or IterativeRefinement (mixed precision: the adjoint solve
///                       refined the same way, the gradient sums in the outer precision), for any kernel operator
///                       (operator/kernel_operator.hpp): DistributedOperator or your own.
/// \param preconditioner the forward solve's preconditioner (built once, used for both solves); M is symmetric, so
///                       it preconditions the adjoint system as well.
/// \param solution       c, the solution of the forward solve: local_rows() x Dv.
/// \param cotangent      e, same shape.  \param criteria, monitor: for the adjoint solve.
/// \param truncation     the pair sums over the cutoff pattern at this truncation (cutoff_pattern.hpp); without one,
///                       over the pattern of the solver's operator (all pairs unless it was truncated).
/// \throws DimensionMismatch (on every rank) when the shapes differ on any rank; InvalidArgument for NaN/Inf in e
///         or a truncation outside (0, 1) (agreed by all ranks).
template <class Solver, class Preconditioner>
SolveGradient<typename Solver::operator_type> solve_gradient(Solver& solver, Preconditioner const& preconditioner,
                                                             typename Solver::block_type const& solution,
                                                             typename Solver::block_type const& cotangent,
                                                             StoppingCriteria const& criteria = {},
                                                             SolveMonitor* monitor = nullptr,
                                                             std::optional<double> const& truncation = std::nullopt) {
  using Operator = typename Solver::operator_type;
  detail::check_solver_for<Solver, Operator>();  // the adjoint solve
  detail::check_kernel_operator<Operator>();     // the pair sums need its kernel and points
  using Kernel = typename Operator::kernel_type;
  using ExecutionSpace = typename Operator::execution_space;
  using MemorySpace = typename Operator::memory_space;
  using block_type = typename Operator::block_type;
  using scalar_type = typename Operator::scalar_type;
  detail::ProfilingRegion region("kernelsolve::solve_gradient");
  auto const& op = solver.op();
  std::optional<std::string> shape_problem;
  if (cotangent.extent(0) != solution.extent(0) || cotangent.extent(1) != solution.extent(1)) {
    shape_problem =
        detail::concatenate("the cotangent (", cotangent.extent(0), " x ", cotangent.extent(1), ") and the solution (",
                            solution.extent(0), " x ", solution.extent(1), ") must have the same shape");
  }
  detail::throw_on_every_rank_if<DimensionMismatch>(op.communicator(), shape_problem, "solve_gradient");
  detail::throw_on_every_rank_if<InvalidArgument>(
      op.communicator(), detail::invalid_truncation_for<typename Operator::kernel_type>(truncation), "solve_gradient");
  auto const& space = op.space();
  auto const columns = static_cast<int>(solution.extent(1));
  auto const rows = op.local_rows();

  SolveGradient<Operator> gradient;
  // a = (K + alpha I)^{-1} e: checks e, and the shapes against the operator.
  gradient.right_hand_sides = op.allocate_block("kernelsolve::solve_gradient::adjoint", columns);
  gradient.adjoint = solver.solve(cotangent, gradient.right_hand_sides, criteria, preconditioner, monitor);
  auto const& adjoint = gradient.right_hand_sides;

  // dL/dalpha = -sum_k a_k . c_k
  for (double dot : detail::reproducible_column_dots(space, op.communicator(), adjoint, solution, nullptr,
                                                     detail::operator_timings(op))) {
    gradient.ridge -= dot;
  }

  // dL/dx = -(dB/dt(u = a, v = c) + dB/dt(u = c, v = a)) over all j: the i-role and the j-role of x.
  block_type all_adjoint(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::solve_gradient::all_adjoint"),
                         op.global_rows(), columns);
  block_type all_solution(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::solve_gradient::all_solution"),
                          op.global_rows(), columns);
  op.allgather_rows(adjoint, all_adjoint);
  op.allgather_rows(solution, all_solution);
  constexpr bool has_parameter = has_parameter_derivative<Kernel>::value;
  block_type parameter_rows("kernelsolve::solve_gradient::parameter_rows", has_parameter ? rows : 0, 1);
  gradient.points_as_targets = op.allocate_block("kernelsolve::solve_gradient::points_as_targets", op.dimension());
  gradient.points_as_sources = op.allocate_block("kernelsolve::solve_gradient::points_as_sources", op.dimension());
  gradient.points = op.allocate_block("kernelsolve::solve_gradient::points", op.dimension());
  auto const local_points = op.local_points();
  // The pairs of this rank's rows: the operator's own pattern (full, or its truncation's), or one at `truncation`.
  std::optional<CutoffPattern<MemorySpace>> own_pattern;
  if (truncation) {
    own_pattern = make_pattern<MemorySpace>(op.kernel(), op.points(), op.first_row(), rows, op.points(), truncation);
    auto const summary = detail::cutoff_summary_over_ranks(op.communicator(), own_pattern->summary());
    if (summary.truncation > 0) gradient.cutoff = summary;  // else the kernel can not be cut: all pairs
  } else {
    gradient.cutoff = detail::operator_cutoff_summary(op);
  }
  auto const pattern = own_pattern ? *own_pattern : detail::operator_pattern(op);
  {
    ScopedPhase timed(detail::operator_timings(op), Phase::kernel_product);
    kernel_gradient(space, op.kernel(), local_points, op.points(), adjoint, all_solution, gradient.points_as_targets,
                    Kokkos::subview(parameter_rows, Kokkos::ALL, 0), pattern);
    kernel_gradient(space, op.kernel(), local_points, op.points(), solution, all_adjoint, gradient.points_as_sources,
                    Kokkos::View<scalar_type*, MemorySpace>(), pattern);
  }
  ScopedPhase timed(detail::operator_timings(op), Phase::vector_updates);
  auto const as_targets = gradient.points_as_targets;
  auto const as_sources = gradient.points_as_sources;
  auto const points_gradient = gradient.points;
  int const dimension = op.dimension();
  Kokkos::parallel_for(
      "kernelsolve::solve_gradient::combine_roles", Kokkos::RangePolicy<ExecutionSpace>(space, 0, rows),
      KOKKOS_LAMBDA(int i) {
        for (int d = 0; d < dimension; ++d) {
          as_targets(i, d) = -as_targets(i, d);
          as_sources(i, d) = -as_sources(i, d);
          points_gradient(i, d) = as_targets(i, d) + as_sources(i, d);
        }
      });

  // dL/dg = -sum_i parameter_rows(i), summed reproducibly.
  if constexpr (has_parameter) {
    block_type ones("kernelsolve::solve_gradient::ones", rows, 1);
    Kokkos::deep_copy(space, ones, scalar_type(1));
    gradient.kernel_parameter = -detail::reproducible_column_dots(space, op.communicator(), parameter_rows, ones,
                                                                  nullptr, detail::operator_timings(op))
                                     .front();
  }
  space.fence();
  return gradient;
}

/// \brief solve_gradient with plain CG for the adjoint solve, on a workspace of its own, for any kernel operator.
template <class Operator, class = std::enable_if_t<is_kernel_operator<Operator>::value>>
SolveGradient<Operator> solve_gradient(Operator const& op, typename Operator::block_type const& solution,
                                       typename Operator::block_type const& cotangent,
                                       StoppingCriteria const& criteria = {}, SolveMonitor* monitor = nullptr) {
  ConjugateGradient<Operator> solver(op);
  return solve_gradient(solver, IdentityPreconditioner{}, solution, cotangent, criteria, monitor);
}

}  // namespace kernelsolve
