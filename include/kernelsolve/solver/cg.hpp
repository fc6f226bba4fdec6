// The preconditioned conjugate gradient for any distributed operator (operator/linear_operator.hpp) and any
// preconditioner (solver/preconditioner.hpp), Dv right-hand sides at once, each column with its own step sizes and
// its own stopping test; a solver object keeps its workspace across solves. Dot products are reproducible
// (detail/reproducible_dot.hpp): the iterations and the solution are the same on any number of ranks and threads.
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/non_finite.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/operator/linear_operator.hpp>
#include <kernelsolve/solver/convergence.hpp>
#include <kernelsolve/solver/detail/cg_kernels.hpp>
#include <kernelsolve/solver/monitor.hpp>
#include <kernelsolve/solver/preconditioner.hpp>
#include <kernelsolve/solver/solve_result.hpp>
#include <kernelsolve/solver/stop_token.hpp>

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
  // rtol >= 1 is met by c = 0 for every b (||b - A 0|| = ||b||): a "converged" answer that solved nothing.
  if (!(std::isfinite(criteria.relative_tolerance) && criteria.relative_tolerance >= 0 &&
        criteria.relative_tolerance < 1))
    return concatenate("the relative tolerance (rtol) must be in [0, 1) (rtol >= 1 accepts c = 0), got ",
                       criteria.relative_tolerance);
  if (!(std::isfinite(criteria.absolute_tolerance) && criteria.absolute_tolerance >= 0))
    return concatenate("the absolute tolerance (atol) must be finite and >= 0, got ", criteria.absolute_tolerance);
  if (!(criteria.relative_tolerance > 0 || criteria.absolute_tolerance > 0))
    return std::string("at least one of rtol and atol must be > 0");
  if (criteria.max_iterations < 0) return concatenate("max_iterations must be >= 0, got ", criteria.max_iterations);
  return std::nullopt;
}

/// A preconditioner's apply(residual, out): both of the operator's local rows and the same columns, agreed on by
/// every rank (DimensionMismatch on all of them otherwise).
template <class Operator, class Block>
void check_preconditioner_blocks(Operator const& op, Block const& residual, Block const& out, char const* where) {
  std::optional<std::string> shape_problem;
  if (static_cast<std::int64_t>(residual.extent(0)) != op.local_rows() || out.extent(0) != residual.extent(0) ||
      out.extent(1) != residual.extent(1)) {
    shape_problem = concatenate("the residual (", residual.extent(0), " x ", residual.extent(1), ") and out (",
                                out.extent(0), " x ", out.extent(1), ") must have the ", op.local_rows(),
                                " local rows of the operator and the same columns");
  }
  throw_on_every_rank_if<DimensionMismatch>(op.communicator(), shape_problem, where);
}

}  // namespace detail

/// A true residual that is not below this fraction of the one at the previous check has stopped improving: the
/// column ends diverged_stagnation (the recursive residual met the tolerance twice, the true one did not).
inline constexpr double stagnation_improvement = 0.5;

namespace detail {

/// True when a true residual norm has stopped improving on the last one checked (none yet: last_norm < 0).
inline bool stopped_improving(double norm, double last_norm) {
  return last_norm >= 0 && norm > stagnation_improvement * last_norm;
}

}  // namespace detail

/// \brief Preconditioned conjugate gradients on a distributed operator, with a workspace kept between solves.
///
/// Solves A X = B for symmetric positive definite A and preconditioner M: column k runs its own PCG (its own alpha_k,
/// beta_k) and stops when ||r_k|| <= max(rtol ||b_k||, atol), on a breakdown, on NaN/Inf, or after max_iterations;
/// the others go on. Verdicts come from the true residual: when the recursive residual of a column meets the
/// tolerance, the solver computes b_k - A x_k (one operator apply, shared by the columns that claim it in the same
/// iteration); the column converges only if that meets the tolerance too. Otherwise the recursive residual is replaced
/// by the true one and the column restarts from it (p = z), and when at the next such check the true residual has not
/// fallen below stagnation_improvement times the last one, the column ends diverged_stagnation: the precision of the
/// operator (float32 kernel values) cannot reach the tolerance. The workspace (four blocks of local_rows() x Dv, and
/// the partial sums of the dot products) is allocated on the first solve and reused by every later solve with the same
/// Dv: the adjoint solve of a gradient, new right-hand sides, refinement steps allocate nothing. The solver holds a
/// reference to the operator, which must outlive it.
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
                    SolveMonitor* monitor = nullptr, InitialGuess guess = InitialGuess::zero) {
    return solve_with(right_hand_sides, solution, criteria, preconditioner, monitor, guess,
                      criteria.true_residual == TrueResidualCheck::verify);
  }

  /// How many times the workspace was allocated (1 after any number of solves with the same Dv).
  [[nodiscard]] int workspace_allocations() const { return workspace_allocations_; }
  [[nodiscard]] Operator const& op() const { return op_; }

 private:
  /// verify_true_residual = false (TrueResidualCheck::skip): stop on the recursive residual, and report it as
  /// relative_residuals (no extra applies).
  template <class Preconditioner>
  SolveResult solve_with(block_type const& right_hand_sides, block_type const& solution,
                         StoppingCriteria const& criteria, Preconditioner const& preconditioner, SolveMonitor* monitor,
                         InitialGuess guess, bool verify_true_residual);
  void allocate_workspace(std::size_t columns, bool with_preconditioned_residual);

  /// One solve: its per-column state and its named steps (below).
  template <class Preconditioner>
  class Run;

  Operator const& op_;
  block_type residual_;                            ///< r = b - A x
  block_type preconditioned_;                      ///< z = M^{-1} r (unused, empty, for the identity)
  block_type direction_;                           ///< p
  block_type operator_direction_;                  ///< q = A p (and b - A x when the true residual is checked)
  Kokkos::View<scalar_type*, memory_space> step_;  ///< alpha_k, then beta_k
  Kokkos::View<int*, memory_space> active_;        ///< also: which columns take the true residual
  typename Kokkos::View<scalar_type*, memory_space>::HostMirror step_host_;
  typename Kokkos::View<int*, memory_space>::HostMirror active_host_;
  detail::ReductionScratch<memory_space> reduction_scratch_;  ///< partial sums of the dot products
  int workspace_allocations_ = 0;
};

namespace detail {

/// The checks of a solve's arguments against the operator, agreed on by all ranks before anyone throws: a rank
/// that threw alone would leave the others waiting in the solver's first collective.
template <class Operator, class Block>
void check_solve_arguments(Operator const& op, Block const& right_hand_sides, Block const& solution,
                           StoppingCriteria const& criteria, InitialGuess guess, char const* where) {
  auto const& comm = op.communicator();
  auto const& space = op.space();
  throw_on_every_rank_if<InvalidArgument>(comm, invalid_stopping_criteria(criteria), where);
  std::optional<std::string> shape_problem;
  auto const local_rows = static_cast<long long>(op.local_rows());
  if (static_cast<long long>(right_hand_sides.extent(0)) != local_rows ||
      solution.extent(0) != right_hand_sides.extent(0) || solution.extent(1) != right_hand_sides.extent(1)) {
    shape_problem = concatenate("the right-hand sides (", right_hand_sides.extent(0), " x ", right_hand_sides.extent(1),
                                ") and the solution (", solution.extent(0), " x ", solution.extent(1),
                                ") must both have the operator's ", local_rows, " local rows and the same columns");
  }
  throw_on_every_rank_if<DimensionMismatch>(comm, shape_problem, where);
  auto const columns = static_cast<std::int64_t>(right_hand_sides.extent(1));
  KS_USER_REQUIRE(comm.min_over_ranks(columns) == comm.max_over_ranks(columns),
                  "the right-hand sides must have the same number of columns Dv on every rank");
  KS_USER_REQUIRE(columns >= 1, "the right-hand sides must have Dv >= 1 columns, got ", columns);
  comm.throw_if_any_rank_failed(
      count_non_finite(space, right_hand_sides) > 0,
      concatenate("kernelsolve::", where, ": the right-hand sides contain NaN or Inf values"));
  if (guess == InitialGuess::given) {
    comm.throw_if_any_rank_failed(
        count_non_finite(space, solution) > 0,
        concatenate("kernelsolve::", where, ": the initial guess (the given solution) contains NaN or Inf values"));
  }
}

/// Collective: whether any rank's stop token is set (StoppingCriteria::stop_token), the same answer on every rank.
/// One MPI_Allreduce of an int per call, made whether or not this rank has a token, so that ranks given a token and
/// ranks given none still meet in the same collectives.
inline bool stop_requested_on_any_rank(StoppingCriteria const& criteria, Communicator const& comm) {
  int requested = criteria.stop_token != nullptr && criteria.stop_token->stop_requested() ? 1 : 0;
  comm.sum_in_place(&requested, 1);
  return requested > 0;
}

/// The verdict of a residual norm against the criteria: converged_rtol, converged_atol, diverged_nan_or_inf, or
/// iterating.
inline ConvergenceReason residual_verdict(double residual_norm, double rhs_norm, StoppingCriteria const& criteria) {
  if (!std::isfinite(residual_norm)) return ConvergenceReason::diverged_nan_or_inf;
  if (rhs_norm > 0 && residual_norm <= criteria.relative_tolerance * rhs_norm) return ConvergenceReason::converged_rtol;
  if (residual_norm <= criteria.absolute_tolerance || residual_norm == 0) return ConvergenceReason::converged_atol;
  return ConvergenceReason::iterating;
}

}  // namespace detail

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

namespace detail {

/// The state of one column of a PCG solve between its iterations (its verdicts and residuals are in SolveResult).
struct CgColumn {
  double rhs_norm = 0;               ///< ||b_k||
  double rho = 0;                    ///< r_k . z_k (||r_k||^2 for the identity)
  bool true_residual_known = false;  ///< relative_residuals[k] is the true residual of x_k as it is now
  double last_true_residual = -1;    ///< the true residual of the last replacement (stagnation test; none: < 0)
  /// The residual was just replaced by the true one: restart from p = z (beta = 0). Keeping beta = rho_new / rho_old
  /// across a residual that jumped by orders of magnitude would leave p dominated by the old direction.
  bool restart = false;
};

}  // namespace detail

/// One PCG solve of Dv columns: the columns' state and the steps of the iteration, each a member function.
template <class Operator>
template <class Preconditioner>
class ConjugateGradient<Operator>::Run {
 public:
  static constexpr bool identity = is_identity_preconditioner_v<Preconditioner>;

  Run(ConjugateGradient& solver, block_type const& right_hand_sides, block_type const& solution,
      StoppingCriteria const& criteria, Preconditioner const& preconditioner, bool verify_true_residual)
      : solver_(solver),
        op_(solver.op_),
        space_(solver.op_.space()),
        b_(right_hand_sides),
        x_(solution),
        criteria_(criteria),
        preconditioner_(preconditioner),
        verify_true_residual_(verify_true_residual),
        columns_(static_cast<std::size_t>(right_hand_sides.extent(1))),
        // z aliases r for the identity: then z = M^{-1} r costs nothing and r . z = r . r.
        preconditioned_(identity ? solver.residual_ : solver.preconditioned_) {
    result_.column_iterations.assign(columns_.size(), 0);
    result_.reasons.assign(columns_.size(), ConvergenceReason::iterating);
    result_.recursive_residuals.assign(columns_.size(), 0.0);
    result_.relative_residuals.assign(columns_.size(), 0.0);
  }

  /// x = 0 and r = b, or r = b - A x for a given x (either way r is the true residual); ||b||; the verdicts of the
  /// initial residual; z = M^{-1} r, rho = r . z, p = z.
  void start(InitialGuess guess) {
    auto& w = solver_;
    if (guess == InitialGuess::zero) {
      Kokkos::deep_copy(space_, x_, scalar_type(0));
      Kokkos::deep_copy(space_, w.residual_, b_);
    } else {
      op_.apply(x_, w.operator_direction_);
      detail::cg_residual(space_, b_, w.operator_direction_, w.residual_);
    }
    auto const rhs_norms_squared = dots(b_, b_);
    for (std::size_t c = 0; c < columns_.size(); ++c) columns_[c].rhs_norm = std::sqrt(rhs_norms_squared[c]);
    std::vector<double> norms_squared(columns_.size());
    if (guess == InitialGuess::zero) {
      for (std::size_t c = 0; c < columns_.size(); ++c) norms_squared[c] = columns_[c].rhs_norm * columns_[c].rhs_norm;
    } else {
      norms_squared = dots(w.residual_, w.residual_);
    }
    verdicts(norms_squared, true);
    auto const rho = precondition(norms_squared);
    for (std::size_t c = 0; c < columns_.size(); ++c) columns_[c].rho = rho[c];
    Kokkos::deep_copy(space_, w.direction_, preconditioned_);  // p = z
  }

  /// q = A p; alpha_k = rho_k / (p_k . q_k); x_k += alpha_k p_k; r_k -= alpha_k q_k. A column whose curvature
  /// p_k . q_k is not positive (or not finite) stops: A is not positive definite (or overflowed).
  void step(int iteration) {
    auto& w = solver_;
    op_.apply(w.direction_, w.operator_direction_);
    auto const curvatures = dots(w.direction_, w.operator_direction_);
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      w.step_host_(c) = 0;
      if (!iterating(c)) continue;
      result_.column_iterations[c] = iteration;
      if (!std::isfinite(curvatures[c])) {
        result_.reasons[c] = ConvergenceReason::diverged_nan_or_inf;
      } else if (curvatures[c] <= 0) {
        result_.reasons[c] = ConvergenceReason::diverged_breakdown;
      } else {
        w.step_host_(c) = static_cast<scalar_type>(columns_[c].rho / curvatures[c]);
      }
    }
    publish_steps();
    detail::cg_update_solution_and_residual(space_, w.direction_, w.operator_direction_, w.step_, w.active_, x_,
                                            w.residual_);
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (w.step_host_(c) != 0) columns_[c].true_residual_known = false;
    }
  }

  /// The stopping test on ||r_k||; then z = M^{-1} r, beta_k = rho_k,new / rho_k (0 after a restart) and
  /// p_k = z_k + beta_k p_k for the columns still iterating.
  void next_direction(int iteration) {
    auto& w = solver_;
    auto norms_squared = dots(w.residual_, w.residual_);
    verdicts(norms_squared, false);
    auto const new_rho = any_iterating() ? precondition(norms_squared) : norms_squared;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      w.step_host_(c) = 0;
      if (!iterating(c)) continue;
      auto& column = columns_[c];
      w.step_host_(c) = column.restart ? scalar_type(0) : static_cast<scalar_type>(new_rho[c] / column.rho);
      column.restart = false;
      column.rho = new_rho[c];
      if (iteration == criteria_.max_iterations) result_.reasons[c] = ConvergenceReason::diverged_max_iterations;
    }
    publish_steps();
    detail::cg_update_direction(space_, preconditioned_, w.step_, w.active_, w.direction_);
    result_.iterations = iteration;
  }

  /// The columns still iterating end interrupted (a stop token was set).
  void interrupt() {
    for (auto& reason : result_.reasons) {
      if (reason == ConvergenceReason::iterating) reason = ConvergenceReason::interrupted;
    }
  }

  /// Columns still iterating after max_iterations = 0 end diverged_max_iterations; the columns that stopped without
  /// a true residual (max_iterations, breakdown, NaN, interrupted) get b - A x (the converged ones were checked when
  /// they stopped).
  SolveResult finish() {
    for (auto& reason : result_.reasons) {
      if (reason == ConvergenceReason::iterating) reason = ConvergenceReason::diverged_max_iterations;
    }
    bool const all_known = std::all_of(columns_.begin(), columns_.end(),
                                       [](detail::CgColumn const& column) { return column.true_residual_known; });
    if (verify_true_residual_ && !all_known) {
      auto& w = solver_;
      op_.apply(x_, w.operator_direction_);
      detail::cg_residual(space_, b_, w.operator_direction_, w.residual_);
      auto const true_norms_squared = dots(w.residual_, w.residual_);
      for (std::size_t c = 0; c < columns_.size(); ++c) {
        if (!columns_[c].true_residual_known)
          result_.relative_residuals[c] = relative(c, std::sqrt(true_norms_squared[c]));
      }
    } else if (!verify_true_residual_) {
      result_.relative_residuals = result_.recursive_residuals;
    }
    return std::move(result_);
  }

  [[nodiscard]] bool any_iterating() const {
    return std::any_of(result_.reasons.begin(), result_.reasons.end(),
                       [](ConvergenceReason r) { return r == ConvergenceReason::iterating; });
  }
  [[nodiscard]] std::vector<double> const& recursive_residuals() const { return result_.recursive_residuals; }

 private:
  [[nodiscard]] bool iterating(std::size_t c) const { return result_.reasons[c] == ConvergenceReason::iterating; }

  std::vector<double> dots(block_type const& x, block_type const& y) {
    return detail::reproducible_column_dots(space_, op_.communicator(), x, y, &solver_.reduction_scratch_,
                                            detail::operator_timings(op_));
  }

  [[nodiscard]] double relative(std::size_t c, double norm) const {
    return columns_[c].rhs_norm > 0 ? norm / columns_[c].rhs_norm : norm;
  }

  /// The recursive verdict of column c from ||r_c||^2; true when it claims convergence.
  bool claims_convergence(std::size_t c, double residual_norm_squared) {
    double const residual_norm = std::sqrt(residual_norm_squared);
    result_.recursive_residuals[c] = relative(c, residual_norm);
    result_.reasons[c] = detail::residual_verdict(residual_norm, columns_[c].rhs_norm, criteria_);
    return is_converged(result_.reasons[c]);
  }

  /// The verdicts of the iterating columns from ||r||^2: a claim of convergence from a recursive residual is
  /// checked against the true one (verify_claims) unless the residual is the true one or the caller skips it.
  void verdicts(std::vector<double>& norms_squared, bool residual_is_true) {
    std::vector<std::size_t> claims;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (!iterating(c)) continue;
      if (!claims_convergence(c, norms_squared[c])) continue;
      if (residual_is_true || !verify_true_residual_) {
        result_.relative_residuals[c] = result_.recursive_residuals[c];
        columns_[c].true_residual_known = residual_is_true;
      } else {
        claims.push_back(c);
      }
    }
    if (!claims.empty()) verify_claims(claims, norms_squared);
  }

  /// The columns whose recursive residual claims convergence: their true residual b - A x decides (into q, free
  /// between iterations). A column that misses goes on from the true residual (a replacement and a restart), or
  /// ends diverged_stagnation when the true residual stopped improving since its last replacement.
  void verify_claims(std::vector<std::size_t> const& claims, std::vector<double>& norms_squared) {
    auto& w = solver_;
    op_.apply(x_, w.operator_direction_);
    detail::cg_residual(space_, b_, w.operator_direction_, w.operator_direction_);
    auto const true_norms_squared = dots(w.operator_direction_, w.operator_direction_);
    ++result_.true_residual_checks;
    bool replace_any = false;
    for (std::size_t c = 0; c < columns_.size(); ++c) w.active_host_(c) = 0;
    for (std::size_t c : claims) {
      auto& column = columns_[c];
      double const true_norm = std::sqrt(true_norms_squared[c]);
      result_.relative_residuals[c] = relative(c, true_norm);
      result_.reasons[c] = detail::residual_verdict(true_norm, column.rhs_norm, criteria_);
      column.true_residual_known = true;
      if (!iterating(c)) continue;
      if (detail::stopped_improving(true_norm, column.last_true_residual)) {
        result_.reasons[c] = ConvergenceReason::diverged_stagnation;
        continue;
      }
      column.last_true_residual = true_norm;
      column.true_residual_known = false;  // x moves on
      column.restart = true;
      norms_squared[c] = true_norms_squared[c];
      result_.recursive_residuals[c] = result_.relative_residuals[c];
      w.active_host_(c) = 1;
      replace_any = true;
      ++result_.residual_replacements;
    }
    if (replace_any) {
      Kokkos::deep_copy(space_, w.active_, w.active_host_);
      detail::cg_copy_columns(space_, w.operator_direction_, w.active_, w.residual_);
    }
  }

  /// z = M^{-1} r and rho_k = r_k . z_k (||r_k||^2 for the identity); a column whose rho_k is not positive has met
  /// a preconditioner that is not positive definite.
  std::vector<double> precondition(std::vector<double> const& norms_squared) {
    if constexpr (identity) {
      return norms_squared;
    } else {
      auto& w = solver_;
      {
        ScopedPhase timed_apply(detail::operator_timings(op_), Phase::preconditioner_apply);
        preconditioner_.apply(w.residual_, w.preconditioned_);
      }
      auto rho = dots(w.residual_, w.preconditioned_);
      for (std::size_t c = 0; c < columns_.size(); ++c) {
        if (!iterating(c)) continue;
        if (!std::isfinite(rho[c])) {
          result_.reasons[c] = ConvergenceReason::diverged_nan_or_inf;
        } else if (rho[c] <= 0) {
          result_.reasons[c] = ConvergenceReason::diverged_breakdown;
        }
      }
      return rho;
    }
  }

  /// The step sizes of step_host_ and which columns iterate, to the device.
  void publish_steps() {
    auto& w = solver_;
    for (std::size_t c = 0; c < columns_.size(); ++c) w.active_host_(c) = iterating(c) ? 1 : 0;
    Kokkos::deep_copy(space_, w.active_, w.active_host_);
    Kokkos::deep_copy(space_, w.step_, w.step_host_);
  }

  ConjugateGradient& solver_;  ///< its workspace
  Operator const& op_;
  typename Operator::execution_space space_;  ///< a copy: space() may return by value
  block_type const& b_;
  block_type const& x_;
  StoppingCriteria const& criteria_;
  Preconditioner const& preconditioner_;
  bool verify_true_residual_;
  std::vector<detail::CgColumn> columns_;
  block_type const& preconditioned_;
  SolveResult result_;
};

template <class Operator>
template <class Preconditioner>
SolveResult ConjugateGradient<Operator>::solve_with(block_type const& right_hand_sides, block_type const& solution,
                                                    StoppingCriteria const& criteria,
                                                    Preconditioner const& preconditioner, SolveMonitor* monitor,
                                                    InitialGuess guess, bool verify_true_residual) {
  static_assert(is_preconditioner_for<Preconditioner, Operator>::value,
                "ConjugateGradient::solve: the preconditioner must provide apply(block_type const& residual, "
                "block_type const& out) const (see solver/preconditioner.hpp)");
  detail::ProfilingRegion region("kernelsolve::cg::solve");
  // The solver's own work; the operator's products and gathers, the collectives and M^{-1} count in their phases.
  ScopedPhase timed(detail::operator_timings(op_), Phase::vector_updates);
  detail::check_solve_arguments(op_, right_hand_sides, solution, criteria, guess, "cg");
  allocate_workspace(static_cast<std::size_t>(right_hand_sides.extent(1)),
                     !is_identity_preconditioner_v<Preconditioner>);
  Run<Preconditioner> run(*this, right_hand_sides, solution, criteria, preconditioner, verify_true_residual);
  run.start(guess);
  if (monitor) monitor->on_iteration(0, run.recursive_residuals());
  for (int iteration = 1; iteration <= criteria.max_iterations && run.any_iterating(); ++iteration) {
    if (detail::stop_requested_on_any_rank(criteria, op_.communicator())) {
      run.interrupt();
      break;
    }
    run.step(iteration);
    run.next_direction(iteration);
    if (monitor) monitor->on_iteration(iteration, run.recursive_residuals());
  }
  return run.finish();
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
