// Conjugate gradients on a distributed operator for Dv right-hand sides at once, each column with its own step
// sizes and its own stopping test. Dot products are reproducible (detail/reproducible_dot.hpp): the iterations and
// the solution are the same on any number of ranks and threads.
#pragma once

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/non_finite.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/solver/convergence.hpp>
#include <kernelsolve/solver/detail/cg_kernels.hpp>
#include <kernelsolve/solver/monitor.hpp>
#include <kernelsolve/solver/solve_result.hpp>

#include <KokkosBlas1_axpby.hpp>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace kernelsolve {

namespace detail {

/// dots[c] = sum over all ranks and local rows i of x(i, c) y(i, c), identical on any rank count (collective).
template <class Operator, class Block>
std::vector<double> global_column_dots(Operator const& op, Block const& x, Block const& y) {
  return reproducible_column_dots(op.space(), op.communicator(), x, y);
}

inline void check_stopping_criteria(StoppingCriteria const& criteria) {
  KS_USER_REQUIRE(std::isfinite(criteria.relative_tolerance) && criteria.relative_tolerance >= 0,
                  "the relative tolerance (rtol) must be finite and >= 0, got ", criteria.relative_tolerance);
  KS_USER_REQUIRE(std::isfinite(criteria.absolute_tolerance) && criteria.absolute_tolerance >= 0,
                  "the absolute tolerance (atol) must be finite and >= 0, got ", criteria.absolute_tolerance);
  KS_USER_REQUIRE(criteria.relative_tolerance > 0 || criteria.absolute_tolerance > 0,
                  "at least one of rtol and atol must be > 0");
  KS_USER_REQUIRE(criteria.max_iterations >= 0, "max_iterations must be >= 0, got ", criteria.max_iterations);
}

}  // namespace detail

/// \brief Solves (K + alpha I) X = B by conjugate gradients, matrix-free and distributed (collective).
///
/// Column k runs its own CG (its own alpha_k, beta_k) and stops when ||r_k|| <= max(rtol ||b_k||, atol), on a
/// breakdown, on NaN/Inf, or after max_iterations; the others go on. The initial guess is X = 0.
/// \param op                the distributed operator (K + alpha I must be symmetric positive definite).
/// \param right_hand_sides  B: op.local_rows() x Dv, this rank's rows.
/// \param solution          X: same shape, overwritten with the solution.
/// \param monitor           optional observer, called after every iteration on every rank.
/// \return per-column reasons, iterations and true relative residuals ||b_k - A x_k|| / ||b_k||. Never throws
///         because a column did not converge: the result says so.
/// \throws InvalidArgument (on every rank) for mismatched extents, Dv = 0 or differing between ranks, invalid
///         criteria, or NaN/Inf in B.
template <class Kernel, class ExecutionSpace, class MemorySpace>
SolveResult conjugate_gradient(
    DistributedOperator<Kernel, ExecutionSpace, MemorySpace> const& op,
    typename DistributedOperator<Kernel, ExecutionSpace, MemorySpace>::block_type const& right_hand_sides,
    typename DistributedOperator<Kernel, ExecutionSpace, MemorySpace>::block_type const& solution,
    StoppingCriteria const& criteria = {}, SolveMonitor* monitor = nullptr) {
  using scalar_type = typename Kernel::value_type;
  using block_type = typename DistributedOperator<Kernel, ExecutionSpace, MemorySpace>::block_type;
  detail::ProfilingRegion region("kernelsolve::conjugate_gradient");
  auto const& comm = op.communicator();
  auto const& space = op.space();

  // Arguments: agreed on by all ranks before anyone throws.
  detail::check_stopping_criteria(criteria);
  KS_REQUIRE_EQUAL_EXTENTS("right_hand_sides.extent(0)", right_hand_sides.extent(0), "the operator's local rows",
                           op.local_rows());
  KS_REQUIRE_EQUAL_EXTENTS("solution.extent(0)", solution.extent(0), "right_hand_sides.extent(0)",
                           right_hand_sides.extent(0));
  KS_REQUIRE_EQUAL_EXTENTS("solution.extent(1)", solution.extent(1), "right_hand_sides.extent(1)",
                           right_hand_sides.extent(1));
  auto const columns = static_cast<std::int64_t>(right_hand_sides.extent(1));
  KS_USER_REQUIRE(comm.min_over_ranks(columns) == comm.max_over_ranks(columns),
                  "the right-hand sides must have the same number of columns Dv on every rank");
  KS_USER_REQUIRE(columns >= 1, "the right-hand sides must have Dv >= 1 columns, got ", columns);
  comm.throw_if_any_rank_failed(detail::count_non_finite(space, right_hand_sides) > 0,
                                "kernelsolve::conjugate_gradient: the right-hand sides contain NaN or Inf values");

  // Workspace, allocated once per solve: r (residual), p (direction), q = A p.
  auto const rows = right_hand_sides.extent(0);
  block_type residual(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::cg::residual"), rows, columns);
  block_type direction(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::cg::direction"), rows, columns);
  block_type operator_direction(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::cg::A_direction"), rows,
                                columns);
  Kokkos::View<scalar_type*, MemorySpace> step("kernelsolve::cg::step", columns);  // alpha_k, then beta_k
  Kokkos::View<int*, MemorySpace> active("kernelsolve::cg::active", columns);
  auto step_host = Kokkos::create_mirror_view(step);
  auto active_host = Kokkos::create_mirror_view(active);

  SolveResult result;
  auto const column_count = static_cast<std::size_t>(columns);
  result.column_iterations.assign(column_count, 0);
  result.reasons.assign(column_count, ConvergenceReason::iterating);
  result.recursive_residuals.assign(column_count, 0.0);

  // x = 0, r = b, p = r
  Kokkos::deep_copy(space, solution, scalar_type(0));
  Kokkos::deep_copy(space, residual, right_hand_sides);
  Kokkos::deep_copy(space, direction, right_hand_sides);
  std::vector<double> const rhs_norms = [&] {
    auto norms = detail::global_column_dots(op, right_hand_sides, right_hand_sides);
    for (auto& n : norms) n = std::sqrt(n);
    return norms;
  }();
  std::vector<double> residual_norms_squared(rhs_norms.size());
  for (std::size_t c = 0; c < column_count; ++c) residual_norms_squared[c] = rhs_norms[c] * rhs_norms[c];

  // Marks column c stopped or converged from its residual norm ||r_c||; returns false when it stopped.
  auto const check_column = [&](std::size_t c, double residual_norm_squared) {
    double const residual_norm = std::sqrt(residual_norm_squared);
    result.recursive_residuals[c] = rhs_norms[c] > 0 ? residual_norm / rhs_norms[c] : residual_norm;
    if (!std::isfinite(residual_norm)) {
      result.reasons[c] = ConvergenceReason::diverged_nan_or_inf;
    } else if (rhs_norms[c] > 0 && residual_norm <= criteria.relative_tolerance * rhs_norms[c]) {
      result.reasons[c] = ConvergenceReason::converged_rtol;
    } else if (residual_norm <= criteria.absolute_tolerance || rhs_norms[c] == 0) {
      result.reasons[c] = ConvergenceReason::converged_atol;
    }
    return result.reasons[c] == ConvergenceReason::iterating;
  };
  auto const any_active = [&] {
    return std::any_of(result.reasons.begin(), result.reasons.end(),
                       [](ConvergenceReason r) { return r == ConvergenceReason::iterating; });
  };
  auto const publish_active = [&] {
    for (std::size_t c = 0; c < column_count; ++c)
      active_host(c) = result.reasons[c] == ConvergenceReason::iterating ? 1 : 0;
    Kokkos::deep_copy(space, active, active_host);
  };

  for (std::size_t c = 0; c < column_count; ++c) check_column(c, residual_norms_squared[c]);
  if (monitor) monitor->on_iteration(0, result.recursive_residuals);

  for (int iteration = 1; iteration <= criteria.max_iterations && any_active(); ++iteration) {
    // q = A p;  alpha_k = (r_k . r_k) / (p_k . q_k)
    op.apply(direction, operator_direction);
    auto const curvatures = detail::global_column_dots(op, direction, operator_direction);
    for (std::size_t c = 0; c < column_count; ++c) {
      step_host(c) = 0;
      if (result.reasons[c] != ConvergenceReason::iterating) continue;
      result.column_iterations[c] = iteration;
      if (!std::isfinite(curvatures[c])) {
        result.reasons[c] = ConvergenceReason::diverged_nan_or_inf;
      } else if (curvatures[c] <= 0) {
        result.reasons[c] = ConvergenceReason::diverged_breakdown;
      } else {
        step_host(c) = static_cast<scalar_type>(residual_norms_squared[c] / curvatures[c]);
      }
    }
    publish_active();
    Kokkos::deep_copy(space, step, step_host);
    // x_k += alpha_k p_k;  r_k -= alpha_k q_k
    detail::cg_update_solution_and_residual(space, direction, operator_direction, step, active, solution, residual);

    // beta_k = (r_k . r_k)_new / (r_k . r_k)_old;  p_k = r_k + beta_k p_k
    auto const new_norms_squared = detail::global_column_dots(op, residual, residual);
    for (std::size_t c = 0; c < column_count; ++c) {
      step_host(c) = 0;
      if (result.reasons[c] != ConvergenceReason::iterating) continue;
      if (check_column(c, new_norms_squared[c])) {
        step_host(c) = static_cast<scalar_type>(new_norms_squared[c] / residual_norms_squared[c]);
        residual_norms_squared[c] = new_norms_squared[c];
        if (iteration == criteria.max_iterations) result.reasons[c] = ConvergenceReason::diverged_max_iterations;
      }
    }
    publish_active();
    Kokkos::deep_copy(space, step, step_host);
    detail::cg_update_direction(space, residual, step, active, direction);
    result.iterations = iteration;
    if (monitor) monitor->on_iteration(iteration, result.recursive_residuals);
  }
  for (auto& reason : result.reasons) {
    if (reason == ConvergenceReason::iterating) reason = ConvergenceReason::diverged_max_iterations;  // max_it = 0
  }

  // The true residual b - A x, which the recursive one only approximates in floating point.
  op.apply(solution, operator_direction);
  Kokkos::deep_copy(space, residual, right_hand_sides);
  space.fence();  // KokkosBlas runs on the default instance
  KokkosBlas::axpy(scalar_type(-1), operator_direction, residual);
  auto const true_norms_squared = detail::global_column_dots(op, residual, residual);
  result.relative_residuals.resize(column_count);
  for (std::size_t c = 0; c < column_count; ++c) {
    double const norm = std::sqrt(true_norms_squared[c]);
    result.relative_residuals[c] = rhs_norms[c] > 0 ? norm / rhs_norms[c] : norm;
  }
  return result;
}

}  // namespace kernelsolve
