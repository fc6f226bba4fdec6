// The preconditioned conjugate gradient for any distributed operator (solver/linear_operator.hpp) and any
// preconditioner (solver/preconditioner.hpp), Dv right-hand sides at once, each column with its own step sizes and
// its own stopping test; a solver object keeps its workspace across solves. Dot products are reproducible
// (detail/reproducible_dot.hpp): the iterations and the solution are the same on any number of ranks and threads.
#pragma once

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/non_finite.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/solver/convergence.hpp>
#include <kernelsolve/solver/detail/cg_kernels.hpp>
#include <kernelsolve/solver/linear_operator.hpp>
#include <kernelsolve/solver/monitor.hpp>
#include <kernelsolve/solver/preconditioner.hpp>
#include <kernelsolve/solver/solve_result.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kernelsolve {

/// Where a solve starts: X = 0, or the X the caller passes (a warm start, e.g. the solution of a nearby problem).
enum class InitialGuess { zero, given };

namespace detail {

/// The rule the criteria break, or nothing when they are valid.
inline std::optional<std::string> invalid_stopping_criteria(StoppingCriteria const& criteria) {
  if (!(std::isfinite(criteria.relative_tolerance) && criteria.relative_tolerance >= 0))
    return concatenate("the relative tolerance (rtol) must be finite and >= 0, got ", criteria.relative_tolerance);
  if (!(std::isfinite(criteria.absolute_tolerance) && criteria.absolute_tolerance >= 0))
    return concatenate("the absolute tolerance (atol) must be finite and >= 0, got ", criteria.absolute_tolerance);
  if (!(criteria.relative_tolerance > 0 || criteria.absolute_tolerance > 0))
    return std::string("at least one of rtol and atol must be > 0");
  if (criteria.max_iterations < 0) return concatenate("max_iterations must be >= 0, got ", criteria.max_iterations);
  return std::nullopt;
}

/// Throws Exception on every rank when any rank found a problem (collective; the lowest such rank's message).
template <class Exception>
void throw_on_every_rank_if(Communicator const& comm, std::optional<std::string> const& problem_here,
                            char const* where) {
  if (auto message = comm.message_of_first_failed_rank(problem_here.has_value(), problem_here.value_or("")))
    throw Exception(concatenate("kernelsolve::", where, ": ", *message));
}

}  // namespace detail

/// \brief Preconditioned conjugate gradients on a distributed operator, with a workspace kept between solves.
///
/// Solves A X = B for symmetric positive definite A and preconditioner M: column k runs its own PCG (its own alpha_k,
/// beta_k) and stops when ||r_k|| <= max(rtol ||b_k||, atol), on a breakdown, on NaN/Inf, or after max_iterations;
/// the others go on. The workspace (four blocks of local_rows() x Dv, and the partial sums of the dot products) is
/// allocated on the first solve and reused by every later solve with the same Dv: the adjoint solve of a gradient,
/// new right-hand sides, refinement steps allocate nothing.
/// The solver holds a reference to the operator, which must outlive it.
/// \tparam Operator a model of is_linear_operator, e.g. DistributedOperator<Gaussian<double>>.
template <class Operator>
class ConjugateGradient {
 public:
  using operator_type = Operator;
  using block_type = typename Operator::block_type;
  using scalar_type = typename Operator::scalar_type;
  using memory_space = typename Operator::memory_space;

  explicit ConjugateGradient(Operator const& op) : op_(op) { detail::check_linear_operator<Operator>(); }

  /// \brief Solves A X = B, preconditioned by M (collective).
  /// \param right_hand_sides  B: op.local_rows() x Dv, this rank's rows.
  /// \param solution          X: same shape; the initial guess when guess == InitialGuess::given, and the solution.
  /// \param preconditioner    M^{-1} by apply(r, z) (is_preconditioner_for); IdentityPreconditioner{} for plain CG.
  /// \param monitor           optional observer, called after every iteration on every rank.
  /// \return per-column reasons, iterations and true relative residuals ||b_k - A x_k|| / ||b_k||. Never throws
  ///         because a column did not converge: the result says so.
  /// \throws DimensionMismatch (on every rank) when any rank's blocks do not fit the operator; InvalidArgument (on
  ///         every rank) for Dv = 0 or differing between ranks, invalid criteria, or NaN/Inf in B or the given X.
  template <class Preconditioner = IdentityPreconditioner>
  SolveResult solve(block_type const& right_hand_sides, block_type const& solution,
                    StoppingCriteria const& criteria = {}, Preconditioner const& preconditioner = {},
                    SolveMonitor* monitor = nullptr, InitialGuess guess = InitialGuess::zero);

  /// How many times the workspace was allocated (1 after any number of solves with the same Dv).
  [[nodiscard]] int workspace_allocations() const { return workspace_allocations_; }
  [[nodiscard]] Operator const& op() const { return op_; }

 private:
  void check_arguments(block_type const& right_hand_sides, block_type const& solution, StoppingCriteria const& criteria,
                       InitialGuess guess) const;
  void allocate_workspace(std::size_t columns, bool with_preconditioned_residual);

  Operator const& op_;
  block_type residual_;                            ///< r = b - A x
  block_type preconditioned_;                      ///< z = M^{-1} r (unused, empty, for the identity)
  block_type direction_;                           ///< p
  block_type operator_direction_;                  ///< q = A p
  Kokkos::View<scalar_type*, memory_space> step_;  ///< alpha_k, then beta_k
  Kokkos::View<int*, memory_space> active_;
  typename Kokkos::View<scalar_type*, memory_space>::HostMirror step_host_;
  typename Kokkos::View<int*, memory_space>::HostMirror active_host_;
  detail::ReductionScratch<memory_space> reduction_scratch_;  ///< partial sums of the dot products
  int workspace_allocations_ = 0;
};

template <class Operator>
void ConjugateGradient<Operator>::check_arguments(block_type const& right_hand_sides, block_type const& solution,
                                                  StoppingCriteria const& criteria, InitialGuess guess) const {
  auto const& comm = op_.communicator();
  auto const& space = op_.space();
  // Every check is agreed on by all ranks before anyone throws: a rank that threw alone would leave the others
  // waiting in the solver's first collective.
  detail::throw_on_every_rank_if<InvalidArgument>(comm, detail::invalid_stopping_criteria(criteria), "cg");
  std::optional<std::string> shape_problem;
  auto const local_rows = static_cast<long long>(op_.local_rows());
  if (static_cast<long long>(right_hand_sides.extent(0)) != local_rows ||
      solution.extent(0) != right_hand_sides.extent(0) || solution.extent(1) != right_hand_sides.extent(1)) {
    shape_problem =
        detail::concatenate("the right-hand sides (", right_hand_sides.extent(0), " x ", right_hand_sides.extent(1),
                            ") and the solution (", solution.extent(0), " x ", solution.extent(1),
                            ") must both have the operator's ", local_rows, " local rows and the same columns");
  }
  detail::throw_on_every_rank_if<DimensionMismatch>(comm, shape_problem, "cg");
  auto const columns = static_cast<std::int64_t>(right_hand_sides.extent(1));
  KS_USER_REQUIRE(comm.min_over_ranks(columns) == comm.max_over_ranks(columns),
                  "the right-hand sides must have the same number of columns Dv on every rank");
  KS_USER_REQUIRE(columns >= 1, "the right-hand sides must have Dv >= 1 columns, got ", columns);
  comm.throw_if_any_rank_failed(detail::count_non_finite(space, right_hand_sides) > 0,
                                "kernelsolve::cg: the right-hand sides contain NaN or Inf values");
  if (guess == InitialGuess::given) {
    comm.throw_if_any_rank_failed(detail::count_non_finite(space, solution) > 0,
                                  "kernelsolve::cg: the initial guess (the given solution) contains NaN or Inf values");
  }
}

template <class Operator>
void ConjugateGradient<Operator>::allocate_workspace(std::size_t columns, bool with_preconditioned_residual) {
  auto const rows = static_cast<std::size_t>(op_.local_rows());
  bool const fits = residual_.extent(1) == columns && residual_.extent(0) == rows &&
                    (!with_preconditioned_residual || preconditioned_.extent(1) == columns);
  if (fits) return;
  auto const block = [&](char const* label) {
    return block_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), rows, columns);
  };
  residual_ = block("kernelsolve::cg::residual");
  direction_ = block("kernelsolve::cg::direction");
  operator_direction_ = block("kernelsolve::cg::A_direction");
  preconditioned_ = with_preconditioned_residual ? block("kernelsolve::cg::preconditioned_residual") : block_type();
  step_ = Kokkos::View<scalar_type*, memory_space>("kernelsolve::cg::step", columns);
  active_ = Kokkos::View<int*, memory_space>("kernelsolve::cg::active", columns);
  step_host_ = Kokkos::create_mirror_view(step_);
  active_host_ = Kokkos::create_mirror_view(active_);
  ++workspace_allocations_;
}

template <class Operator>
template <class Preconditioner>
SolveResult ConjugateGradient<Operator>::solve(block_type const& right_hand_sides, block_type const& solution,
                                               StoppingCriteria const& criteria, Preconditioner const& preconditioner,
                                               SolveMonitor* monitor, InitialGuess guess) {
  static_assert(is_preconditioner_for<Preconditioner, Operator>::value,
                "ConjugateGradient::solve: the preconditioner must provide apply(block_type const& residual, "
                "block_type const& out) const (see solver/preconditioner.hpp)");
  constexpr bool identity = is_identity_preconditioner_v<Preconditioner>;
  (void)preconditioner;  // not called for the identity
  detail::ProfilingRegion region("kernelsolve::cg::solve");
  auto const& comm = op_.communicator();
  auto const& space = op_.space();
  check_arguments(right_hand_sides, solution, criteria, guess);
  auto const column_count = static_cast<std::size_t>(right_hand_sides.extent(1));
  allocate_workspace(column_count, !identity);
  // z aliases r for the identity: then z = M^{-1} r costs nothing and r . z = r . r.
  block_type const& preconditioned = identity ? residual_ : preconditioned_;
  auto const dots = [&](block_type const& x, block_type const& y) {
    return detail::reproducible_column_dots(space, comm, x, y, &reduction_scratch_);
  };

  SolveResult result;
  result.column_iterations.assign(column_count, 0);
  result.reasons.assign(column_count, ConvergenceReason::iterating);
  result.recursive_residuals.assign(column_count, 0.0);

  // x = 0 and r = b, or r = b - A x for a given x
  if (guess == InitialGuess::zero) {
    Kokkos::deep_copy(space, solution, scalar_type(0));
    Kokkos::deep_copy(space, residual_, right_hand_sides);
  } else {
    op_.apply(solution, operator_direction_);
    detail::cg_residual(space, right_hand_sides, operator_direction_, residual_);
  }
  std::vector<double> rhs_norms = dots(right_hand_sides, right_hand_sides);
  for (auto& norm : rhs_norms) norm = std::sqrt(norm);
  std::vector<double> residual_norms_squared(column_count);
  if (guess == InitialGuess::zero) {
    for (std::size_t c = 0; c < column_count; ++c) residual_norms_squared[c] = rhs_norms[c] * rhs_norms[c];
  } else {
    residual_norms_squared = dots(residual_, residual_);
  }

  // Marks column c stopped or converged from its residual norm ||r_c||; returns false when it stopped.
  auto const check_column = [&](std::size_t c, double residual_norm_squared) {
    double const residual_norm = std::sqrt(residual_norm_squared);
    result.recursive_residuals[c] = rhs_norms[c] > 0 ? residual_norm / rhs_norms[c] : residual_norm;
    if (!std::isfinite(residual_norm)) {
      result.reasons[c] = ConvergenceReason::diverged_nan_or_inf;
    } else if (rhs_norms[c] > 0 && residual_norm <= criteria.relative_tolerance * rhs_norms[c]) {
      result.reasons[c] = ConvergenceReason::converged_rtol;
    } else if (residual_norm <= criteria.absolute_tolerance || residual_norm == 0) {
      result.reasons[c] = ConvergenceReason::converged_atol;
    }
    return result.reasons[c] == ConvergenceReason::iterating;
  };
  auto const any_active = [&] {
    return std::any_of(result.reasons.begin(), result.reasons.end(),
                       [](ConvergenceReason r) { return r == ConvergenceReason::iterating; });
  };
  auto const publish_steps = [&] {
    for (std::size_t c = 0; c < column_count; ++c)
      active_host_(c) = result.reasons[c] == ConvergenceReason::iterating ? 1 : 0;
    Kokkos::deep_copy(space, active_, active_host_);
    Kokkos::deep_copy(space, step_, step_host_);
  };
  // z = M^{-1} r and rho_k = r_k . z_k (with rho_k = ||r_k||^2 for the identity); a column whose rho_k is not
  // positive has met a preconditioner that is not positive definite.
  auto const precondition = [&](std::vector<double> const& norms_squared) {
    if constexpr (identity) {
      return norms_squared;
    } else {
      preconditioner.apply(residual_, preconditioned_);
      auto rho = dots(residual_, preconditioned_);
      for (std::size_t c = 0; c < column_count; ++c) {
        if (result.reasons[c] != ConvergenceReason::iterating) continue;
        if (!std::isfinite(rho[c])) {
          result.reasons[c] = ConvergenceReason::diverged_nan_or_inf;
        } else if (rho[c] <= 0) {
          result.reasons[c] = ConvergenceReason::diverged_breakdown;
        }
      }
      return rho;
    }
  };

  for (std::size_t c = 0; c < column_count; ++c) check_column(c, residual_norms_squared[c]);
  if (monitor) monitor->on_iteration(0, result.recursive_residuals);
  std::vector<double> rho = precondition(residual_norms_squared);
  Kokkos::deep_copy(space, direction_, preconditioned);  // p = z

  for (int iteration = 1; iteration <= criteria.max_iterations && any_active(); ++iteration) {
    // q = A p;  alpha_k = rho_k / (p_k . q_k)
    op_.apply(direction_, operator_direction_);
    auto const curvatures = dots(direction_, operator_direction_);
    for (std::size_t c = 0; c < column_count; ++c) {
      step_host_(c) = 0;
      if (result.reasons[c] != ConvergenceReason::iterating) continue;
      result.column_iterations[c] = iteration;
      if (!std::isfinite(curvatures[c])) {
        result.reasons[c] = ConvergenceReason::diverged_nan_or_inf;
      } else if (curvatures[c] <= 0) {
        result.reasons[c] = ConvergenceReason::diverged_breakdown;
      } else {
        step_host_(c) = static_cast<scalar_type>(rho[c] / curvatures[c]);
      }
    }
    publish_steps();
    // x_k += alpha_k p_k;  r_k -= alpha_k q_k
    detail::cg_update_solution_and_residual(space, direction_, operator_direction_, step_, active_, solution,
                                            residual_);

    // ||r_k||: the stopping test; then z = M^{-1} r, beta_k = rho_k,new / rho_k;  p_k = z_k + beta_k p_k
    auto const new_norms_squared = dots(residual_, residual_);
    for (std::size_t c = 0; c < column_count; ++c) {
      if (result.reasons[c] == ConvergenceReason::iterating) check_column(c, new_norms_squared[c]);
    }
    auto const new_rho = any_active() ? precondition(new_norms_squared) : new_norms_squared;
    for (std::size_t c = 0; c < column_count; ++c) {
      step_host_(c) = 0;
      if (result.reasons[c] != ConvergenceReason::iterating) continue;
      step_host_(c) = static_cast<scalar_type>(new_rho[c] / rho[c]);
      rho[c] = new_rho[c];
      if (iteration == criteria.max_iterations) result.reasons[c] = ConvergenceReason::diverged_max_iterations;
    }
    publish_steps();
    detail::cg_update_direction(space, preconditioned, step_, active_, direction_);
    result.iterations = iteration;
    if (monitor) monitor->on_iteration(iteration, result.recursive_residuals);
  }
  for (auto& reason : result.reasons) {
    if (reason == ConvergenceReason::iterating) reason = ConvergenceReason::diverged_max_iterations;  // max_it = 0
  }

  // The true residual b - A x, which the recursive one only approximates in floating point.
  op_.apply(solution, operator_direction_);
  detail::cg_residual(space, right_hand_sides, operator_direction_, residual_);
  auto const true_norms_squared = dots(residual_, residual_);
  result.relative_residuals.resize(column_count);
  for (std::size_t c = 0; c < column_count; ++c) {
    double const norm = std::sqrt(true_norms_squared[c]);
    result.relative_residuals[c] = rhs_norms[c] > 0 ? norm / rhs_norms[c] : norm;
  }
  return result;
}

/// \brief Solves A X = B by conjugate gradients from X = 0 (collective); see ConjugateGradient::solve.
/// Allocates its workspace for this one solve: keep a ConjugateGradient to reuse it.
template <class Operator>
SolveResult conjugate_gradient(Operator const& op, typename Operator::block_type const& right_hand_sides,
                               typename Operator::block_type const& solution, StoppingCriteria const& criteria = {},
                               SolveMonitor* monitor = nullptr) {
  return ConjugateGradient<Operator>(op).solve(right_hand_sides, solution, criteria, IdentityPreconditioner{}, monitor);
}

/// \brief Solves A X = B by conjugate gradients preconditioned by M (collective), from X = 0 or from the X given;
/// see ConjugateGradient::solve.
template <class Operator, class Preconditioner>
SolveResult preconditioned_conjugate_gradient(Operator const& op, Preconditioner const& preconditioner,
                                              typename Operator::block_type const& right_hand_sides,
                                              typename Operator::block_type const& solution,
                                              StoppingCriteria const& criteria = {}, SolveMonitor* monitor = nullptr,
                                              InitialGuess guess = InitialGuess::zero) {
  return ConjugateGradient<Operator>(op).solve(right_hand_sides, solution, criteria, preconditioner, monitor, guess);
}

}  // namespace kernelsolve
