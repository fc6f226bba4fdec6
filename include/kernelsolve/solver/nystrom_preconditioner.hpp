// The randomly pivoted Cholesky (Nystrom) preconditioner of a distributed kernel operator: M = F F^T + shift I with
// F the N x k factor of a rank-k randomly pivoted partial Cholesky of K (Chen, Epperly, Tropp, Webber 2022), built
// matrix-free in blocks with rejection sampling (Epperly, Tropp, Webber 2024), and applied by the Woodbury identity.
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/detail/reproducible_gram.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/detail/host_cholesky.hpp>
#include <kernelsolve/solver/detail/rpcholesky_kernels.hpp>
#include <kernelsolve/solver/nystrom_options.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace kernelsolve {

/// \brief M^{-1} = (F F^T + shift I)^{-1} for the kernel matrix K of a DistributedOperator, F from randomly pivoted
/// partial Cholesky: a preconditioner for ConjugateGradient (solver/preconditioner.hpp).
///
/// Setup (collective): each round draws `block_size` candidate pivots with probability proportional to the residual
/// diagonal diag(K - F F^T) (every rank draws the same, from the same seed), evaluates the residual columns at the
/// candidates on every rank's rows (k(x, y) only: every kernel family and user kernels), accepts candidate t with
/// probability (its residual after the candidates accepted before it) / (its residual at the start of the round),
/// and appends the accepted pivots' columns G L^{-T} to F. This is exact RPCholesky sampling at the cost of one pass
/// over the rows per block. Each rank keeps its rows of F; the k x k core shift I + F^T F is summed reproducibly
/// (reproducible_gram.hpp) and factored by LAPACK on every rank. Setup reads k N kernel entries (plus rejected
/// candidates) and does about N k^2 multiply-adds for the residual columns and N k^2 / 2 for the Gram, both in
/// register tiles (the BLAS-3 shape, without a BLAS call whose summation order could depend on the partition);
/// memory per rank: rows x k scalars + about 3 k^2 doubles.
///
/// Apply (collective): M^{-1} r = (r - F (shift I + F^T F)^{-1} F^T r) / shift (Woodbury): 2 N k Dv flops and one
/// reduction of k Dv values. The preconditioner keeps a pointer to the operator, which must outlive it.
template <class Operator>
class NystromPreconditioner {
 public:
  using scalar_type = typename Operator::scalar_type;
  using block_type = typename Operator::block_type;
  using execution_space = typename Operator::execution_space;
  using memory_space = typename Operator::memory_space;
  /// This rank's rows of F, column-major: a column is contiguous (coalesced on GPUs, streamed on CPUs).
  using factor_type = Kokkos::View<scalar_type**, Kokkos::LayoutLeft, memory_space>;

  /// \brief Builds F and the factored core (collective).
  /// \throws InvalidArgument (on every rank) for a rank outside [1, N], a rank whose factor does not fit the memory
  ///         budget, or an invalid option.
  explicit NystromPreconditioner(Operator const& op, NystromOptions const& options = {},
                                 NystromRoundMonitor const& on_round = {});

  /// out = M^{-1} residual on this rank's rows (collective); residual and out are local_rows() x Dv. Allocates
  /// nothing after the first call with a given Dv; not thread-safe (it keeps its scratch).
  void apply(block_type const& residual, block_type const& out) const;

  [[nodiscard]] NystromSummary const& summary() const { return summary_; }
  [[nodiscard]] factor_type const& factor() const { return factor_; }
  /// The Cholesky factor L of the core shift I + F^T F (k x k, column-major, the same on every rank): L L^T - shift I
  /// is the Gram F^T F without another pass over the rows (the two-level coarse space's eigenproblem).
  [[nodiscard]] std::vector<double> const& core_factor() const { return core_; }
  /// The global rows of the pivots, in the order they were accepted (the same on every rank).
  [[nodiscard]] std::vector<std::int64_t> const& pivots() const { return pivots_; }

  /// Bytes per rank of a rank-k factor for the rank with the most rows, core included.
  static double bytes_for_rank(std::int64_t rank, std::int64_t most_local_rows) {
    return static_cast<double>(most_local_rows) * static_cast<double>(rank) * sizeof(scalar_type) +
           static_cast<double>(rank) * static_cast<double>(rank) * sizeof(double);
  }

 private:
  /// The setup's stages (the constructor runs them in this order).
  /// Why the factor stops growing before this round, or nothing: its capacity, the automatic trace test, noise.
  /// `estimate_trace`: tr(K - F F^T) when summary_.residual_norm_estimate was made (0: no cost rule); `block`: the
  /// pivots the next round would draw.
  std::optional<std::string> stop_reason(NystromOptions const& options, std::int64_t rank, std::int64_t capacity,
                                         std::string const& cap_reason, double trace, double trace_tolerance,
                                         double noise_floor, int empty_rounds, double estimate_trace, int block) const;
  /// One round of RPCholesky: `block` candidates drawn from diag(K - F F^T) (the same on every rank), their residual
  /// columns, those accepted appended to `factor` (columns rank, rank + 1, ...) with `diagonal` updated. Returns how
  /// many were accepted. With `estimate_norm`, summary_.residual_norm_estimate from the residual columns.
  int round(factor_type const& factor, std::int64_t rank, int block, std::vector<double> const& cumulative,
            Kokkos::View<double**, Kokkos::LayoutLeft, Kokkos::HostSpace> const& all_diagonal,
            Kokkos::View<double**, Kokkos::LayoutLeft, memory_space> const& diagonal, double noise_floor,
            bool estimate_norm, std::mt19937_64& generator);
  /// The shift (alpha, or without a ridge the mean residual diagonal above the factor's rounding noise) and the
  /// Cholesky factor of the core shift I + F^T F, summed reproducibly, on every rank.
  void factor_core(double noise_floor);

  Operator const* op_;
  factor_type factor_;
  std::vector<double> core_;  ///< Cholesky factor of shift I + F^T F, k x k column-major, on every rank
  std::vector<std::int64_t> pivots_;
  NystromSummary summary_;
  /// Kept between applies, so that an apply allocates nothing: the partial sums of F^T r and the device copy of y.
  mutable detail::ReductionScratch<memory_space> scratch_;
  mutable Kokkos::View<double**, Kokkos::LayoutLeft, memory_space> device_coefficients_;
};

namespace detail {

/// What is wrong with the options for N points and `most_local_rows` rows on the fullest rank, or nothing.
template <class Scalar>
std::optional<std::string> invalid_nystrom_options(NystromOptions const& options, std::int64_t points,
                                                   std::int64_t most_local_rows, double bytes_for_given_rank) {
  double const mebibyte = 1024.0 * 1024.0;
  if (options.rank && (*options.rank < 1 || *options.rank > points))
    return concatenate("the Nystrom rank must be in [1, N = ", points, "], got ", *options.rank);
  if (options.block_size < 1 || options.block_size > rpcholesky_max_block)
    return concatenate("the Nystrom block size must be in [1, ", rpcholesky_max_block, "], got ", options.block_size);
  if (!(std::isfinite(options.auto_trace_factor) && options.auto_trace_factor >= 0))
    return concatenate("auto_trace_factor must be finite and >= 0, got ", options.auto_trace_factor);
  if (!(std::isfinite(options.auto_relative_trace) && options.auto_relative_trace >= 0))
    return concatenate("auto_relative_trace must be finite and >= 0, got ", options.auto_relative_trace);
  if (options.auto_max_rank < 1) return concatenate("auto_max_rank must be >= 1, got ", options.auto_max_rank);
  if (!(std::isfinite(options.auto_iteration_constant) && options.auto_iteration_constant > 0))
    return concatenate("auto_iteration_constant must be finite and > 0, got ", options.auto_iteration_constant);
  if (!(options.memory_budget_bytes > 0))
    return concatenate("the memory budget must be > 0 bytes, got ", options.memory_budget_bytes);
  if (options.rank && bytes_for_given_rank > options.memory_budget_bytes)
    return concatenate("a rank-", *options.rank, " Nystrom factor needs ", bytes_for_given_rank / mebibyte,
                       " MiB on the rank with the most rows (", most_local_rows, "), more than the memory budget of ",
                       options.memory_budget_bytes / mebibyte, " MiB per rank");
  double const one_column = static_cast<double>(most_local_rows) * sizeof(Scalar) + sizeof(double);
  if (!options.rank && one_column > options.memory_budget_bytes)
    return concatenate("the memory budget of ", options.memory_budget_bytes / mebibyte,
                       " MiB per rank does not fit one Nystrom column of ", most_local_rows, " rows");
  return std::nullopt;
}

/// values summed over the ranks in place (exact when at most one rank holds a nonzero per entry).
inline void sum_over_ranks(Communicator const& comm, std::vector<double>& values) {
  if (!values.empty()) comm.sum_in_place(values.data(), static_cast<int>(values.size()));
}

/// A rows x columns View in MemorySpace holding the column-major host values (complete when this returns).
template <class MemorySpace, class ExecutionSpace>
Kokkos::View<double**, Kokkos::LayoutLeft, MemorySpace> column_major_copy(ExecutionSpace const& space,
                                                                          char const* label,
                                                                          std::vector<double> const& values,
                                                                          std::int64_t rows, std::int64_t columns) {
  Kokkos::View<double**, Kokkos::LayoutLeft, MemorySpace> copy(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), rows, columns);
  Kokkos::deep_copy(
      space, copy,
      Kokkos::View<double const**, Kokkos::LayoutLeft, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
          values.data(), rows, columns));
  space.fence();  // values may be released after this
  return copy;
}

/// \brief rows[t + b j] = source(c_t - first_row, j) for j < columns, on every rank (collective): the candidates'
/// rows of a local block, b x columns column-major, summed over the ranks where only the owner is not 0 (exact).
template <class ExecutionSpace, class Source, class Candidates>
std::vector<double> candidate_rows_on_every_rank(ExecutionSpace const& space, Communicator const& comm,
                                                 Source const& source, int columns, Candidates const& candidates,
                                                 std::int64_t first_row) {
  auto const block = static_cast<std::int64_t>(candidates.extent(0));
  Kokkos::View<double**, Kokkos::LayoutLeft, typename Source::memory_space> owned(
      "kernelsolve::nystrom::candidate_rows", block, columns);
  rpcholesky_owned_rows(space, source, columns, candidates, first_row, owned);
  std::vector<double> rows(static_cast<std::size_t>(block) * static_cast<std::size_t>(columns));
  Kokkos::deep_copy(
      space,
      Kokkos::View<double**, Kokkos::LayoutLeft, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
          rows.data(), block, columns),
      owned);
  space.fence();
  sum_over_ranks(comm, rows);
  return rows;
}

/// \brief The accelerated RPCholesky acceptance on the b x b residual block `block` (column-major) of the
/// candidates: candidate t is accepted with probability block_t(t, t) / start_diagonal[t], block_t being the
/// residual after the candidates accepted before t. Returns the accepted positions and writes the lower Cholesky
/// factor of block(A, A) to `lower` (a x a, row-major).
/// Pivots at or below `noise_floor` are rejected: their residual is rounding noise of the kernel values.
inline std::vector<int> accept_candidates(std::vector<double> block, int b, std::vector<double> const& start_diagonal,
                                          double noise_floor, std::mt19937_64& generator, std::vector<double>& lower) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<int> accepted;
  std::vector<std::vector<double>> columns;  // scaled Schur columns of the accepted candidates, over all b
  auto at = [&](int row, int column) -> double& {
    return block[static_cast<std::size_t>(column) * static_cast<std::size_t>(b) + static_cast<std::size_t>(row)];
  };
  for (int t = 0; t < b; ++t) {
    double const pivot = at(t, t);
    double const draw = uniform(generator);  // drawn for every candidate: the stream does not depend on the data
    if (!(pivot > noise_floor) || !(draw * start_diagonal[static_cast<std::size_t>(t)] < pivot)) continue;
    double const root = std::sqrt(pivot);
    std::vector<double> column(static_cast<std::size_t>(b), 0.0);
    column[static_cast<std::size_t>(t)] = root;
    for (int s = t + 1; s < b; ++s) column[static_cast<std::size_t>(s)] = at(s, t) / root;
    // block -= column column^T on the candidates after t (the Schur complement)
    for (int r = t + 1; r < b; ++r)
      for (int s = t + 1; s < b; ++s)
        at(s, r) -= column[static_cast<std::size_t>(s)] * column[static_cast<std::size_t>(r)];
    accepted.push_back(t);
    columns.push_back(std::move(column));
  }
  auto const count = accepted.size();
  lower.assign(count * count, 0.0);
  for (std::size_t m = 0; m < count; ++m)
    for (std::size_t l = 0; l <= m; ++l) lower[m * count + l] = columns[l][static_cast<std::size_t>(accepted[m])];
  return accepted;
}

}  // namespace detail

namespace detail {

/// The most columns F may get: the given rank, or the automatic cap (N, auto_max_rank, what fits the memory budget),
/// and why.
template <class BytesForRank>
std::pair<std::int64_t, std::string> nystrom_capacity(NystromOptions const& options, std::int64_t points,
                                                      std::int64_t most_local_rows,
                                                      BytesForRank const& bytes_for_rank) {
  std::int64_t capacity = options.rank.value_or(std::min(points, options.auto_max_rank));
  std::string reason = options.rank ? "given" : capacity == points ? "N, every point" : "auto_max_rank";
  while (!options.rank && capacity > 1 && bytes_for_rank(capacity, most_local_rows) > options.memory_budget_bytes) {
    capacity = static_cast<std::int64_t>(static_cast<double>(capacity) * 0.95);
    reason = "the memory budget";
  }
  return {capacity, reason};
}

/// The automatic rank's cost model: multiply-adds of the setup's register tiles that cost as much as one kernel pair
/// of a product in dimension D. Measured on Zen 4 (AVX-512, 2 threads, docs/design/nystrom.md): 25 at D = 5, 30 at
/// D = 10, 51 at D = 30 and 110 at D = 100 (products at 1.36e9, 1.12e9, 6.7e8 and 3.1e8 pairs/s, the setup's tiles
/// at 3.2e10 to 3.6e10 multiply-adds/s).
inline double pair_multiply_adds(int dimension) {
  return 20 + 0.9 * dimension;
}

/// The iterations that the cost rule estimates for a residual K - F F^T of largest eigenvalue `norm`.
inline double estimated_iterations(NystromOptions const& options, double norm, double alpha) {
  return options.auto_iteration_constant * std::sqrt(1 + norm / alpha);
}

/// Whether the next round of `block` pivots at rank `rank` would cost more than the products it saves. The largest
/// eigenvalue of K - F F^T is taken to shrink with its trace: `norm` (the last round's estimate, made at trace
/// `estimate_trace`) times trace / estimate_trace now, and once more that factor after the next round; the
/// iterations it saves are the difference of estimated_iterations, an iteration costs one product of N^2 pairs plus
/// an apply (4 N k multiply-adds), a round 2 N b k multiply-adds (its residual columns and its share of F^T F).
inline bool round_does_not_pay(NystromOptions const& options, double norm, double estimate_trace, double trace,
                               double alpha, std::int64_t points, int dimension, std::int64_t rank, int block) {
  if (!(estimate_trace > 0) || !(norm > 0)) return false;
  double const shrink = std::min(1.0, trace / estimate_trace);
  double const saved = estimated_iterations(options, norm * shrink, alpha) -
                       estimated_iterations(options, norm * shrink * shrink, alpha);
  double const n = static_cast<double>(points);
  double const iteration_cost = n * n * pair_multiply_adds(dimension) + 4.0 * n * static_cast<double>(rank);
  double const round_cost = 2.0 * n * static_cast<double>(block) * static_cast<double>(rank);
  return saved * iteration_cost < round_cost;
}

}  // namespace detail

template <class Operator>
NystromPreconditioner<Operator>::NystromPreconditioner(Operator const& op, NystromOptions const& options,
                                                       NystromRoundMonitor const& on_round)
    : op_(&op) {
  detail::check_kernel_operator<Operator>();
  detail::ProfilingRegion region("kernelsolve::NystromPreconditioner::setup");
  Kokkos::Timer timer;
  auto const& comm = op.communicator();
  ScopedPhase timed(detail::operator_timings(op), Phase::preconditioner_setup);
  auto const& space = op.space();
  std::int64_t const points = op.global_rows();
  std::int64_t const local_rows = op.local_rows();
  std::int64_t const most_local_rows = comm.max_over_ranks(local_rows);
  detail::throw_on_every_rank_if<InvalidArgument>(
      comm,
      detail::invalid_nystrom_options<scalar_type>(options, points, most_local_rows,
                                                   bytes_for_rank(options.rank.value_or(0), most_local_rows)),
      "NystromPreconditioner");

  auto const [capacity, cap_reason] = detail::nystrom_capacity(options, points, most_local_rows, &bytes_for_rank);
  summary_.automatic = !options.rank.has_value();

  factor_type factor(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::nystrom::factor_capacity"),
                     local_rows, capacity);
  // diag(K - F F^T) on this rank's rows, and on all rows after each gather (the same on every rank)
  Kokkos::View<double**, Kokkos::LayoutLeft, memory_space> diagonal(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::nystrom::residual_diagonal"), local_rows, 1);
  Kokkos::View<double**, Kokkos::LayoutLeft, Kokkos::HostSpace> all_diagonal(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::nystrom::all_residual_diagonal"), points, 1);
  double const kernel_at_zero = static_cast<double>(op.kernel()(scalar_type(0)));
  Kokkos::deep_copy(space, diagonal, kernel_at_zero);
  // Residual pivots below this are rounding noise of kernel values in scalar_type.
  double const noise_floor = 16 * std::numeric_limits<scalar_type>::epsilon() * std::abs(kernel_at_zero);
  double const trace_tolerance = op.ridge() > 0 ? options.auto_trace_factor * static_cast<double>(op.ridge())
                                                : options.auto_relative_trace * kernel_at_zero * points;

  // Rounds until a stop reason: each gathers diag(K - F F^T), draws, evaluates and accepts a block of pivots.
  std::mt19937_64 generator(options.seed);
  std::vector<double> cumulative(static_cast<std::size_t>(points));
  std::int64_t rank = 0;
  int empty_rounds = 0;
  bool const cost_rule = !options.rank && options.auto_cost_rule && op.ridge() > 0;
  double estimate_trace = 0;  // tr(K - F F^T) when the last round estimated the residual's norm
  while (true) {
    op.allgather_rows(diagonal, all_diagonal);
    double trace = 0;
    for (std::int64_t i = 0; i < points; ++i) cumulative[static_cast<std::size_t>(i)] = trace += all_diagonal(i, 0);
    if (summary_.rounds == 0) summary_.initial_trace = trace;
    summary_.residual_trace = trace;
    summary_.rank = rank;
    if (summary_.rounds > 0 && on_round) on_round(summary_);
    if (cost_rule && estimate_trace > 0) {
      summary_.estimated_iterations = detail::estimated_iterations(
          options, summary_.residual_norm_estimate * std::min(1.0, trace / estimate_trace), op.ridge());
    }
    int const block = static_cast<int>(std::min<std::int64_t>(options.block_size, capacity - rank));
    if (auto reason = stop_reason(options, rank, capacity, cap_reason, trace, trace_tolerance, noise_floor,
                                  empty_rounds, cost_rule ? estimate_trace : 0.0, block)) {
      summary_.rank_reason = std::move(*reason);
      break;
    }
    int const accepted =
        round(factor, rank, block, cumulative, all_diagonal, diagonal, noise_floor, cost_rule, generator);
    if (cost_rule) {
      summary_.residual_norm_estimate_rank = rank;
      estimate_trace = trace;
    }
    empty_rounds = accepted == 0 ? empty_rounds + 1 : 0;
    rank += accepted;
  }

  // F with exactly k columns
  if (rank == capacity) {
    factor_ = factor;
  } else {
    factor_ =
        factor_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::nystrom::factor"), local_rows, rank);
    Kokkos::deep_copy(space, factor_, Kokkos::subview(factor, Kokkos::ALL, Kokkos::make_pair(std::int64_t(0), rank)));
  }
  factor_core(noise_floor);
  summary_.factor_bytes = bytes_for_rank(rank, most_local_rows);
  summary_.setup_seconds = timer.seconds();
}

template <class Operator>
std::optional<std::string> NystromPreconditioner<Operator>::stop_reason(NystromOptions const& options,
                                                                        std::int64_t rank, std::int64_t capacity,
                                                                        std::string const& cap_reason, double trace,
                                                                        double trace_tolerance, double noise_floor,
                                                                        int empty_rounds, double estimate_trace,
                                                                        int block) const {
  if (rank >= capacity) return options.rank ? "given" : "the largest rank allowed (" + cap_reason + ")";
  if (!options.rank && trace <= trace_tolerance) {
    return op_->ridge() > 0 ? detail::concatenate("tr(K - F F^T) <= ", options.auto_trace_factor, " alpha")
                            : detail::concatenate("tr(K - F F^T) <= ", options.auto_relative_trace, " tr(K)");
  }
  if (trace <= noise_floor * static_cast<double>(op_->global_rows()) || empty_rounds >= 3)
    return std::string("the residual K - F F^T is rounding noise");
  if (detail::round_does_not_pay(options, summary_.residual_norm_estimate, estimate_trace, trace,
                                 static_cast<double>(op_->ridge()), op_->global_rows(),
                                 static_cast<int>(op_->points().extent(1)), rank, block)) {
    return detail::concatenate("a round of ", block, " pivots costs more than the products it saves (about ",
                               summary_.estimated_iterations, " iterations estimated)");
  }
  return std::nullopt;
}

template <class Operator>
int NystromPreconditioner<Operator>::round(
    factor_type const& factor, std::int64_t rank, int block, std::vector<double> const& cumulative,
    Kokkos::View<double**, Kokkos::LayoutLeft, Kokkos::HostSpace> const& all_diagonal,
    Kokkos::View<double**, Kokkos::LayoutLeft, memory_space> const& diagonal, double noise_floor, bool estimate_norm,
    std::mt19937_64& generator) {
  auto const& op = *op_;
  auto const& comm = op.communicator();
  auto const& space = op.space();
  std::int64_t const points = op.global_rows();
  double const trace = cumulative.back();

  // b candidates drawn from diag(K - F F^T), the same on every rank
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<std::int64_t> candidates(static_cast<std::size_t>(block));
  std::vector<double> start_diagonal(static_cast<std::size_t>(block));
  for (int t = 0; t < block; ++t) {
    double const target = uniform(generator) * trace;
    auto const found = std::upper_bound(cumulative.begin(), cumulative.end(), target) - cumulative.begin();
    std::int64_t pivot = std::min<std::int64_t>(found, points - 1);
    while (pivot > 0 && all_diagonal(pivot, 0) <= 0) --pivot;  // target rounded up to the last entries
    candidates[static_cast<std::size_t>(t)] = pivot;
    start_diagonal[static_cast<std::size_t>(t)] = all_diagonal(pivot, 0);
  }
  Kokkos::View<std::int64_t*, memory_space> device_candidates("kernelsolve::nystrom::candidates", block);
  Kokkos::deep_copy(space, device_candidates,
                    Kokkos::View<std::int64_t*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
                        candidates.data(), candidates.size()));

  // The candidates' rows of F, on every rank: b x rank
  auto const candidate_factor_host = detail::candidate_rows_on_every_rank(space, comm, factor, static_cast<int>(rank),
                                                                          device_candidates, op.first_row());
  auto const candidate_factor = detail::column_major_copy<memory_space>(space, "kernelsolve::nystrom::candidate_factor",
                                                                        candidate_factor_host, block, rank);

  // G = (K - F F^T)(:, candidates) on this rank's rows, and its candidate rows on every rank (b x b)
  Kokkos::View<double**, Kokkos::LayoutLeft, memory_space> residual_columns(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::nystrom::residual_columns"), op.local_rows(),
      block);
  detail::rpcholesky_residual_columns(space, op.kernel(), op.local_points(), op.points(), device_candidates, factor,
                                      static_cast<int>(rank), candidate_factor, residual_columns);
  auto const candidate_block_host =
      detail::candidate_rows_on_every_rank(space, comm, residual_columns, block, device_candidates, op.first_row());
  if (estimate_norm) {
    // lambda_max(E) >= |E e_j|^2 / (e_j^T E e_j) for E = K - F F^T positive semidefinite (Cauchy-Schwarz in the E
    // inner product): the candidates, drawn where the residual is large, make it a close bound on smooth kernels
    // (0.65-0.95 lambda_max on the data of docs/design/nystrom.md). The same on every rank (reproducible dots).
    auto const norms = detail::reproducible_column_dots(space, comm, residual_columns, residual_columns, nullptr,
                                                        detail::operator_timings(op));
    double estimate = 0;
    for (int t = 0; t < block; ++t) {
      auto const diagonal_entry = static_cast<std::size_t>(t) * static_cast<std::size_t>(block) + t;
      if (candidate_block_host[diagonal_entry] > noise_floor)
        estimate = std::max(estimate, norms[static_cast<std::size_t>(t)] / candidate_block_host[diagonal_entry]);
    }
    summary_.residual_norm_estimate = estimate;
  }

  // Accept each candidate with probability (its residual now) / (its residual at the draw): exact RPCholesky
  std::vector<double> lower;
  auto const accepted =
      detail::accept_candidates(candidate_block_host, block, start_diagonal, noise_floor, generator, lower);
  ++summary_.rounds;
  summary_.candidates += block;
  if (accepted.empty()) return 0;
  auto const count = static_cast<int>(accepted.size());
  Kokkos::View<int*, memory_space> device_accepted("kernelsolve::nystrom::accepted", count);
  Kokkos::deep_copy(space, device_accepted,
                    Kokkos::View<int const*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
                        accepted.data(), accepted.size()));
  Kokkos::View<double**, Kokkos::LayoutRight, memory_space> device_lower("kernelsolve::nystrom::lower", count, count);
  Kokkos::deep_copy(
      space, device_lower,
      Kokkos::View<double const**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
          lower.data(), count, count));
  detail::rpcholesky_append_columns(space, residual_columns, device_accepted, device_lower, factor,
                                    static_cast<int>(rank), Kokkos::subview(diagonal, Kokkos::ALL, 0));
  for (int t : accepted) pivots_.push_back(candidates[static_cast<std::size_t>(t)]);
  space.fence();  // the host buffers above are released after this
  return count;
}

template <class Operator>
void NystromPreconditioner<Operator>::factor_core(double noise_floor) {
  auto const& op = *op_;
  auto const rank = static_cast<std::int64_t>(factor_.extent(1));
  auto const points = static_cast<double>(op.global_rows());
  // Without a ridge the shift is the mean residual diagonal, but at least the size of the factor's rounding noise
  // (sqrt(N) entries of 16 eps k(0) per row): a shift at the noise level of K - F F^T made M^{-1} K indefinite in
  // floating point once the factor captured K to rounding (full rank on small N: breakdowns, or thousands of
  // iterations where plain CG takes 250; docs/design/nystrom.md).
  summary_.shift = op.ridge() > 0 ? static_cast<double>(op.ridge())
                                  : std::max(summary_.residual_trace / points, noise_floor * std::sqrt(points));
  core_ = detail::reproducible_gram(op.space(), op.communicator(), factor_, detail::operator_timings(op));
  for (std::int64_t j = 0; j < rank; ++j) core_[static_cast<std::size_t>(j * rank + j)] += summary_.shift;
  int const info = detail::cholesky_factor_in_place(core_, static_cast<int>(rank));
  if (info != 0) {
    detail::throw_error<InvalidArgument>("NystromPreconditioner", "the core shift I + F^T F (shift ", summary_.shift,
                                         ") is not positive definite in floating point at order ", info);
  }
  op.space().fence();
}

template <class Operator>
void NystromPreconditioner<Operator>::apply(block_type const& residual, block_type const& out) const {
  detail::ProfilingRegion region("kernelsolve::NystromPreconditioner::apply");
  auto const& comm = op_->communicator();
  auto const& space = op_->space();
  detail::check_preconditioner_blocks(*op_, residual, out, "NystromPreconditioner::apply");
  auto const rank = static_cast<int>(factor_.extent(1));
  auto const columns = static_cast<int>(residual.extent(1));
  // y = (shift I + F^T F)^{-1} F^T r on every rank, then out = (r - F y) / shift on this rank's rows
  auto coefficients =
      detail::reproducible_cross_products(space, comm, factor_, residual, &scratch_, detail::operator_timings(*op_));
  detail::cholesky_solve_in_place(core_, rank, coefficients, columns);
  if (device_coefficients_.extent(1) != static_cast<std::size_t>(columns))
    device_coefficients_ = Kokkos::View<double**, Kokkos::LayoutLeft, memory_space>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::nystrom::coefficients"), rank, columns);
  Kokkos::deep_copy(
      space, device_coefficients_,
      Kokkos::View<double const**, Kokkos::LayoutLeft, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
          coefficients.data(), rank, columns));
  detail::nystrom_woodbury_rows(space, factor_, device_coefficients_, summary_.shift, residual, out);
  space.fence();  // the host coefficients are released after this
}

}  // namespace kernelsolve
