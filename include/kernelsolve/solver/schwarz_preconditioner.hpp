// The overlapping additive Schwarz preconditioner of a distributed kernel operator: M^{-1} = sum_c R_c^T A_c^{-1} R_c
// over spatial cells grown into overlapping blocks (geometry/overlapping_cells.hpp), A_c = K(block_c, block_c) + alpha
// I factored once by LAPACK and kept in the operator's precision; the preconditioner for narrow kernels, whose spectrum
// a low-rank factor cannot capture.
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/geometry/overlapping_cells.hpp>
#include <kernelsolve/kernels/kernel_reach.hpp>
#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/detail/block_cholesky_solve.hpp>
#include <kernelsolve/solver/detail/host_cholesky.hpp>
#include <kernelsolve/solver/schwarz_options.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace kernelsolve {

namespace detail {

/// Where a rank's Schwarz blocks live, built on the host: the local cells' blocks of global rows one after another,
/// where each block's factor starts, and for each local row the (local cell, position) entries of the blocks that
/// hold it.
struct SchwarzLayout {
  std::vector<std::int64_t> block_offsets{0};   ///< local cells + 1, into block_points
  std::vector<std::int64_t> block_points;       ///< the global rows of the local blocks
  std::vector<std::int64_t> factor_offsets{0};  ///< local cells + 1, into the factors
  std::vector<std::int64_t> row_offsets;        ///< local rows + 1, into row_cells / row_positions
  std::vector<std::int64_t> row_cells;
  std::vector<std::int64_t> row_positions;
};

}  // namespace detail

/// \brief M^{-1} = sum_c R_c^T (K_cc + shift I)^{-1} R_c for the kernel matrix K of a DistributedOperator, R_c the
/// restriction to the points of block c: a symmetric positive definite preconditioner for ConjugateGradient.
///
/// The cells (kd-tree leaves of about cell_points points, each grown by the overlap into a block) are built from all
/// N points, the same on every rank. Each rank factors the blocks that meet its rows (LAPACK dpotrf, in double:
/// sum_c b_c^3 / 3 flops) and keeps each factor in the operator's scalar type (b_c^2 of them: float32 factors for a
/// float32 operator, half the memory and half the bytes of the memory-bound apply; the solves still compute in
/// double), so that no partial sums travel: an apply gathers the residual (as a product gathers its direction),
/// solves those blocks (two triangular solves, detail::cholesky_block_solve, 2 b_c^2 Dv flops each) and sums, for
/// each of its rows, the blocks' values in cell order. Every row's sum has the same terms
/// in the same order on any rank count: the bits do not depend on the partition. A block that holds a rank's rows
/// is factored on that rank too, so ranks whose rows cover compact regions (sorted points) repeat only the blocks
/// at their borders. The preconditioner keeps a pointer to the operator, which must outlive it.
template <class Operator>
class SchwarzPreconditioner {
 public:
  using scalar_type = typename Operator::scalar_type;
  using block_type = typename Operator::block_type;
  using execution_space = typename Operator::execution_space;
  using memory_space = typename Operator::memory_space;
  /// The block factors' entries: the operator's precision. Rounding the double factor L to float32 gives the
  /// factor of a nearby SPD matrix (L~ L~^T), so M stays symmetric positive definite and CG valid.
  using factor_scalar = scalar_type;

  /// \brief Builds the cells and factors this rank's blocks (collective).
  /// \throws InvalidArgument (on every rank) for invalid options, a kernel with k(0) <= 0, or factors over the
  ///         memory budget.
  explicit SchwarzPreconditioner(Operator const& op, SchwarzOptions const& options = {});

  /// out = M^{-1} residual on this rank's rows (collective); residual and out are local_rows() x Dv. Allocates
  /// nothing after the first call with a given Dv; not thread-safe (it keeps its scratch).
  void apply(block_type const& residual, block_type const& out) const;

  [[nodiscard]] SchwarzSummary const& summary() const { return summary_; }
  /// All cells and blocks (the same on every rank).
  [[nodiscard]] OverlappingCells const& cells() const { return cells_; }
  /// The cells whose blocks this rank factored, ascending.
  [[nodiscard]] std::vector<std::int64_t> const& local_cells() const { return local_cells_; }

 private:
  using index_view = Kokkos::View<std::int64_t*, memory_space>;
  using host_points_type =
      decltype(Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), std::declval<Operator const&>().points()));

  /// The setup's stages (the constructor runs them in this order), on the host until upload.
  /// The overlapping cells of all points (the same on every rank) and their sizes in the summary.
  void build_cells(SchwarzOptions const& options, host_points_type const& host_points);
  /// This rank's cells (those whose block holds one of its rows), their blocks and factor offsets, and each local
  /// row's (cell, position) entries; the memory budget checked on every rank.
  void select_local_blocks(SchwarzOptions const& options, detail::SchwarzLayout& layout);
  /// A_c = K(block, block) + shift I factored, one block after another, into factors_ (and the summary's shift).
  void factor_blocks(host_points_type const& host_points, detail::SchwarzLayout const& layout, double at_zero);
  /// The layout's indices to the device.
  void upload(detail::SchwarzLayout const& layout);

  Operator const* op_;
  OverlappingCells cells_;
  std::vector<std::int64_t> local_cells_;
  SchwarzSummary summary_;
  index_view block_offsets_;   ///< local cells + 1, into block_points_ (and, times Dv, into solutions_)
  index_view block_points_;    ///< the global rows of the local blocks, one block after another
  index_view factor_offsets_;  ///< local cells + 1, into factors_
  Kokkos::View<factor_scalar*, memory_space> factors_;  ///< each block's lower Cholesky factor, b x b column-major
  index_view row_offsets_;                              ///< local rows + 1, into row_cells_ / row_positions_
  index_view row_cells_;         ///< per local row, the local cells whose blocks hold it, in cell order
  index_view row_positions_;     ///< ... and the row's position in block_points_
  mutable block_type gathered_;  ///< the residual on all N rows
  mutable Kokkos::View<double*, memory_space> solutions_;  ///< per local cell, A_c^{-1} R_c r: b x Dv column-major
};

namespace detail {

/// What is wrong with the options, or nothing.
inline std::optional<std::string> invalid_schwarz_options(SchwarzOptions const& options) {
  if (options.cell_points < 1) return concatenate("the points per cell must be >= 1, got ", options.cell_points);
  if (options.max_block_points < options.cell_points)
    return concatenate("the most points of a block (", options.max_block_points, ") must be >= the points per cell (",
                       options.cell_points, ")");
  if (options.max_block_points > 46340)  // b^2 must fit the int of LAPACK's leading dimension arithmetic
    return concatenate("the most points of a block must be <= 46340, got ", options.max_block_points);
  if (options.overlap && !(*options.overlap >= 0))
    return concatenate("the overlap must be >= 0, got ", *options.overlap);
  if (!(options.overlap_kernel_fraction > 0 && options.overlap_kernel_fraction < 1))
    return concatenate("overlap_kernel_fraction must be in (0, 1), got ", options.overlap_kernel_fraction);
  if (!(options.memory_budget_bytes > 0))
    return concatenate("the memory budget must be > 0 bytes, got ", options.memory_budget_bytes);
  return std::nullopt;
}

/// The overlap of the options: given, or the kernel's reach at overlap_kernel_fraction.
template <class Kernel>
double schwarz_overlap(Kernel const& kernel, SchwarzOptions const& options) {
  return options.overlap.value_or(kernel_reach(kernel, options.overlap_kernel_fraction));
}

/// The overlapping cells of the N x D points (a host View, column-major) for the options.
template <class HostPoints>
OverlappingCells schwarz_cells(HostPoints const& points, SchwarzOptions const& options, double overlap) {
  auto const count = static_cast<std::int64_t>(points.extent(0));
  auto const dimension = static_cast<int>(points.extent(1));
  std::vector<double> coordinates(static_cast<std::size_t>(count) * static_cast<std::size_t>(dimension));
  for (int d = 0; d < dimension; ++d)
    for (std::int64_t i = 0; i < count; ++i)
      coordinates[static_cast<std::size_t>(d) * static_cast<std::size_t>(count) + static_cast<std::size_t>(i)] =
          static_cast<double>(points(i, d));
  // Fewer points than a cell or a block: one cell, one block of all of them.
  return overlapping_cells(coordinates.data(), count, dimension, std::min(options.cell_points, count), overlap,
                           std::min(options.max_block_points, count));
}

}  // namespace detail

/// How far a kernel reaches, in points, over the cells of a Schwarz preconditioner.
struct SchwarzReach {
  std::int64_t cells = 0;
  double mean_points = 0;         ///< within the overlap of a cell, before max_block_points caps the blocks
  std::int64_t capped_cells = 0;  ///< with more points within the overlap than max_block_points
};

/// The reach over cells already built.
inline SchwarzReach reach_over(OverlappingCells const& cells) {
  SchwarzReach reach;
  reach.cells = cells.cells();
  for (std::int64_t c = 0; c < cells.cells(); ++c) {
    auto const points = cells.points_in_reach[static_cast<std::size_t>(c)];
    reach.mean_points += static_cast<double>(points) / static_cast<double>(cells.cells());
    if (points > cells.block_size(c)) ++reach.capped_cells;
  }
  return reach;
}

/// \brief The reach of the kernel over the cells the options would build: what decides between a local (Schwarz)
/// and a global low-rank (Nystrom) preconditioner. Collective only to agree on invalid options; it builds the
/// cells (O(N log N) and a box test per pair of cells) and factors nothing.
template <class Operator>
SchwarzReach schwarz_reach(Operator const& op, SchwarzOptions const& options) {
  detail::throw_on_every_rank_if<InvalidArgument>(op.communicator(), detail::invalid_schwarz_options(options),
                                                  "schwarz_reach");
  auto const host_points = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), op.points());
  return reach_over(detail::schwarz_cells(host_points, options, detail::schwarz_overlap(op.kernel(), options)));
}

template <class Operator>
SchwarzPreconditioner<Operator>::SchwarzPreconditioner(Operator const& op, SchwarzOptions const& options) : op_(&op) {
  detail::check_kernel_operator<Operator>();
  detail::ProfilingRegion region("kernelsolve::SchwarzPreconditioner::setup");
  Kokkos::Timer timer;
  auto const& comm = op.communicator();
  ScopedPhase timed(detail::operator_timings(op), Phase::preconditioner_setup);
  double const at_zero = static_cast<double>(op.kernel()(scalar_type(0)));
  auto problem = detail::invalid_schwarz_options(options);
  if (!problem && !(at_zero > 0))
    problem = detail::concatenate("the kernel must have k(0) > 0 (a positive definite kernel), got ", at_zero);
  detail::throw_on_every_rank_if<InvalidArgument>(comm, problem, "SchwarzPreconditioner");

  auto const host_points = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), op.points());
  build_cells(options, host_points);
  detail::SchwarzLayout layout;
  select_local_blocks(options, layout);
  factor_blocks(host_points, layout, at_zero);
  upload(layout);
  summary_.setup_seconds = timer.seconds();
}

template <class Operator>
void SchwarzPreconditioner<Operator>::build_cells(SchwarzOptions const& options, host_points_type const& host_points) {
  summary_.overlap = detail::schwarz_overlap(op_->kernel(), options);
  summary_.overlap_reason = options.overlap
                                ? std::string("given")
                                : detail::concatenate("k(overlap) = ", options.overlap_kernel_fraction, " k(0)");
  cells_ = detail::schwarz_cells(host_points, options, summary_.overlap);
  auto const reach = reach_over(cells_);
  summary_.cells = reach.cells;
  summary_.mean_points_in_reach = reach.mean_points;
  summary_.capped_blocks = reach.capped_cells;
  for (std::int64_t c = 0; c < cells_.cells(); ++c) {
    summary_.mean_block_points += static_cast<double>(cells_.block_size(c)) / static_cast<double>(cells_.cells());
    summary_.max_block_points = std::max(summary_.max_block_points, cells_.block_size(c));
  }
}

template <class Operator>
void SchwarzPreconditioner<Operator>::select_local_blocks(SchwarzOptions const& options,
                                                          detail::SchwarzLayout& layout) {
  auto const& comm = op_->communicator();
  std::int64_t const first_row = op_->first_row();
  std::int64_t const local_rows = op_->local_rows();
  auto const is_local = [&](std::int64_t row) { return row >= first_row && row < first_row + local_rows; };
  for (std::int64_t c = 0; c < cells_.cells(); ++c) {
    auto const begin = cells_.block_points.begin() + cells_.block_offsets[static_cast<std::size_t>(c)];
    auto const end = cells_.block_points.begin() + cells_.block_offsets[static_cast<std::size_t>(c) + 1];
    if (std::none_of(begin, end, is_local)) continue;
    local_cells_.push_back(c);
    layout.block_points.insert(layout.block_points.end(), begin, end);
    layout.block_offsets.push_back(static_cast<std::int64_t>(layout.block_points.size()));
    auto const b = static_cast<std::int64_t>(end - begin);
    layout.factor_offsets.push_back(layout.factor_offsets.back() + b * b);
  }
  auto const local_count = static_cast<std::int64_t>(local_cells_.size());
  summary_.local_cells = local_count;
  double const bytes_here = static_cast<double>(layout.factor_offsets.back()) * sizeof(factor_scalar);
  summary_.factor_bytes = static_cast<double>(comm.max_over_ranks(static_cast<std::int64_t>(bytes_here)));
  summary_.factor_entry_bytes = static_cast<int>(sizeof(factor_scalar));
  double const mebibyte = 1024.0 * 1024.0;
  detail::throw_on_every_rank_if<InvalidArgument>(
      comm,
      bytes_here > options.memory_budget_bytes
          ? std::optional<std::string>(detail::concatenate(
                "the ", local_count, " block factors of this rank need ", bytes_here / mebibyte,
                " MiB, more than the memory budget of ", options.memory_budget_bytes / mebibyte,
                " MiB per rank (fewer points per cell, a smaller overlap or max_block_points lower it)"))
          : std::nullopt,
      "SchwarzPreconditioner");

  layout.row_offsets.assign(static_cast<std::size_t>(local_rows) + 1, 0);
  for (std::int64_t row : layout.block_points)
    if (is_local(row)) ++layout.row_offsets[static_cast<std::size_t>(row - first_row) + 1];
  for (std::int64_t i = 0; i < local_rows; ++i)
    layout.row_offsets[static_cast<std::size_t>(i) + 1] += layout.row_offsets[static_cast<std::size_t>(i)];
  layout.row_cells.assign(static_cast<std::size_t>(layout.row_offsets.back()), 0);
  layout.row_positions.assign(layout.row_cells.size(), 0);
  std::vector<std::int64_t> filled(layout.row_offsets.begin(), layout.row_offsets.end() - 1);
  for (std::int64_t l = 0; l < local_count; ++l)  // in cell order: each row's entries come in cell order
    for (auto k = layout.block_offsets[static_cast<std::size_t>(l)];
         k < layout.block_offsets[static_cast<std::size_t>(l) + 1]; ++k) {
      auto const row = layout.block_points[static_cast<std::size_t>(k)];
      if (!is_local(row)) continue;
      auto& slot = filled[static_cast<std::size_t>(row - first_row)];
      layout.row_cells[static_cast<std::size_t>(slot)] = l;
      layout.row_positions[static_cast<std::size_t>(slot)] = k;
      ++slot;
    }
}

// A_c = K(block, block) + shift I in double, one block after another: assembled in parallel (over its columns)
// into one double block of scratch, factored there by LAPACK (which may thread inside), then stored in
// factor_scalar. When alpha = 0, or a block is not positive definite in floating point at the shift (kernel values
// rounded to float32), the shift grows tenfold from a multiple of the rounding of k(0).
template <class Operator>
void SchwarzPreconditioner<Operator>::factor_blocks(host_points_type const& host_points,
                                                    detail::SchwarzLayout const& layout, double at_zero) {
  auto const& comm = op_->communicator();
  auto const& kernel = op_->kernel();
  int const dimension = op_->dimension();
  auto const local_count = static_cast<std::int64_t>(local_cells_.size());
  factors_ = Kokkos::View<factor_scalar*, memory_space>(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::schwarz::factors"), layout.factor_offsets.back());
  auto host_factors = Kokkos::create_mirror_view(factors_);
  std::int64_t largest_block = 0;
  for (std::int64_t l = 0; l < local_count; ++l)
    largest_block = std::max(largest_block, layout.block_offsets[static_cast<std::size_t>(l) + 1] -
                                                layout.block_offsets[static_cast<std::size_t>(l)]);
  std::vector<double> matrix(static_cast<std::size_t>(largest_block * largest_block));
  double const noise_shift = 16 * std::numeric_limits<scalar_type>::epsilon() * at_zero;
  double const ridge = static_cast<double>(op_->ridge());
  double largest_shift = ridge > 0 ? ridge : noise_shift;
  bool failed = false;
  for (std::int64_t l = 0; l < local_count && !failed; ++l) {
    auto const begin = layout.block_offsets[static_cast<std::size_t>(l)];
    auto const b = layout.block_offsets[static_cast<std::size_t>(l) + 1] - begin;
    double shift = ridge > 0 ? ridge : noise_shift;
    auto const assemble = [&](std::int64_t s) {  // column s, lower triangle: LAPACK reads only it
      auto const column_point = layout.block_points[static_cast<std::size_t>(begin + s)];
      for (std::int64_t t = s; t < b; ++t) {
        auto const row_point = layout.block_points[static_cast<std::size_t>(begin + t)];
        scalar_type r2 = 0;
        for (int d = 0; d < dimension; ++d) {
          scalar_type const difference = host_points(row_point, d) - host_points(column_point, d);
          r2 += difference * difference;
        }
        matrix[static_cast<std::size_t>(s * b + t)] = static_cast<double>(kernel(r2)) + (s == t ? shift : 0.0);
      }
    };
    auto const columns =
        Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace, Kokkos::Schedule<Kokkos::Dynamic>>(0, b);
    Kokkos::parallel_for("kernelsolve::schwarz::assemble", columns, assemble);
    while (!failed && detail::cholesky_factor_in_place(matrix.data(), static_cast<int>(b)) != 0) {
      shift = std::max(10 * shift, noise_shift);
      failed = shift > at_zero * static_cast<double>(b);  // then no shift of a kernel matrix's scale helps
      Kokkos::parallel_for("kernelsolve::schwarz::assemble", columns, assemble);
    }
    largest_shift = std::max(largest_shift, shift);
    // The factor (its strict upper triangle is 0) in factor_scalar.
    factor_scalar* stored = host_factors.data() + layout.factor_offsets[static_cast<std::size_t>(l)];
    for (std::int64_t k = 0; k < b * b; ++k)
      stored[k] = static_cast<factor_scalar>(matrix[static_cast<std::size_t>(k)]);
  }
  comm.throw_if_any_rank_failed(failed, detail::concatenate("kernelsolve::SchwarzPreconditioner: a block of the "
                                                            "kernel matrix is not positive definite at any shift up "
                                                            "to b k(0) (k(0) = ",
                                                            at_zero, "): is the kernel positive definite?"));
  auto const shifts_of_ranks = comm.gather_from_all(std::vector<double>{largest_shift});
  summary_.shift = *std::max_element(shifts_of_ranks.begin(), shifts_of_ranks.end());
  Kokkos::deep_copy(factors_, host_factors);
}

template <class Operator>
void SchwarzPreconditioner<Operator>::upload(detail::SchwarzLayout const& layout) {
  auto const to_device = [](char const* label, std::vector<std::int64_t> const& values) {
    index_view view(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), values.size());
    Kokkos::deep_copy(view,
                      Kokkos::View<std::int64_t const*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
                          values.data(), values.size()));
    return view;
  };
  block_offsets_ = to_device("kernelsolve::schwarz::block_offsets", layout.block_offsets);
  block_points_ = to_device("kernelsolve::schwarz::block_points", layout.block_points);
  factor_offsets_ = to_device("kernelsolve::schwarz::factor_offsets", layout.factor_offsets);
  row_offsets_ = to_device("kernelsolve::schwarz::row_offsets", layout.row_offsets);
  row_cells_ = to_device("kernelsolve::schwarz::row_cells", layout.row_cells);
  row_positions_ = to_device("kernelsolve::schwarz::row_positions", layout.row_positions);
}

template <class Operator>
void SchwarzPreconditioner<Operator>::apply(block_type const& residual, block_type const& out) const {
  detail::ProfilingRegion region("kernelsolve::SchwarzPreconditioner::apply");
  auto const& space = op_->space();
  detail::check_preconditioner_blocks(*op_, residual, out, "SchwarzPreconditioner::apply");
  auto const columns = static_cast<std::int64_t>(residual.extent(1));
  if (gathered_.extent(1) != residual.extent(1)) {
    gathered_ = block_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::schwarz::gathered_residual"),
                           op_->global_rows(), columns);
    solutions_ = Kokkos::View<double*, memory_space>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::schwarz::block_solutions"),
        block_points_.extent(0) * static_cast<std::size_t>(columns));
  }
  op_->allgather_rows(residual, gathered_);

  auto const block_offsets = block_offsets_;
  auto const block_points = block_points_;
  auto const factor_offsets = factor_offsets_;
  auto const factors = factors_;
  auto const solutions = solutions_;
  auto const gathered = gathered_;
  // y_c = L_c^{-T} L_c^{-1} r(block_c, :), one local cell per work item
  Kokkos::parallel_for(
      "kernelsolve::schwarz::block_solves",
      Kokkos::RangePolicy<execution_space, Kokkos::Schedule<Kokkos::Dynamic>>(space, 0, local_cells_.size()),
      KOKKOS_LAMBDA(std::int64_t l) {
        auto const begin = block_offsets(l);
        auto const b = block_offsets(l + 1) - begin;
        double* y = solutions.data() + begin * columns;
        for (std::int64_t c = 0; c < columns; ++c)
          for (std::int64_t p = 0; p < b; ++p) y[c * b + p] = static_cast<double>(gathered(block_points(begin + p), c));
        detail::cholesky_block_solve(factors.data() + factor_offsets(l), b, y, columns);
      });
  // out(i, :) = sum over the blocks holding row i, in cell order, of y_c at the row
  auto const row_offsets = row_offsets_;
  auto const row_cells = row_cells_;
  auto const row_positions = row_positions_;
  Kokkos::parallel_for(
      "kernelsolve::schwarz::sum_blocks", Kokkos::RangePolicy<execution_space>(space, 0, out.extent(0)),
      KOKKOS_LAMBDA(std::int64_t i) {
        for (std::int64_t c = 0; c < columns; ++c) {
          double sum = 0;
          for (auto e = row_offsets(i); e < row_offsets(i + 1); ++e) {
            auto const l = row_cells(e);
            auto const begin = block_offsets(l);
            auto const b = block_offsets(l + 1) - begin;
            sum += solutions(begin * columns + c * b + (row_positions(e) - begin));
          }
          out(i, c) = static_cast<scalar_type>(sum);
        }
      });
  space.fence();
}

}  // namespace kernelsolve
