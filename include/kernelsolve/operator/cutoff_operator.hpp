// Truncation as an operator: K_cutoff + ridge I wrapping an exact DistributedOperator, which it leaves exact. The
// same points, kernel, gathers and timings; only the product's source ranges differ (product/cutoff_pattern.hpp).
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/product/cutoff_pattern.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace kernelsolve {

/// \brief The cutoff operator of an exact one: apply() computes (K_cutoff + ridge I) in, where each tile of 64
/// consecutive points skips the tiles the kernel reaches only below truncation k(0) (cutoff_pattern.hpp); the exact
/// operator's own apply() stays the full product. A kernel operator (operator/kernel_operator.hpp) in its own right:
/// preconditioners, CG, refinement (as its inner operator, with the exact one outside), predict and solve_gradient
/// take it, and the latter two sum over its pattern. It refers to the exact operator, which must outlive it.
/// Built without a truncation it is the exact operator's own product under this type (a solver whose inner operator
/// is truncated or not by a run-time option keeps one type for both).
/// \tparam Exact a DistributedOperator.
template <class Exact>
class CutoffOperator {
 public:
  using exact_type = Exact;
  using kernel_type = typename Exact::kernel_type;
  using scalar_type = typename Exact::scalar_type;
  using execution_space = typename Exact::execution_space;
  using memory_space = typename Exact::memory_space;
  using block_type = typename Exact::block_type;

  /// \brief The pattern of `exact`'s rows at `truncation` (collective; host work O((N / 64)^2 / ranks)).
  /// \throws InvalidArgument (on every rank) for a truncation outside (0, 1) (0 too for a compactly supported kernel:
  ///         the exact product).
  CutoffOperator(Exact const& exact, double truncation) : exact_(&exact) {
    detail::throw_on_every_rank_if<InvalidArgument>(
        exact.communicator(), detail::invalid_truncation_for<kernel_type>(truncation), "CutoffOperator");
    auto [pattern, summary] = detail::cutoff_of_rows(exact, truncation);
    pattern_ = std::move(pattern);
    cutoff_summary_ = summary;
  }

  /// The exact operator's product (its pattern and cutoff summary, if any), not truncated (not collective).
  explicit CutoffOperator(Exact const& exact)
      : exact_(&exact), pattern_(exact.pattern()), cutoff_summary_(exact.cutoff_summary()) {}

  /// out = (K_cutoff + ridge I) in on this rank's rows (collective).
  void apply(block_type const& in, block_type const& out) const { exact_->apply_with_pattern(pattern_, in, out); }

  [[nodiscard]] Exact const& exact() const { return *exact_; }
  [[nodiscard]] CutoffPattern<memory_space> const& pattern() const { return pattern_; }
  [[nodiscard]] std::optional<CutoffSummary> const& cutoff_summary() const { return cutoff_summary_; }
  /// The truncation, or nothing for the exact product (0 for a compactly supported kernel's exact cutoff).
  [[nodiscard]] std::optional<double> truncation() const {
    return cutoff_summary_ ? std::optional<double>(cutoff_summary_->truncation) : std::nullopt;
  }

  // The rest is the exact operator's.
  [[nodiscard]] kernel_type const& kernel() const { return exact_->kernel(); }
  [[nodiscard]] auto const& points() const { return exact_->points(); }
  [[nodiscard]] auto local_points() const { return exact_->local_points(); }
  [[nodiscard]] std::int64_t first_row() const { return exact_->first_row(); }
  [[nodiscard]] int local_rows() const { return exact_->local_rows(); }
  [[nodiscard]] std::int64_t global_rows() const { return exact_->global_rows(); }
  [[nodiscard]] int dimension() const { return exact_->dimension(); }
  [[nodiscard]] scalar_type ridge() const { return exact_->ridge(); }
  [[nodiscard]] Communicator const& communicator() const { return exact_->communicator(); }
  [[nodiscard]] execution_space const& space() const { return exact_->space(); }
  [[nodiscard]] RowPartition const& partition() const { return exact_->partition(); }
  [[nodiscard]] PhaseTimings* timings() const { return exact_->timings(); }
  block_type allocate_block(std::string const& label, int columns) const {
    return exact_->allocate_block(label, columns);
  }
  template <class LocalBlock, class GlobalBlock>
  void allgather_rows(LocalBlock const& local, GlobalBlock const& global) const {
    exact_->allgather_rows(local, global);
  }

 private:
  Exact const* exact_;
  CutoffPattern<memory_space> pattern_;
  std::optional<CutoffSummary> cutoff_summary_;  ///< over all ranks
};

}  // namespace kernelsolve
