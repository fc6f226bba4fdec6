// The distributed matrix-free operator A = K(x, x) + alpha I over MPI: each rank owns a contiguous block of rows
// (points), every rank holds all N points (O(N D) memory), and a product gathers the direction vector (O(N Dv)).
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/core/row_partition.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/non_finite.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_traits.hpp>
#include <kernelsolve/product/kernel_product.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kernelsolve {

namespace detail {

/// True when MPI may read and write MemorySpace directly; otherwise the operator stages through host copies.
/// GPU-aware MPI is opted into with the CMake option KERNELSOLVE_ENABLE_GPU_AWARE_MPI.
template <class MemorySpace>
inline constexpr bool mpi_can_access_v =
#ifdef KERNELSOLVE_ENABLE_GPU_AWARE_MPI
    true;
#else
    Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemorySpace>::accessible;
#endif

/// The summary of a cutoff pattern over all ranks' rows (collective): the largest dropped row sums, the total pairs.
inline CutoffSummary cutoff_summary_over_ranks(Communicator const& comm, CutoffSummary summary) {
  auto const dropped = comm.gather_from_all(std::vector<double>{
      summary.dropped_row_sum, summary.dropped_gradient_row_sum, summary.dropped_parameter_row_sum});
  for (std::size_t rank = 0; rank < dropped.size(); rank += 3) {
    summary.dropped_row_sum = std::max(summary.dropped_row_sum, dropped[rank]);
    summary.dropped_gradient_row_sum = std::max(summary.dropped_gradient_row_sum, dropped[rank + 1]);
    summary.dropped_parameter_row_sum = std::max(summary.dropped_parameter_row_sum, dropped[rank + 2]);
  }
  std::int64_t counts[3] = {summary.kept_pairs, summary.pairs, summary.source_ranges};
  comm.sum_in_place(counts, 3);
  summary.kept_pairs = counts[0];
  summary.pairs = counts[1];
  summary.source_ranges = counts[2];
  return summary;
}

/// The cutoff pattern of a kernel operator's rows against all its points at `truncation` (cutoff_pattern.hpp), and
/// its summary over all ranks (collective; host work O((N / 64)^2 / ranks)).
template <class Operator>
auto cutoff_of_rows(Operator const& op, double truncation) {
  auto pattern = make_cutoff_pattern<typename Operator::memory_space>(op.kernel(), op.points(), op.first_row(),
                                                                      op.local_rows(), op.points(), truncation);
  auto const summary = cutoff_summary_over_ranks(op.communicator(), pattern.summary());
  return std::make_pair(std::move(pattern), summary);
}

}  // namespace detail

/// \brief A = K(x, x) + ridge I, distributed by rows over an MPI communicator and applied matrix-free.
///
/// Rank r owns the points of rows [partition().begin(r), partition().end(r)) and the matching rows of every vector
/// (a "block": local_rows() x Dv, column-major). apply() gathers the whole input vector on every rank (point to
/// point, overlapped with the product: overlap_gather) and computes its own rows of the product. K is never stored:
/// the memory per rank is O(N (D + Dv)). All member functions that communicate are collective: every rank calls them,
/// in the same order.
///
/// \tparam Kernel         a kernel functor (kernel_traits.hpp), e.g. Gaussian<float>.
/// \tparam ExecutionSpace where the products run.  \tparam MemorySpace where points and vectors live.
template <class Kernel, class ExecutionSpace = Kokkos::DefaultExecutionSpace,
          class MemorySpace = typename ExecutionSpace::memory_space>
class DistributedOperator {
  static_assert(is_kernel<Kernel>::value,
                "DistributedOperator: Kernel must provide value_type and value_type operator()(value_type r2) const");
  static_assert(Kokkos::SpaceAccessibility<ExecutionSpace, MemorySpace>::accessible,
                "DistributedOperator: MemorySpace must be accessible from ExecutionSpace");

 public:
  using kernel_type = Kernel;
  using scalar_type = typename Kernel::value_type;
  using execution_space = ExecutionSpace;
  using memory_space = MemorySpace;
  /// Vectors: column-major, so that a rank's rows of one column are one contiguous piece of the gathered column.
  using block_type = Kokkos::View<scalar_type**, Kokkos::LayoutLeft, MemorySpace>;

  /// \brief Builds the operator from this rank's points (collective).
  /// \param comm         communicator of the ranks sharing the problem (duplicated internally).
  /// \param local_points this rank's rows of the N x D points, any layout and memory space readable from the host
  ///                     or copyable to it; RowPartition::balanced(N, ranks) gives the usual split.
  /// \param ridge        alpha >= 0 in K + alpha I.
  /// \throws InvalidArgument (on every rank) for ridge < 0 or non-finite, D < 1 or differing between ranks,
  ///         N < number of ranks, or NaN/Inf in the points.
  template <class LocalPoints>
  DistributedOperator(MPI_Comm comm, ExecutionSpace const& space, Kernel const& kernel, LocalPoints const& local_points,
                      scalar_type ridge)
      : communicator_(comm), space_(space), kernel_(kernel), ridge_(ridge) {
    static_assert(Kokkos::is_view<LocalPoints>::value && LocalPoints::rank == 2,
                  "DistributedOperator: local_points must be a rank-2 Kokkos::View (rows x D)");
    detail::ProfilingRegion region("kernelsolve::DistributedOperator::setup");
    // Every check is agreed on by all ranks before anyone throws, so no rank is left waiting in a collective.
    communicator_.throw_if_any_rank_failed(
        !(std::isfinite(ridge) && ridge >= 0),
        detail::concatenate("kernelsolve::DistributedOperator: alpha (the ridge) must be finite and >= 0, got ",
                            ridge));
    auto const dimension = static_cast<std::int64_t>(local_points.extent(1));
    KS_USER_REQUIRE(communicator_.min_over_ranks(dimension) == communicator_.max_over_ranks(dimension),
                    "the points must have the same dimension D on every rank");
    KS_USER_REQUIRE(dimension >= 1, "the points must have dimension D >= 1, got ", dimension);
    KS_USER_REQUIRE(dimension <= kernel_max_dimension<Kernel>::value,
                    "the kernel is positive definite only in dimensions D <= ", kernel_max_dimension<Kernel>::value,
                    ", got D = ", dimension);
    partition_ =
        RowPartition::from_sizes(communicator_.gather_from_all(static_cast<std::int64_t>(local_points.extent(0))));

    // This rank's points on the host, column-major like the gathered copy; checked while they are there.
    auto const points_as_given = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), local_points);
    Kokkos::View<scalar_type**, Kokkos::LayoutLeft, Kokkos::HostSpace> local_host(
        "kernelsolve::DistributedOperator::local_points_host", local_points.extent(0), local_points.extent(1));
    Kokkos::deep_copy(local_host, points_as_given);
    communicator_.throw_if_any_rank_failed(
        detail::count_non_finite(Kokkos::DefaultHostExecutionSpace(), local_host) > 0,
        "kernelsolve::DistributedOperator: the points contain NaN or Inf values");

    points_ = block_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::DistributedOperator::points"),
                         partition_.global_rows(), dimension);
    allgather_rows(local_host, points_);
    // The full product as the pattern of one range of all sources per tile: one product loop for both. A kernel
    // with a compact support gets the exact cutoff instead: only the tile pairs beyond its support are skipped.
    // (Truncating a kernel is another operator around this one: CutoffOperator.)
    if constexpr (has_support_radius<Kernel>::value) {
      auto [pattern, summary] = detail::cutoff_of_rows(*this, 0.0);
      pattern_ = std::move(pattern);
      cutoff_summary_ = summary;
    } else {
      pattern_ = make_full_pattern<MemorySpace>(first_row(), local_rows(), partition_.global_rows());
    }
  }

  /// \brief out = (K + ridge I) in, on this rank's rows (collective).
  /// \param in, out local_rows() x Dv blocks; Dv the same on every rank. Not thread-safe (one gather buffer).
  void apply(block_type const& in, block_type const& out) const { apply_with_pattern(pattern_, in, out); }

  /// \brief out = (K_pattern + ridge I) in, on this rank's rows (collective): the product over the source ranges of
  /// `pattern` (a cutoff pattern of this operator's rows: CutoffOperator's) instead of the operator's own.
  void apply_with_pattern(CutoffPattern<MemorySpace> const& pattern, block_type const& in,
                          block_type const& out) const {
    detail::ProfilingRegion region("kernelsolve::DistributedOperator::apply");
    KS_REQUIRE_EQUAL_EXTENTS("in.extent(0)", in.extent(0), "local_rows()", local_rows());
    KS_REQUIRE_EQUAL_EXTENTS("out.extent(0)", out.extent(0), "local_rows()", local_rows());
    KS_REQUIRE_EQUAL_EXTENTS("in.extent(1)", in.extent(1), "out.extent(1)", out.extent(1));
    if (gathered_.extent(1) != in.extent(1)) {
      gathered_ = block_type(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::DistributedOperator::gathered_direction"),
          partition_.global_rows(), in.extent(1));
    }
    if (overlaps_gather()) {
      product_with_overlapped_gather(pattern, in, out);
    } else {
      allgather_rows(in, gathered_);
      ScopedPhase timed(timings(), Phase::kernel_product);
      kernel_product(space_, kernel_, local_points(), points_, gathered_, out, pattern);
    }
    // out += ridge * in
    ScopedPhase timed(timings(), Phase::vector_updates);
    auto const ridge = ridge_;
    int const columns = static_cast<int>(in.extent(1));
    Kokkos::parallel_for(
        "kernelsolve::DistributedOperator::add_ridge", Kokkos::RangePolicy<ExecutionSpace>(space_, 0, in.extent(0)),
        KOKKOS_LAMBDA(std::size_t i) {
          for (int c = 0; c < columns; ++c) out(i, c) += ridge * in(i, c);
        });
  }

  /// \brief Whether apply() overlaps the gather of its input with the product (default: yes). Overlapped, every rank
  /// sends its block to the others (MPI_Isend / MPI_Irecv) and the product sums the sources in phases in source
  /// order, phase k as soon as the blocks of ranks 0..k are in, each row's running sums carried between phases
  /// (rows x Dv x lanes values more per rank): the same bits as the blocking MPI_Allgatherv and one pass, on every
  /// rank count. Only on more than one rank and where MPI reads MemorySpace (else the blocking gather). Not
  /// collective: every rank must choose the same.
  void overlap_gather(bool overlap) { overlap_gather_ = overlap; }
  /// Whether apply() overlaps its gather now (overlap_gather, more than one rank, memory MPI can read).
  [[nodiscard]] bool overlaps_gather() const {
    return overlap_gather_ && partition_.parts() > 1 && detail::mpi_can_access_v<MemorySpace>;
  }

  /// The exact cutoff of a compactly supported kernel over all ranks (truncation 0: only the pairs beyond its
  /// support_radius() are skipped), or nothing for the full product of every other kernel.
  [[nodiscard]] std::optional<CutoffSummary> const& cutoff_summary() const { return cutoff_summary_; }
  /// 0 for a compactly supported kernel (its exact cutoff), else nothing (the full product).
  [[nodiscard]] std::optional<double> truncation() const {
    return cutoff_summary_ ? std::optional<double>(cutoff_summary_->truncation) : std::nullopt;
  }
  /// The source ranges apply() reduces over for this rank's rows against all points (what solve_gradient's pair sums
  /// use too): one range of all points per tile (make_full_pattern), or the exact cutoff of a compact support.
  [[nodiscard]] CutoffPattern<MemorySpace> const& pattern() const { return pattern_; }

  /// \brief global(:, c) = all ranks' local(:, c) blocks in rank order (collective; one MPI_Allgatherv per column).
  /// \param local local_rows() x C, column-major.  \param global global_rows() x C, column-major.
  /// When MPI cannot access a block's memory (device memory without GPU-aware MPI), the block goes through host
  /// staging buffers that the operator keeps (allocated once, grown to the widest C seen), and global is complete
  /// when this returns: no host buffer is released or rewritten while an asynchronous copy may still read it.
  template <class LocalBlock, class GlobalBlock>
  void allgather_rows(LocalBlock const& local, GlobalBlock const& global) const {
    static_assert(std::is_same_v<typename LocalBlock::array_layout, Kokkos::LayoutLeft> &&
                      std::is_same_v<typename GlobalBlock::array_layout, Kokkos::LayoutLeft>,
                  "allgather_rows: blocks must be column-major (LayoutLeft)");
    static_assert(std::is_same_v<typename LocalBlock::non_const_value_type, typename GlobalBlock::non_const_value_type>,
                  "allgather_rows: local and global blocks must have the same scalar type");
    KS_REQUIRE_EQUAL_EXTENTS("local.extent(0)", local.extent(0), "local_rows()", local_rows());
    KS_REQUIRE_EQUAL_EXTENTS("global.extent(0)", global.extent(0), "global_rows()", partition_.global_rows());
    KS_REQUIRE_EQUAL_EXTENTS("local.extent(1)", local.extent(1), "global.extent(1)", global.extent(1));
    detail::ProfilingRegion region("kernelsolve::DistributedOperator::allgather_rows");
    ScopedPhase timed(timings(), Phase::gather);  // fences: the local block must be complete before MPI reads it
    space_.fence();
    using value_type = typename GlobalBlock::non_const_value_type;
    auto const columns = static_cast<int>(global.extent(1));
    auto const local_for_mpi = mpi_view(local, staging_local_, "kernelsolve::DistributedOperator::staging_local",
                                        local_rows(), columns, /*copy_in=*/true);
    auto const global_for_mpi = mpi_view(global, staging_global_, "kernelsolve::DistributedOperator::staging_global",
                                         partition_.global_rows(), columns, /*copy_in=*/false);
    std::vector<int> counts(static_cast<std::size_t>(partition_.parts()));
    std::vector<int> displacements(counts.size());
    for (int r = 0; r < partition_.parts(); ++r) {
      counts[static_cast<std::size_t>(r)] = partition_.local_rows(r);
      displacements[static_cast<std::size_t>(r)] = static_cast<int>(partition_.begin(r));
    }
    for (int c = 0; c < columns; ++c) {
      auto const column = static_cast<std::size_t>(c);
      MPI_Allgatherv(local_for_mpi.data() + column * local_for_mpi.stride(1), local_rows(), mpi_type<value_type>::get(),
                     global_for_mpi.data() + column * global_for_mpi.stride(1), counts.data(), displacements.data(),
                     mpi_type<value_type>::get(), communicator_.get());
    }
    if (global_for_mpi.data() != global.data()) {
      Kokkos::deep_copy(space_, global, global_for_mpi);
      space_.fence();  // the host buffer is reused (or released) after this: the copy must have read it
    }
  }

  /// A new zero-filled block of local_rows() x columns.
  block_type allocate_block(std::string const& label, int columns) const {
    return block_type(label, local_rows(), columns);
  }

  /// \brief Times this operator's work, and that of the solvers and preconditioners using it, into `timings`
  /// (phase_timings.hpp; nullptr: not timed, the default). The timings must outlive the operator's use; several
  /// operators (mixed precision's two) may share one.
  void record_timings(PhaseTimings* timings) { timings_ = timings; }
  /// Where the work is timed, or nullptr.
  [[nodiscard]] PhaseTimings* timings() const { return timings_; }

  [[nodiscard]] Communicator const& communicator() const { return communicator_; }
  [[nodiscard]] RowPartition const& partition() const { return partition_; }
  [[nodiscard]] ExecutionSpace const& space() const { return space_; }
  [[nodiscard]] Kernel const& kernel() const { return kernel_; }
  [[nodiscard]] scalar_type ridge() const { return ridge_; }
  [[nodiscard]] int dimension() const { return static_cast<int>(points_.extent(1)); }
  [[nodiscard]] std::int64_t global_rows() const { return partition_.global_rows(); }
  [[nodiscard]] int local_rows() const { return partition_.local_rows(communicator_.rank()); }
  /// The first global row of this rank.
  [[nodiscard]] std::int64_t first_row() const { return partition_.begin(communicator_.rank()); }
  /// All N points (N x D, column-major), the same on every rank.
  [[nodiscard]] block_type const& points() const { return points_; }
  /// This rank's points: a view of its rows of points(), not a copy.
  [[nodiscard]] auto local_points() const {
    return Kokkos::subview(points_, Kokkos::make_pair(first_row(), first_row() + local_rows()), Kokkos::ALL);
  }

 private:
  using host_block_type = Kokkos::View<scalar_type**, Kokkos::LayoutLeft, Kokkos::HostSpace>;
  /// Running lane sums of the rows between the phases of an overlapped product: rows x Dv x lanes.
  using running_type = Kokkos::View<scalar_type***, MemorySpace>;

  /// apply()'s product with the gather of `in` overlapped (overlap_gather). Phase k ends at the chunk boundary
  /// at or below the end of rank k's rows (the last at N), so it needs the blocks of ranks 0..k only.
  void product_with_overlapped_gather(CutoffPattern<MemorySpace> const& pattern, block_type const& in,
                                      block_type const& out) const {
    constexpr int alignment = detail::phase_alignment_v<ExecutionSpace, scalar_type>;
    constexpr int lanes = detail::source_lanes_v<ExecutionSpace, scalar_type>;
    constexpr int tag = 7100;  // + column; the communicator is the operator's own duplicate
    int const parts = partition_.parts();
    int const rank = communicator_.rank();
    int const columns = static_cast<int>(in.extent(1));
    auto const type = mpi_type<scalar_type>::get();
    auto const slot = [columns](int part, int column) { return static_cast<std::size_t>(part * columns + column); };
    std::vector<MPI_Request> receives(slot(parts, 0), MPI_REQUEST_NULL);
    std::vector<MPI_Request> sends(receives.size(), MPI_REQUEST_NULL);
    {
      ScopedPhase timed(timings(), Phase::gather);
      space_.fence();  // in must be complete before MPI reads it
      for (int part = 0; part < parts; ++part) {
        if (part == rank) continue;
        for (int c = 0; c < columns; ++c) {
          auto const column = static_cast<std::size_t>(c);
          MPI_Irecv(gathered_.data() + column * gathered_.stride(1) + partition_.begin(part),
                    partition_.local_rows(part), type, part, tag + c, communicator_.get(), &receives[slot(part, c)]);
          MPI_Isend(in.data() + column * in.stride(1), local_rows(), type, part, tag + c, communicator_.get(),
                    &sends[slot(part, c)]);
        }
      }
      Kokkos::deep_copy(
          space_, Kokkos::subview(gathered_, Kokkos::make_pair(first_row(), first_row() + local_rows()), Kokkos::ALL),
          in);
    }
    if (running_.extent(0) != static_cast<std::size_t>(local_rows()) ||
        running_.extent(1) != static_cast<std::size_t>(columns)) {
      running_ = running_type(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::DistributedOperator::running_sums"),
          local_rows(), columns, lanes);
    }
    std::int64_t phase_begin = 0;
    bool started = false;
    for (int part = 0; part < parts; ++part) {
      bool const last = part + 1 == parts;
      std::int64_t const phase_end = last ? partition_.global_rows() : partition_.end(part) / alignment * alignment;
      if (part != rank) {
        ScopedPhase timed(timings(), Phase::gather, ScopedPhase::Entry::resumed);
        MPI_Waitall(columns, &receives[slot(part, 0)], MPI_STATUSES_IGNORE);
      }
      if (phase_end == phase_begin) continue;  // no chunk boundary in this rank's rows: its phase joins the next
      ScopedPhase timed(timings(), Phase::kernel_product,
                        started ? ScopedPhase::Entry::resumed : ScopedPhase::Entry::counted);
      detail::kernel_product_phase(space_, kernel_, local_points(), points_, gathered_, out, pattern, phase_begin,
                                   phase_end, running_, !started, last);
      started = true;
      phase_begin = phase_end;
    }
    ScopedPhase timed(timings(), Phase::gather, ScopedPhase::Entry::resumed);
    MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
  }

  /// The View itself when MPI can access its memory, else its `columns` columns in host memory: a column range of
  /// `staging` (reallocated as rows x columns when too small) for scalar_type blocks, else a new host copy. copy_in
  /// says whether the View's values are needed there (the local block) or will be overwritten (the global block).
  template <class View>
  static auto mpi_view(View const& view, [[maybe_unused]] host_block_type& staging,
                       [[maybe_unused]] char const* staging_label, [[maybe_unused]] std::int64_t rows,
                       [[maybe_unused]] int columns, [[maybe_unused]] bool copy_in) {
    using value_type = typename View::non_const_value_type;
    if constexpr (detail::mpi_can_access_v<typename View::memory_space>) {
      return view;
    } else if constexpr (std::is_same_v<value_type, scalar_type>) {
      if (staging.extent(0) != static_cast<std::size_t>(rows) ||
          staging.extent(1) < static_cast<std::size_t>(columns)) {
        staging =
            host_block_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(staging_label)), rows, columns);
      }
      auto const host = Kokkos::subview(staging, Kokkos::ALL, Kokkos::make_pair(0, columns));
      if (copy_in) Kokkos::deep_copy(host, view);  // synchronous: MPI reads it next
      return host;
    } else {
      Kokkos::View<value_type**, Kokkos::LayoutLeft, Kokkos::HostSpace> host(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::DistributedOperator::mpi_copy"), rows, columns);
      if (copy_in) Kokkos::deep_copy(host, view);
      return host;
    }
  }

  Communicator communicator_;
  ExecutionSpace space_;
  Kernel kernel_;
  scalar_type ridge_;
  RowPartition partition_ = RowPartition::balanced(1, 1);
  block_type points_;
  mutable block_type gathered_;
  mutable running_type running_;  ///< of the overlapped product (allocated on its first use)
  bool overlap_gather_ = true;
  CutoffPattern<MemorySpace> pattern_;           ///< of apply(), this rank's rows (set by the constructor)
  std::optional<CutoffSummary> cutoff_summary_;  ///< over all ranks, for a compactly supported kernel
  PhaseTimings* timings_ = nullptr;              ///< record_timings
  /// Host staging of allgather_rows when MPI cannot access MemorySpace (unused otherwise).
  mutable host_block_type staging_local_;
  mutable host_block_type staging_global_;
};

}  // namespace kernelsolve
