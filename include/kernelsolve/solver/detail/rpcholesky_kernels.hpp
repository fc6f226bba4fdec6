// The row-parallel kernels of the distributed randomly pivoted Cholesky: residual kernel columns at candidate
// pivots, new factor columns by forward substitution, and the Woodbury apply. Each row is computed by one thread in
// a fixed order that does not depend on which rank owns it, so the factor is the same bits on any rank count.
#pragma once

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/simd_doubles.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <cstring>

namespace kernelsolve {
namespace detail {

/// Candidates per round of the block RPCholesky, at most (the per-row accumulators live in a fixed-size array).
inline constexpr int rpcholesky_max_block = 128;

/// Rows and candidates of one thread's tile of the residual columns: on CPUs two SIMD registers of rows (the rows
/// are contiguous in the column-major factor) times 4 candidates (8 with the 32 registers of AVX-512), 8 (16)
/// accumulator registers; one row on GPUs. The shape does not change the bits: every entry is one chain over the
/// factor's columns.
template <class ExecutionSpace>
inline constexpr int rpcholesky_tile_rows_v = is_host_execution_space_v<ExecutionSpace> ? 2 * simd_doubles : 1;
template <class ExecutionSpace>
inline constexpr int rpcholesky_tile_candidates_v =
    is_host_execution_space_v<ExecutionSpace>&& simd_register_bytes >= 64 ? 8 : 4;

/// \brief One tile of rpcholesky_residual_columns: rows [Rows g, Rows (g + 1)) x candidates [C h, C h + C). The
/// explained part F(i, :) . F(c_t, :) of every entry is one chain of multiply-adds over the factor's columns in
/// order, the same however the rows are tiled or partitioned; rows and candidates past the end are read as the last
/// ones and not stored.
template <int Rows, int Candidates_, class Kernel, class LocalPoints, class Points, class Candidates, class Factor,
          class PackedFactor, class Residual>
struct RpcholeskyResidualTile {
  static constexpr int candidates_per_tile = Candidates_;
  Kernel kernel;
  LocalPoints local_points;
  Points points;
  Candidates candidates;
  Factor factor;
  int rank;
  PackedFactor candidate_factor;  ///< (tile, j, t): the candidates' rows of F by tile, contiguous along a tile's run
  Residual residual;
  int candidate_tiles;

  KOKKOS_INLINE_FUNCTION void operator()(int group) const {
    using scalar_type = typename Kernel::value_type;
    int const local_rows = static_cast<int>(residual.extent(0));
    int const block = static_cast<int>(candidates.extent(0));
    int const first_row = group * Rows;
    int row_of[Rows];
    for (int r = 0; r < Rows; ++r) row_of[r] = first_row + r < local_rows ? first_row + r : local_rows - 1;
    double explained[rpcholesky_max_block][Rows];
    for (int t = 0; t < candidate_tiles * candidates_per_tile; ++t)
      for (int r = 0; r < Rows; ++r) explained[t][r] = 0;
    // Runs of factor columns short enough that the group's rows of them (16 KiB with AVX-512) stay in L1 while
    // every candidate tile passes over them (a pass over all columns would touch a new page per column, for every
    // tile; runs of 256 filled L1 and ran 10 % slower).
    for (int first_column = 0; first_column < rank; first_column += column_run) {
      int const end_column = first_column + column_run < rank ? first_column + column_run : rank;
      for (int tile = 0; tile < candidate_tiles; ++tile) {
        double(&sums)[candidates_per_tile][Rows] =
            *reinterpret_cast<double(*)[candidates_per_tile][Rows]>(&explained[tile * candidates_per_tile][0]);
        accumulate(sums, tile, first_row, first_column, end_column, row_of, first_row + Rows <= local_rows);
      }
    }
    for (int t = 0; t < block; ++t) {
      auto const pivot = candidates(t);
      for (int r = 0; r < Rows && first_row + r < local_rows; ++r) {
        scalar_type squared_distance = 0;
        for (int d = 0; d < static_cast<int>(points.extent(1)); ++d) {
          scalar_type const difference = local_points(row_of[r], d) - points(pivot, d);
          squared_distance += difference * difference;
        }
        residual(row_of[r], t) = static_cast<double>(kernel(squared_distance)) - explained[t][r];
      }
    }
  }

  static constexpr int column_run = 128;

  /// sums(t, r) += sum over factor columns j in [first_column, end_column) of F(row r, j) F(c_t, j), in order.
  KOKKOS_INLINE_FUNCTION void accumulate(double (&sums)[candidates_per_tile][Rows], int tile, int first_row,
                                         int first_column, int end_column, int const (&row_of)[Rows], bool full) const {
#if KS_SIMD_DOUBLES && !KS_DEVICE_COMPILATION_PASS
    if constexpr (Rows == 2 * simd_doubles) {
      // The accumulators in registers. A tile at the end of the rows gathers its (repeated) rows into the same
      // registers and runs the same loop: whether the compiler fuses a multiply and an add into an FMA is its own
      // choice per loop (GCC's Zen tuning avoids FMA chains in scalar loops), so a row must never change code path
      // with the partition.
      if (full) {
        auto const stride = static_cast<std::size_t>(factor.stride(1));
        accumulate_in_registers(sums, tile, first_column, end_column, [&](int j, simd_double& low, simd_double& high) {
          auto const* column = factor.data() + stride * static_cast<std::size_t>(j) + first_row;
          low = load_as_doubles(column);
          high = load_as_doubles(column + simd_doubles);
        });
      } else {
        accumulate_in_registers(sums, tile, first_column, end_column, [&](int j, simd_double& low, simd_double& high) {
          for (int r = 0; r < simd_doubles; ++r) {
            low[r] = static_cast<double>(factor(row_of[r], j));
            high[r] = static_cast<double>(factor(row_of[r + simd_doubles], j));
          }
        });
      }
      return;
    }
#endif
    (void)full;
    (void)first_row;
    for (int j = first_column; j < end_column; ++j) {
      double values[Rows];
      for (int r = 0; r < Rows; ++r) values[r] = static_cast<double>(factor(row_of[r], j));
      for (int t = 0; t < candidates_per_tile; ++t) {
        double const other = candidate_factor(tile, j, t);
        for (int r = 0; r < Rows; ++r) sums[t][r] += values[r] * other;
      }
    }
  }

#if KS_SIMD_DOUBLES && !KS_DEVICE_COMPILATION_PASS
  /// accumulate() with the tile's 2 x C registers of sums; load(j, low, high) gives the rows' values of column j.
  template <class Load>
  KOKKOS_FORCEINLINE_FUNCTION void accumulate_in_registers(double (&sums)[candidates_per_tile][Rows], int tile,
                                                           int first_column, int end_column, Load const& load) const {
    simd_double tile_sums[candidates_per_tile][2];
    for (int t = 0; t < candidates_per_tile; ++t)
      for (int half = 0; half < 2; ++half) tile_sums[t][half] = load_as_doubles(&sums[t][half * simd_doubles]);
    for (int j = first_column; j < end_column; ++j) {
      simd_double low, high;
      load(j, low, high);
      keep_in_register(low);
      keep_in_register(high);
      for (int t = 0; t < candidates_per_tile; ++t) {
        simd_double other = broadcast_double(candidate_factor(tile, j, t));
        keep_in_register(other);
        tile_sums[t][0] += low * other;
        tile_sums[t][1] += high * other;
      }
    }
    for (int t = 0; t < candidates_per_tile; ++t)
      for (int half = 0; half < 2; ++half)
        std::memcpy(&sums[t][half * simd_doubles], &tile_sums[t][half], sizeof(simd_double));
  }
#endif
};

/// \brief residual(i, t) = k(|x_i - x_{c_t}|^2) - sum_{j < rank} factor(i, j) candidate_factor(t, j): the columns of
/// the residual K - F F^T at the candidate pivots c_t, on this rank's rows; in register tiles of rows x candidates
/// (a matrix product of the factor with the candidates' rows, plus b kernel values per row).
/// \param local_points  this rank's points (rows x D).  \param points all N points (N x D).
/// \param candidates    the global rows c_t of the candidates (b <= rpcholesky_max_block).
/// \param candidate_factor b x rank: row c_t of F as row t, in double (column-major: contiguous over t).
template <class ExecutionSpace, class Kernel, class LocalPoints, class Points, class Candidates, class Factor,
          class CandidateFactor, class Residual>
void rpcholesky_residual_columns(ExecutionSpace const& space, Kernel const& kernel, LocalPoints const& local_points,
                                 Points const& points, Candidates const& candidates, Factor const& factor, int rank,
                                 CandidateFactor const& candidate_factor, Residual const& residual) {
  constexpr int rows = rpcholesky_tile_rows_v<ExecutionSpace>;
  constexpr int tile_candidates = rpcholesky_tile_candidates_v<ExecutionSpace>;
  int const block = static_cast<int>(candidates.extent(0));
  int const local_rows = static_cast<int>(local_points.extent(0));
  if (block == 0 || local_rows == 0) return;
  int const candidate_tiles = (block + tile_candidates - 1) / tile_candidates;
  int const row_groups = (local_rows + rows - 1) / rows;
  // The candidates' rows of F by tile, so that a tile reads them as one contiguous run (from the column-major
  // b x rank matrix it would read 8 C bytes of every 8 b bytes); candidates past the end repeat the last one.
  using Packed = Kokkos::View<double** [tile_candidates], Kokkos::LayoutRight, typename Residual::memory_space>;
  Packed packed(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::rpcholesky::packed_candidates"),
                candidate_tiles, rank);
  Kokkos::parallel_for(
      "kernelsolve::rpcholesky::pack_candidates",
      Kokkos::MDRangePolicy<ExecutionSpace, Kokkos::Rank<2>>(space, {0, 0}, {candidate_tiles, rank}),
      KOKKOS_LAMBDA(int tile, int j) {
        for (int t = 0; t < tile_candidates; ++t) {
          int const candidate = tile * tile_candidates + t;
          packed(tile, j, t) = candidate_factor(candidate < block ? candidate : block - 1, j);
        }
      });
  using Functor =
      RpcholeskyResidualTile<rows, tile_candidates, Kernel, LocalPoints, Points, Candidates, Factor, Packed, Residual>;
  Kokkos::parallel_for(
      "kernelsolve::rpcholesky::residual_columns", Kokkos::RangePolicy<ExecutionSpace>(space, 0, row_groups),
      Functor{kernel, local_points, points, candidates, factor, rank, packed, residual, candidate_tiles});
}

/// \brief factor(i, rank + m) = f_m with L f = (residual(i, accepted(m)))_m (forward substitution with the
/// accepted pivots' lower Cholesky factor L, a x a), and diagonal(i) -= |f|^2 (clamped at 0): the new columns
/// G(:, A) L^{-T} of F and the new residual diagonal diag(K - F F^T).
template <class ExecutionSpace, class Residual, class Accepted, class Lower, class Factor, class Diagonal>
void rpcholesky_append_columns(ExecutionSpace const& space, Residual const& residual, Accepted const& accepted,
                               Lower const& lower, Factor const& factor, int rank, Diagonal const& diagonal) {
  using scalar_type = typename Factor::non_const_value_type;
  int const count = static_cast<int>(accepted.extent(0));
  Kokkos::parallel_for(
      "kernelsolve::rpcholesky::append_columns", Kokkos::RangePolicy<ExecutionSpace>(space, 0, residual.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        double column[rpcholesky_max_block];
        double remaining = diagonal(i);
        for (int m = 0; m < count; ++m) {
          double value = residual(i, accepted(m));
          for (int l = 0; l < m; ++l) value -= lower(m, l) * column[l];
          column[m] = value / lower(m, m);
          auto const stored = static_cast<scalar_type>(column[m]);
          factor(i, rank + m) = stored;
          remaining -= static_cast<double>(stored) * static_cast<double>(stored);
        }
        diagonal(i) = remaining > 0 ? remaining : 0.0;
      });
}

/// Rows of one thread's tile in nystrom_woodbury_rows: on CPUs four SIMD registers of rows (contiguous in each
/// column of the column-major factor, so a tile reads the factor as streams and vectorizes over its rows); one row
/// on GPUs, where consecutive threads read consecutive rows.
template <class ExecutionSpace>
inline constexpr int woodbury_tile_rows_v = is_host_execution_space_v<ExecutionSpace> ? 4 * simd_doubles : 1;

/// One tile of nystrom_woodbury_rows: rows row(0), ..., row(Rows - 1) of the factor, out stored for the rows
/// [store_from, end). Each row's sum runs over j in order in one accumulator lane, the same arithmetic in every tile.
template <int Rows, class Factor, class Coefficients, class Block, class RowOf>
KOKKOS_INLINE_FUNCTION void woodbury_tile(Factor const& factor, Coefficients const& y, double inverse_shift,
                                          Block const& residual, Block const& out, RowOf const& row,
                                          std::int64_t store_from, std::int64_t end) {
  using scalar_type = typename Block::non_const_value_type;
  int const rank = static_cast<int>(factor.extent(1));
  int const columns = static_cast<int>(residual.extent(1));
  for (int c = 0; c < columns; ++c) {
    double explained[Rows];
    for (int l = 0; l < Rows; ++l) explained[l] = 0;
    for (int j = 0; j < rank; ++j) {
      double const coefficient = y(j, c);
      for (int l = 0; l < Rows; ++l) explained[l] += static_cast<double>(factor(row(l), j)) * coefficient;
    }
    for (int l = 0; l < Rows; ++l) {
      std::int64_t const i = row(l);
      if (i >= store_from && i < end)
        out(i, c) = static_cast<scalar_type>((static_cast<double>(residual(i, c)) - explained[l]) * inverse_shift);
    }
  }
}

/// \brief out(i, c) = (r(i, c) - sum_j factor(i, j) y(j, c)) / shift: the last step of the Woodbury apply
/// (F F^T + shift I)^{-1} r = (r - F (shift I + F^T F)^{-1} F^T r) / shift, with y = (shift I + F^T F)^{-1} F^T r.
/// Each row sums its terms in the order of j: the same bits on any partition. On CPUs a tile of rows keeps one
/// accumulator per row and walks the factor's columns (one row at a time ran a serial chain down a strided row:
/// 2.4 ms of a float64 apply at N = 5000, k = 215 on 2 ranks). The last tile is moved back to end at the last row,
/// storing only its new rows, so that every row goes through the same contiguous loop; only a rank with fewer rows
/// than a tile reads its rows through indices (its last row repeated).
template <class ExecutionSpace, class Factor, class Coefficients, class Block>
void nystrom_woodbury_rows(ExecutionSpace const& space, Factor const& factor, Coefficients const& y, double shift,
                           Block const& residual, Block const& out) {
  constexpr int tile_rows = woodbury_tile_rows_v<ExecutionSpace>;
  auto const rows = static_cast<std::int64_t>(residual.extent(0));
  double const inverse_shift = 1.0 / shift;
  Kokkos::parallel_for(
      "kernelsolve::nystrom::woodbury_rows",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, (rows + tile_rows - 1) / tile_rows),
      KOKKOS_LAMBDA(std::int64_t tile) {
        std::int64_t const store_from = tile * tile_rows;
        if (rows >= tile_rows) {
          std::int64_t const first = store_from + tile_rows <= rows ? store_from : rows - tile_rows;
          woodbury_tile<tile_rows>(
              factor, y, inverse_shift, residual, out, [first](int l) { return first + l; }, store_from, rows);
        } else {
          woodbury_tile<tile_rows>(
              factor, y, inverse_shift, residual, out, [rows](int l) { return l < rows ? std::int64_t(l) : rows - 1; },
              0, rows);
        }
      });
}

/// rows(t, j) = factor(c_t - first_row, j) for the candidates this rank owns, 0 for the others: summed over the
/// ranks (exactly: one term is not 0), every rank has the candidates' rows.
template <class ExecutionSpace, class Factor, class Candidates, class Rows>
void rpcholesky_owned_rows(ExecutionSpace const& space, Factor const& factor, int columns, Candidates const& candidates,
                           std::int64_t first_row, Rows const& rows) {
  auto const local_rows = static_cast<std::int64_t>(factor.extent(0));
  Kokkos::parallel_for(
      "kernelsolve::rpcholesky::owned_rows",
      Kokkos::MDRangePolicy<ExecutionSpace, Kokkos::Rank<2>>(
          space, {0, 0}, {static_cast<std::int64_t>(candidates.extent(0)), static_cast<std::int64_t>(columns)}),
      KOKKOS_LAMBDA(std::int64_t t, std::int64_t j) {
        std::int64_t const row = candidates(t) - first_row;
        rows(t, j) = row >= 0 && row < local_rows ? static_cast<double>(factor(row, j)) : 0.0;
      });
}

}  // namespace detail
}  // namespace kernelsolve
