// The options of the Nystrom (randomly pivoted Cholesky) preconditioner and the summary of what its setup chose:
// plain structs without Kokkos, for option parsers, reports and the run-time facade.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace kernelsolve {

/// \brief How the Nystrom preconditioner chooses its rank and pivots.
struct NystromOptions {
  /// The rank k, 1 <= k <= N; nothing: grow the factor until the residual trace tr(K - F F^T) is small (below).
  std::optional<std::int64_t> rank;
  /// Automatic rank: stop when tr(K - F F^T) <= auto_trace_factor * alpha, or when alpha = 0, when
  /// tr(K - F F^T) <= auto_relative_trace * tr(K).
  double auto_trace_factor = 200;
  double auto_relative_trace = 1e-8;
  std::int64_t auto_max_rank = 2000;  ///< automatic rank: at most this
  /// Automatic rank with alpha > 0: also stop when a round of pivots costs more than the products it is estimated to
  /// save (docs/design/nystrom.md, "The automatic rank"): a round's setup costs about 2 N b k multiply-adds, an
  /// iteration a product of N^2 kernel pairs (each about detail::pair_multiply_adds(D)), and the iterations are
  /// estimated as auto_iteration_constant sqrt(1 + lambda / alpha), lambda an estimate of the largest eigenvalue of
  /// K - F F^T from the last round's residual columns, taken to shrink with tr(K - F F^T).
  bool auto_cost_rule = true;
  double auto_iteration_constant = 5;
  int block_size = 64;     ///< candidate pivots per round (1 to 128): more pivots per pass over the rows
  std::uint64_t seed = 0;  ///< of the pivot draws: the same pivots on every rank and rank count
  /// Bytes per rank the factor (rows x k) and the replicated k x k core may take; a given rank that does not fit is
  /// an error, an automatic one stops there.
  double memory_budget_bytes = 2.0 * (1 << 30);
};

/// \brief What the setup chose and what it cost (the same on every rank).
struct NystromSummary {
  std::int64_t rank = 0;      ///< k, the number of pivots
  bool automatic = false;     ///< rank chosen by the residual trace rule
  std::string rank_reason;    ///< why the factor stopped growing at this rank
  double initial_trace = 0;   ///< tr(K)
  double residual_trace = 0;  ///< tr(K - F F^T)
  /// max over the last round's candidates j of |(K - F F^T)(:, j)|^2 / (K - F F^T)(j, j): a lower bound of the
  /// largest eigenvalue of K - F F^T before that round's pivots (0 before the first round)
  double residual_norm_estimate = 0;
  std::int64_t residual_norm_estimate_rank = 0;  ///< the rank of F that residual_norm_estimate is for
  /// The cost rule's estimate of the iterations at this rank: auto_iteration_constant sqrt(1 + lambda / alpha), lambda
  /// = residual_norm_estimate shrunk with the trace since (0 when the rule does not apply)
  double estimated_iterations = 0;
  /// M = F F^T + shift I: alpha, or when alpha = 0 tr(K - F F^T) / N but at least the factor's rounding noise
  /// 16 eps k(0) sqrt(N) (docs/design/nystrom.md).
  double shift = 0;
  int rounds = 0;               ///< passes over the rows (one block of candidates each)
  std::int64_t candidates = 0;  ///< pivots drawn, accepted or not
  double setup_seconds = 0;     ///< wall time of the setup on rank 0's clock
  double factor_bytes = 0;      ///< on the rank with the most rows, factor + core
};

/// Progress of the setup after every round, for monitors.
using NystromRoundMonitor = std::function<void(NystromSummary const& so_far)>;

}  // namespace kernelsolve
