// Mixed-precision iterative refinement: the residual, the solution and its updates in the outer (high) precision,
// the correction solved by preconditioned CG in the inner (low) precision, reusing one inner workspace throughout.
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/operator/linear_operator.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/convergence.hpp>
#include <kernelsolve/solver/detail/cg_kernels.hpp>
#include <kernelsolve/solver/detail/refinement_kernels.hpp>
#include <kernelsolve/solver/monitor.hpp>
#include <kernelsolve/solver/preconditioner.hpp>
#include <kernelsolve/solver/refinement_options.hpp>
#include <kernelsolve/solver/solve_result.hpp>
#include <kernelsolve/solver/solver_concept.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kernelsolve {

/// \brief Solves A X = B to the outer precision's accuracy at the inner precision's cost (collective):
///   r = b - A_outer x;  solve A_inner d = r / ||r|| by PCG to inner_relative_tolerance (looser when the tolerance
///   asks for less: RefinementOptions::remaining_reduction_margin);  x += ||r|| d;  repeat.
///
/// The two operators are the same matrix in two precisions (DistributedOperator<Gaussian<double>> and
/// <Gaussian<float>> on the same points and partition): the kernel is evaluated in the inner precision inside the
/// inner solves (nearly all of the work) and in the outer precision once per outer step. The inner one may also be
/// an approximation in the same precision, e.g. truncated (a CutoffOperator: cutoff products), as long
/// as ||A_inner^{-1} (A_outer - A_inner)|| < 1: each outer step then still gains, and the verdicts stay exact. Verdicts
/// come from the outer true residual: a column converges when ||b - A_outer x|| <= max(rtol ||b||, atol), ends
/// diverged_stagnation when an outer step does not reduce it below stagnation_improvement times the last one (the
/// outer precision's floor), and diverged_max_iterations when the inner iterations of all steps reach
/// max_iterations. Inner solves stop on their recursive residual (the outer residual is the check), so they spend no
/// extra applies. Results are bitwise the same on any number of ranks. Holds references to both operators.
/// \tparam OuterOperator, InnerOperator models of is_linear_operator with the same rows and communicator.
/// \tparam InnerSolver   the inner Krylov method: a model of is_solver_for<InnerSolver, InnerOperator>
///                       (solver/solver_concept.hpp) constructible from the inner operator; CG by default.
template <class OuterOperator, class InnerOperator, class InnerSolver = ConjugateGradient<InnerOperator>>
class IterativeRefinement {
 public:
  using operator_type = OuterOperator;
  using inner_operator_type = InnerOperator;
  using block_type = typename OuterOperator::block_type;
  using inner_block_type = typename InnerOperator::block_type;
  using scalar_type = typename OuterOperator::scalar_type;
  using memory_space = typename OuterOperator::memory_space;

  /// \throws InvalidArgument (on every rank) when the operators' rows differ on any rank, or for an inner tolerance
  ///         outside (0, 1).
  IterativeRefinement(OuterOperator const& outer, InnerOperator const& inner, RefinementOptions options = {})
      : outer_(outer), inner_(inner), inner_solver_(inner), options_(options) {
    detail::check_linear_operator<OuterOperator>();
    detail::check_solver_for<InnerSolver, InnerOperator>();
    static_assert(std::is_same<typename InnerOperator::memory_space, memory_space>::value,
                  "IterativeRefinement: both operators must keep their vectors in the same memory space");
    auto const& comm = outer_.communicator();
    std::optional<std::string> problem;
    if (inner_.local_rows() != outer_.local_rows() || inner_.global_rows() != outer_.global_rows()) {
      problem = detail::concatenate("the inner operator has ", inner_.local_rows(), " of ", inner_.global_rows(),
                                    " rows here, the outer one ", outer_.local_rows(), " of ", outer_.global_rows(),
                                    " (they must be the same matrix on the same partition)");
    } else if (!(options_.inner_relative_tolerance > 0 && options_.inner_relative_tolerance < 1)) {
      problem = detail::concatenate("the inner relative tolerance must be in (0, 1), got ",
                                    options_.inner_relative_tolerance);
    } else if (!(options_.remaining_reduction_margin >= 0 && options_.remaining_reduction_margin < 1)) {
      problem = detail::concatenate("the remaining reduction margin must be in [0, 1), got ",
                                    options_.remaining_reduction_margin);
    }
    detail::throw_on_every_rank_if<InvalidArgument>(comm, problem, "IterativeRefinement");
  }

  /// \brief Solves A X = B (collective); see the class. The preconditioner is one of the inner operator
  /// (e.g. NystromPreconditioner<InnerOperator>) or IdentityPreconditioner{}.
  /// \param monitor gets on_refinement_step after every outer step (0: the initial residual) and the inner solves'
  ///                on_iteration.
  /// \return SolveResult with iterations = all inner iterations, refinement_steps = the outer steps, and the true
  ///         outer relative residuals.
  /// \throws as ConjugateGradient::solve.
  template <class Preconditioner = IdentityPreconditioner>
  SolveResult solve(block_type const& right_hand_sides, block_type const& solution,
                    StoppingCriteria const& criteria = {}, Preconditioner const& preconditioner = {},
                    SolveMonitor* monitor = nullptr, InitialGuess guess = InitialGuess::zero);

  [[nodiscard]] OuterOperator const& op() const { return outer_; }
  [[nodiscard]] InnerOperator const& inner_op() const { return inner_; }
  [[nodiscard]] RefinementOptions const& options() const { return options_; }
  /// How many times the outer workspace was allocated (the inner solver counts its own).
  [[nodiscard]] int workspace_allocations() const { return workspace_allocations_; }
  [[nodiscard]] InnerSolver const& inner_solver() const { return inner_solver_; }

 private:
  void allocate_workspace(std::size_t columns);

  OuterOperator const& outer_;
  InnerOperator const& inner_;
  InnerSolver inner_solver_;
  RefinementOptions options_;
  block_type residual_;                        ///< b - A x, then A x
  inner_block_type inner_rhs_;                 ///< r / ||r|| rounded
  inner_block_type correction_;                ///< d
  Kokkos::View<double*, memory_space> scale_;  ///< ||r_c|| of the active columns, 0 for the others
  typename Kokkos::View<double*, memory_space>::HostMirror scale_host_;
  detail::ReductionScratch<memory_space> reduction_scratch_;
  int workspace_allocations_ = 0;
};

namespace detail {

/// The relative tolerance of one inner solve: inner_relative_tolerance, or looser when the reduction still needed
/// (see RefinementOptions::remaining_reduction_margin) is.
inline double inner_step_tolerance(RefinementOptions const& options, double needed_reduction) {
  return std::max(options.inner_relative_tolerance, options.remaining_reduction_margin * needed_reduction);
}

}  // namespace detail

template <class OuterOperator, class InnerOperator, class InnerSolver>
void IterativeRefinement<OuterOperator, InnerOperator, InnerSolver>::allocate_workspace(std::size_t columns) {
  auto const rows = static_cast<std::size_t>(outer_.local_rows());
  if (residual_.extent(0) == rows && residual_.extent(1) == columns) return;
  residual_ =
      block_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::refinement::residual"), rows, columns);
  inner_rhs_ = inner_block_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::refinement::inner_rhs"),
                                rows, columns);
  correction_ = inner_block_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::refinement::correction"),
                                 rows, columns);
  scale_ = Kokkos::View<double*, memory_space>("kernelsolve::refinement::scale", columns);
  scale_host_ = Kokkos::create_mirror_view(scale_);
  ++workspace_allocations_;
}

template <class OuterOperator, class InnerOperator, class InnerSolver>
template <class Preconditioner>
SolveResult IterativeRefinement<OuterOperator, InnerOperator, InnerSolver>::solve(
    block_type const& right_hand_sides, block_type const& solution, StoppingCriteria const& criteria,
    Preconditioner const& preconditioner, SolveMonitor* monitor, InitialGuess guess) {
  static_assert(is_preconditioner_for<Preconditioner, InnerOperator>::value,
                "IterativeRefinement::solve: the preconditioner must be one of the inner operator (see "
                "solver/preconditioner.hpp)");
  detail::ProfilingRegion region("kernelsolve::refinement::solve");
  auto const& comm = outer_.communicator();
  ScopedPhase timed(detail::operator_timings(outer_), Phase::vector_updates);  // the outer steps' own work (see cg.hpp)
  auto const& space = outer_.space();
  detail::check_solve_arguments(outer_, right_hand_sides, solution, criteria, guess, "refinement");
  auto const column_count = static_cast<std::size_t>(right_hand_sides.extent(1));
  allocate_workspace(column_count);
  auto const dots = [&](block_type const& x, block_type const& y) {
    return detail::reproducible_column_dots(space, comm, x, y, &reduction_scratch_, detail::operator_timings(outer_));
  };

  SolveResult result;
  result.column_iterations.assign(column_count, 0);
  result.reasons.assign(column_count, ConvergenceReason::iterating);
  result.relative_residuals.assign(column_count, 0.0);
  std::vector<double> rhs_norms = dots(right_hand_sides, right_hand_sides);
  for (auto& norm : rhs_norms) norm = std::sqrt(norm);
  std::vector<double> last_norms(column_count, -1.0);
  int last_inner_iterations = 0;  // of the step that led to the residual at hand
  bool interrupted = false;       // the last inner solve was interrupted (its stop token is the outer one)

  // r = b - A x in the outer precision: the true residual every verdict comes from.
  auto const outer_residual = [&] {
    outer_.apply(solution, residual_);
    detail::cg_residual(space, right_hand_sides, residual_, residual_);
  };
  if (guess == InitialGuess::zero) {
    Kokkos::deep_copy(space, solution, scalar_type(0));
    Kokkos::deep_copy(space, residual_, right_hand_sides);
  } else {
    outer_residual();
  }

  for (int step = 0;; ++step) {
    auto const norms_squared = dots(residual_, residual_);
    RefinementStep record;
    record.inner_iterations = last_inner_iterations;
    record.relative_residuals.resize(column_count);
    for (std::size_t c = 0; c < column_count; ++c) {
      double const norm = std::sqrt(norms_squared[c]);
      double const relative = rhs_norms[c] > 0 ? norm / rhs_norms[c] : norm;
      record.relative_residuals[c] = relative;
      if (result.reasons[c] != ConvergenceReason::iterating) continue;
      result.relative_residuals[c] = relative;
      result.reasons[c] = detail::residual_verdict(norm, rhs_norms[c], criteria);
      if (result.reasons[c] == ConvergenceReason::iterating) {
        // After an interrupted inner solve the partial correction is kept (a column may have converged with it);
        // the others end here, and a step cut short says nothing about stagnation.
        if (interrupted) {
          result.reasons[c] = ConvergenceReason::interrupted;
        } else if (detail::stopped_improving(norm, last_norms[c])) {
          result.reasons[c] = ConvergenceReason::diverged_stagnation;
        }
      }
      last_norms[c] = norm;
    }
    result.refinement_steps.push_back(record);
    if (monitor) monitor->on_refinement_step(step, record.inner_iterations, record.relative_residuals);

    bool const any_active = std::any_of(result.reasons.begin(), result.reasons.end(),
                                        [](ConvergenceReason r) { return r == ConvergenceReason::iterating; });
    if (!any_active) break;
    int const budget = criteria.max_iterations - result.iterations;
    if (budget <= 0) {
      for (auto& reason : result.reasons) {
        if (reason == ConvergenceReason::iterating) reason = ConvergenceReason::diverged_max_iterations;
      }
      break;
    }

    // d = A_inner^{-1} (r / ||r||) for the active columns (the others solve a zero right-hand side: no work).
    double needed_reduction = 1;  // the least, over the active columns, that meets the criteria from here
    for (std::size_t c = 0; c < column_count; ++c) {
      bool const active = result.reasons[c] == ConvergenceReason::iterating;
      double const norm = std::sqrt(norms_squared[c]);
      scale_host_(c) = active ? norm : 0.0;
      if (active) {
        double const target = std::max(criteria.relative_tolerance * rhs_norms[c], criteria.absolute_tolerance);
        needed_reduction = std::min(needed_reduction, target / norm);
      }
    }
    Kokkos::deep_copy(space, scale_, scale_host_);
    detail::refinement_scaled_residual(space, residual_, scale_, inner_rhs_);
    StoppingCriteria inner_criteria;
    inner_criteria.relative_tolerance = detail::inner_step_tolerance(options_, needed_reduction);
    inner_criteria.absolute_tolerance = 0;
    inner_criteria.max_iterations = budget;
    inner_criteria.true_residual = TrueResidualCheck::skip;  // the outer residual below is the check
    inner_criteria.stop_token = criteria.stop_token;
    auto const inner = inner_solver_.solve(inner_rhs_, correction_, inner_criteria, preconditioner, monitor);
    result.iterations += inner.iterations;
    for (std::size_t c = 0; c < column_count; ++c) {
      if (result.reasons[c] == ConvergenceReason::iterating) result.column_iterations[c] += inner.column_iterations[c];
    }
    // x += ||r|| d;  r = b - A x
    detail::refinement_update(space, correction_, scale_, solution);
    outer_residual();
    last_inner_iterations = inner.iterations;
    interrupted =
        std::find(inner.reasons.begin(), inner.reasons.end(), ConvergenceReason::interrupted) != inner.reasons.end();
  }
  result.recursive_residuals = result.relative_residuals;
  return result;
}

}  // namespace kernelsolve
