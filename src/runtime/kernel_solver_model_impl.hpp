// KernelSolver's model for one kernel functor type: DistributedOperator, a preconditioner and ConjugateGradient (or
// IterativeRefinement over inner PCG solves: in mixed precision a float32 one, with a truncation a cutoff one) behind
// the abstract interface of kernel_solver_model.hpp.
#pragma once

#include "kernel_solver_model.hpp"

#include <kernelsolve/error.hpp>
#include <kernelsolve/geometry/spatial_order.hpp>
#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/operator/cutoff_operator.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/operator/predict.hpp>
#include <kernelsolve/operator/truncation.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/iterative_refinement.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>
#include <kernelsolve/solver/preconditioner_choice.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>
#include <kernelsolve/solver/two_level_preconditioner.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace kernelsolve {
namespace detail {

/// Row-major host doubles (rows x columns) -> a new column-major Block, rounded to its scalar type.
template <class Block>
Block block_from_rows(char const* label, std::vector<double> const& values, std::int64_t rows, int columns) {
  KS_REQUIRE(values.size() == static_cast<std::size_t>(rows) * static_cast<std::size_t>(columns));
  Block block(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), rows, columns);
  auto host = Kokkos::create_mirror_view(block);
  for (std::int64_t i = 0; i < rows; ++i)
    for (int j = 0; j < columns; ++j)
      host(i, j) = static_cast<typename Block::non_const_value_type>(values[static_cast<std::size_t>(i * columns + j)]);
  Kokkos::deep_copy(block, host);
  return block;
}

/// A block -> row-major host doubles.
template <class Block>
std::vector<double> rows_from_block(Block const& block) {
  auto const host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), block);
  std::vector<double> values(host.extent(0) * host.extent(1));
  for (std::size_t i = 0; i < host.extent(0); ++i)
    for (std::size_t j = 0; j < host.extent(1); ++j) values[i * host.extent(1) + j] = host(i, j);
  return values;
}

/// The rows of a row-major array of `columns` columns (its size must be a multiple), checked on every rank.
inline std::int64_t rows_of(Communicator const& comm, std::vector<double> const& values, int columns,
                            char const* what) {
  bool const fits = columns >= 1 && values.size() % static_cast<std::size_t>(columns) == 0;
  comm.throw_if_any_rank_failed(!fits, concatenate("kernelsolve::KernelSolver: ", what, " has ", values.size(),
                                                   " values, not a whole number of rows of ", columns, " columns"));
  return static_cast<std::int64_t>(values.size()) / columns;
}

/// The kernel functor of the same family in another precision: Gaussian<double> -> Gaussian<float>.
template <class Kernel, class Scalar>
struct kernel_in_precision;
template <class Profile, class T, class Scalar>
struct kernel_in_precision<RadialKernel<Profile, T>, Scalar> {
  using type = RadialKernel<Profile, Scalar>;
};

/// \tparam Kernel      the kernel of the operator whose residual decides (the solution's precision).
/// \tparam InnerKernel the same kernel in the precision of the inner solves: float32 in mixed precision, else Kernel.
/// \tparam Refined     iterative refinement around inner PCG solves (mixed precision, or a truncation: the inner
///                     operator then computes the cutoff product, the outer one the cutoff below rounding of
///                     truncate_below_rounding), else plain PCG. Both of refinement's operators are CutoffOperators,
///                     of the exact one when the options do not truncate.
template <class Kernel, class InnerKernel = Kernel, bool Refined = !std::is_same<Kernel, InnerKernel>::value>
class KernelSolverModelFor final : public KernelSolver::Model {
 public:
  static constexpr bool mixed = !std::is_same<Kernel, InnerKernel>::value;
  static_assert(Refined || !mixed, "mixed precision is iterative refinement");
  using Operator = DistributedOperator<Kernel>;
  using InnerExact = DistributedOperator<InnerKernel>;
  using OuterOperator = std::conditional_t<Refined, CutoffOperator<Operator>, Operator>;
  using InnerOperator = std::conditional_t<Refined, CutoffOperator<InnerExact>, Operator>;
  using Block = typename Operator::block_type;
  using Solver =
      std::conditional_t<Refined, IterativeRefinement<OuterOperator, InnerOperator>, ConjugateGradient<Operator>>;

  KernelSolverModelFor(MPI_Comm comm, Kernel const& kernel, InnerKernel const& inner_kernel,
                       std::vector<double> const& local_points, int dimension, KernelSolverOptions const& options,
                       RefinementOptions const& refinement)
      : rows_(comm, local_points, dimension, options.spatial_order),
        op_(comm, Kokkos::DefaultExecutionSpace(), kernel,
            block_from_rows<Block>("kernelsolve::KernelSolver::points", rows_.sorted_points(),
                                   static_cast<std::int64_t>(rows_.sorted_points().size()) / dimension, dimension),
            static_cast<typename Kernel::value_type>(options.alpha)) {
    op_.record_timings(&timings_);
    if constexpr (Refined) {
      InnerExact const* inner_exact = nullptr;
      if constexpr (mixed) {
        // The points once more, rounded to the inner precision: the inner solves evaluate the kernel there.
        inner_exact_ = std::make_unique<InnerExact>(
            comm, Kokkos::DefaultExecutionSpace(), inner_kernel,
            block_from_rows<typename InnerExact::block_type>("kernelsolve::KernelSolver::inner_points",
                                                             rows_.sorted_points(), op_.local_rows(), op_.dimension()),
            static_cast<typename InnerKernel::value_type>(options.alpha));
        inner_exact_->record_timings(&timings_);
        inner_exact = inner_exact_.get();
      } else {
        (void)inner_kernel;
        inner_exact = &op_;
      }
      if (options.truncation) {
        inner_op_.emplace(*inner_exact, *options.truncation);
        outer_op_.emplace(truncate_below_rounding(op_));
      } else {
        inner_op_.emplace(*inner_exact);
        outer_op_.emplace(op_);
      }
      solver_.emplace(*outer_op_, *inner_op_, refinement);
    } else {
      (void)inner_kernel, (void)refinement;
      solver_.emplace(op_);
    }
  }

  void setup_preconditioner(KernelSolverOptions const& options) override {
    if (choice_) return;
    PreconditionerChoice choice{options.preconditioner, "given"};
    if (choice.kind == PreconditionerKind::automatic)
      choice = choose_preconditioner(preconditioned_operator(), options.schwarz, options.schwarz_reach_fraction);
    if (choice.kind == PreconditionerKind::nystrom)
      nystrom_.emplace(preconditioned_operator(), options.nystrom, options.on_nystrom_round);
    if (choice.kind == PreconditionerKind::schwarz) schwarz_.emplace(preconditioned_operator(), options.schwarz);
    if (choice.kind == PreconditionerKind::two_level)
      two_level_.emplace(preconditioned_operator(), options.schwarz, options.nystrom, options.on_nystrom_round);
    choice_ = choice;
  }

  [[nodiscard]] std::optional<PreconditionerChoice> preconditioner_choice() const override { return choice_; }

  [[nodiscard]] std::optional<NystromSummary> preconditioner_summary() const override {
    if (two_level_) return two_level_->nystrom().summary();
    if (!nystrom_) return std::nullopt;
    return nystrom_->summary();
  }

  [[nodiscard]] std::optional<SchwarzSummary> schwarz_summary() const override {
    if (two_level_) return two_level_->schwarz().summary();
    if (!schwarz_) return std::nullopt;
    return schwarz_->summary();
  }

  [[nodiscard]] std::optional<TwoLevelSummary> two_level_summary() const override {
    if (!two_level_) return std::nullopt;
    return two_level_->summary();
  }

  [[nodiscard]] std::optional<CutoffSummary> cutoff_summary() const override {
    return preconditioned_operator().cutoff_summary();
  }

  SolveResult solve(KernelSolverOptions const& options, std::vector<double> const& right_hand_sides, int columns,
                    std::vector<double>& coefficients, StoppingCriteria const& criteria,
                    SolveMonitor* monitor) override {
    auto const b =
        sorted_block("kernelsolve::KernelSolver::right_hand_sides", right_hand_sides, columns, "the right-hand sides");
    Block c("kernelsolve::KernelSolver::coefficients", op_.local_rows(), columns);
    setup_preconditioner(options);
    auto const result = with_preconditioner(
        [&](auto const& preconditioner) { return solver_->solve(b, c, criteria, preconditioner, monitor); });
    coefficients = rows_.to_user(rows_from_block(c), columns);
    return result;
  }

  KernelSolverGradient gradient(KernelSolverOptions const& options, std::vector<double> const& coefficients,
                                std::vector<double> const& cotangent, int columns, StoppingCriteria const& criteria,
                                SolveMonitor* monitor) override {
    auto const c = sorted_block("kernelsolve::KernelSolver::coefficients", coefficients, columns, "the coefficients");
    auto const e = sorted_block("kernelsolve::KernelSolver::cotangent", cotangent, columns, "the cotangent");
    setup_preconditioner(options);
    auto const gradient = with_preconditioner([&](auto const& preconditioner) {
      // The pair sums cut where the inner solves' products are (the pattern of the same sorted points).
      return solve_gradient(*solver_, preconditioner, c, e, criteria, monitor, preconditioned_operator().truncation());
    });
    return {rows_.to_user(rows_from_block(gradient.right_hand_sides), columns),
            rows_.to_user(rows_from_block(gradient.points), op_.dimension()),
            rows_.to_user(rows_from_block(gradient.points_as_targets), op_.dimension()),
            rows_.to_user(rows_from_block(gradient.points_as_sources), op_.dimension()),
            gradient.ridge,
            gradient.kernel_parameter,
            gradient.adjoint,
            gradient.cutoff};
  }

  std::vector<double> predict(std::vector<double> const& coefficients, int columns,
                              std::vector<double> const& new_points) override {
    auto const& comm = op_.communicator();
    auto const c = sorted_block("kernelsolve::KernelSolver::coefficients", coefficients, columns, "the coefficients");
    auto const new_rows = rows_of(comm, new_points, op_.dimension(), "the new points");
    auto const truncation = preconditioned_operator().truncation();
    // The cutoff product's tiles are consecutive new points: in their spatial order, so that they are compact.
    std::vector<std::int64_t> order;
    bool const finite = std::all_of(new_points.begin(), new_points.end(), [](double v) { return std::isfinite(v); });
    if (truncation && new_rows > 0 && finite) order = spatial_order_of_rows(new_points, op_.dimension());
    auto const at = block_from_rows<Block>(
        "kernelsolve::KernelSolver::new_points",
        order.empty() ? new_points : rows_in_order(new_points, op_.dimension(), order), new_rows, op_.dimension());
    Block values("kernelsolve::KernelSolver::values", new_rows, columns);
    kernelsolve::predict(op_, c, at, values, truncation);
    auto sorted_values = rows_from_block(values);
    if (order.empty()) return sorted_values;
    std::vector<double> user_values(sorted_values.size());
    for (std::size_t k = 0; k < order.size(); ++k)
      for (int j = 0; j < columns; ++j)
        user_values[static_cast<std::size_t>(order[k]) * static_cast<std::size_t>(columns) +
                    static_cast<std::size_t>(j)] =
            sorted_values[k * static_cast<std::size_t>(columns) + static_cast<std::size_t>(j)];
    return user_values;
  }

  [[nodiscard]] std::vector<double> gather_rows(std::vector<double> const& local, int columns) const override {
    rows_of(op_.communicator(), local, columns, "the rows");
    return rows_.gather_user_rows(local, columns);
  }

  [[nodiscard]] std::int64_t global_rows() const override { return op_.global_rows(); }
  [[nodiscard]] std::int64_t local_rows() const override {
    return rows_.user_partition().local_rows(op_.communicator().rank());
  }
  [[nodiscard]] std::int64_t first_row() const override {
    return rows_.user_partition().begin(op_.communicator().rank());
  }
  [[nodiscard]] PhaseTimings& phase_timings() override { return timings_; }

 private:
  /// The caller's rows of a row-major array (its shape checked on every rank) as a block of the operator's rows.
  Block sorted_block(char const* label, std::vector<double> const& values, int columns, char const* what) const {
    rows_of(op_.communicator(), values, columns, what);
    return block_from_rows<Block>(label, rows_.to_sorted(values, columns), op_.local_rows(), columns);
  }

  /// f(the preconditioner set up), the same type of result for each.
  template <class Function>
  auto with_preconditioner(Function const& f) const {
    if (nystrom_) return f(*nystrom_);
    if (schwarz_) return f(*schwarz_);
    if (two_level_) return f(*two_level_);
    return f(IdentityPreconditioner{});
  }

  /// The operator the preconditioner approximates: the inner one (refinement) or the only one.
  InnerOperator const& preconditioned_operator() const {
    if constexpr (Refined) {
      return *inner_op_;
    } else {
      return op_;
    }
  }

  PhaseTimings timings_;        ///< of both operators' work (the model is heap-allocated: its address is stable)
  SpatialRedistribution rows_;  ///< the caller's rows <-> the operator's (spatially sorted) rows
  Operator op_;
  std::unique_ptr<InnerExact> inner_exact_;     ///< mixed precision only: the points in the inner precision
  std::optional<OuterOperator> outer_op_;       ///< refinement only: op_ or its cutoff below rounding
  std::optional<InnerOperator> inner_op_;       ///< refinement only: op_ or *inner_exact_, or their cutoff
  std::optional<Solver> solver_;                ///< refers to op_ (or *outer_op_ and *inner_op_)
  std::optional<PreconditionerChoice> choice_;  ///< set by setup_preconditioner
  std::optional<NystromPreconditioner<InnerOperator>> nystrom_;
  std::optional<SchwarzPreconditioner<InnerOperator>> schwarz_;
  std::optional<TwoLevelPreconditioner<InnerOperator>> two_level_;
};

template <class Kernel>
std::unique_ptr<KernelSolver::Model> make_kernel_solver_model(MPI_Comm comm, Kernel const& kernel,
                                                              std::vector<double> const& local_points, int dimension,
                                                              KernelSolverOptions const& options) {
  if (!options.truncation) {
    return std::make_unique<KernelSolverModelFor<Kernel>>(comm, kernel, kernel, local_points, dimension, options,
                                                          options.refinement);
  }
  // Inner solves in the kernel's own precision: float64 ones can go much further than the float32 default allows.
  auto const refinement =
      truncated_refinement(options.refinement, std::is_same<typename Kernel::value_type, double>::value);
  return std::make_unique<KernelSolverModelFor<Kernel, Kernel, true>>(comm, kernel, kernel, local_points, dimension,
                                                                      options, refinement);
}

template <class Kernel>
std::unique_ptr<KernelSolver::Model> make_mixed_kernel_solver_model(MPI_Comm comm, Kernel const& kernel,
                                                                    std::vector<double> const& local_points,
                                                                    int dimension, KernelSolverOptions const& options) {
  using InnerKernel = typename kernel_in_precision<Kernel, float>::type;
  return std::make_unique<KernelSolverModelFor<Kernel, InnerKernel>>(
      comm, kernel, InnerKernel::from_g(static_cast<float>(kernel.g)), local_points, dimension, options,
      options.refinement);
}

}  // namespace detail
}  // namespace kernelsolve
