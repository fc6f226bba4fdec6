// The Gram matrix F^T F of a row-distributed N x k matrix at the speed of a register-tiled matrix product, with the
// same bits on any number of ranks and threads. The rows are cut into chunks at fixed global positions (multiples of
// gram_chunk_rows, whatever the partition); each chunk is summed in plain double, in one fixed order, by the rank that
// owns its first row (the rows of a chunk that runs past that rank's end are sent to it once); the chunk sums are
// added in double-double, and the ranks' sums in rank order. A chunk's sum therefore never depends on where the rank
// boundaries fall, and the double-double sums keep the order of the chunks out of the rounded result, as the
// reproducible dot products do (reproducible_dot.hpp), while the O(N k^2) work runs as multiply-adds, not as exact
// products (which cost about 8 flops each).
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/detail/simd_doubles.hpp>
#include <kernelsolve/detail/simd_width.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace kernelsolve {
namespace detail {

/// Rows per chunk, at global multiples of it: long enough that the lane sums and double-double additions (once per
/// pair and chunk) cost little beside the chunk's multiply-adds (at 256 rows they took a quarter of the time), short
/// enough that a chunk sum in double stays accurate (each lane sums 1024 / lanes products).
inline constexpr int gram_chunk_rows = 1024;

/// Columns of F on each side of one tile of F^T F: 4 x 3 accumulators of one SIMD register each (the rows are the
/// lanes) fill 12 of the 16 AVX2 / SSE registers and leave 4 for the loads; AVX-512's 32 registers hold 4 x 6 and
/// their 10 loads (10 loads per 24 multiply-adds instead of 7 per 12). The shape does not change the bits: each
/// entry is summed the same way in any tile.
inline constexpr int gram_tile_left = 4;
inline constexpr int gram_tile_right = simd_register_bytes >= 64 ? 6 : 3;

/// Columns of F per side of one host thread's block of tiles, which it passes over chunk by chunk: F is read from
/// memory once per block, and the chunk's columns come from cache for the block's tiles (blocks of 32 and 64
/// columns ran 20 % slower at k = 2000, 256 no faster).
inline constexpr int gram_block_columns = 128;

/// Rows summed side by side in one tile accumulator: the doubles of one SIMD register on CPUs, 1 on GPUs (one thread
/// per tile).
template <class ExecutionSpace>
inline constexpr int gram_row_lanes_v = is_host_execution_space_v<ExecutionSpace> ? simd_register_bytes / 8 : 1;

/// \brief Where the fixed global chunks fall for one rank of a row partition, and which of its rows go to the
/// owners of chunks that started on earlier ranks. Host only.
struct GramChunkPlan {
  int owned_begin = 0;      ///< local row where this rank's first own chunk starts (== local rows when none)
  int local_chunks = 0;     ///< own chunks entirely within this rank's rows
  int last_local_rows = 0;  ///< rows of the last of those (gram_chunk_rows except at the end of all rows)
  int straddle_begin = 0;   ///< local row where the chunk that continues on later ranks starts (if any)
  int straddle_rows = 0;    ///< all its rows (0: no such chunk)
  std::vector<int> sends;   ///< sends[2 s], sends[2 s + 1]: this rank's local rows [first, end) for rank s
};

/// The chunk plan of `rank` for the partition whose row offsets are `offsets` (P + 1 values, offsets[P] = N).
inline GramChunkPlan gram_chunk_plan(std::vector<std::int64_t> const& offsets, int rank) {
  constexpr std::int64_t chunk = gram_chunk_rows;
  auto const parts = static_cast<int>(offsets.size()) - 1;
  std::int64_t const total = offsets.back();
  // chunk_end[s]: the global end of rank s's last own chunk, or offsets[s + 1] when it owns none
  std::vector<std::int64_t> chunk_end(static_cast<std::size_t>(parts));
  for (int s = 0; s < parts; ++s) {
    std::int64_t const begin = offsets[static_cast<std::size_t>(s)], end = offsets[static_cast<std::size_t>(s) + 1];
    std::int64_t const first_start = (begin + chunk - 1) / chunk * chunk;
    chunk_end[static_cast<std::size_t>(s)] =
        first_start < end ? std::min((end - 1) / chunk * chunk + chunk, total) : end;
  }
  GramChunkPlan plan;
  std::int64_t const begin = offsets[static_cast<std::size_t>(rank)];
  std::int64_t const end = offsets[static_cast<std::size_t>(rank) + 1];
  std::int64_t const first_start = (begin + chunk - 1) / chunk * chunk;
  plan.owned_begin = static_cast<int>(std::min(first_start, end) - begin);
  if (first_start < end) {
    std::int64_t const last_start = (end - 1) / chunk * chunk;
    std::int64_t const last_end = chunk_end[static_cast<std::size_t>(rank)];
    bool const straddles = last_end > end;
    std::int64_t const local_end = straddles ? last_start : last_end;  // end of the chunks held here entirely
    plan.local_chunks = static_cast<int>((local_end - first_start + chunk - 1) / chunk);
    plan.last_local_rows =
        plan.local_chunks > 0 ? static_cast<int>(local_end - (first_start + (plan.local_chunks - 1) * chunk)) : 0;
    if (straddles) {
      plan.straddle_begin = static_cast<int>(last_start - begin);
      plan.straddle_rows = static_cast<int>(last_end - last_start);
    }
  }
  plan.sends.assign(2 * static_cast<std::size_t>(parts), 0);
  for (int s = 0; s < rank; ++s) {
    std::int64_t const first = std::max(begin, offsets[static_cast<std::size_t>(s) + 1]);
    std::int64_t const last = std::min(end, chunk_end[static_cast<std::size_t>(s)]);
    if (last > first) {
      plan.sends[2 * static_cast<std::size_t>(s)] = static_cast<int>(first - begin);
      plan.sends[2 * static_cast<std::size_t>(s) + 1] = static_cast<int>(last - begin);
    }
  }
  return plan;
}

/// \brief high/low(tile, a, b) += the sums over `chunks` chunks of rows of data(i, a0 + a) data(i, b0 + b), where
/// the chunks start at row `first` of data, hold gram_chunk_rows rows each but the last (`last_rows`), and the tile
/// (a0, b0) = (tiles(tile, 0) gram_tile_left, tiles(tile, 1) gram_tile_right). Each chunk is summed in Lanes
/// interleaved partial sums (row r of the chunk into lane r mod Lanes) added in lane order, then added to the
/// double-double (high, low): fixed by the chunk's rows alone (the same on every rank that could hold them). Columns
/// past the last are read as the last (their sums are not used).
template <int Lanes, class Data, class Tiles, class Ranges, class Sums>
struct GramChunkTiles {
  static constexpr int left_columns = gram_tile_left;
  static constexpr int right_columns = gram_tile_right;
  Data data;
  Tiles tiles;
  Ranges ranges;
  Sums high;
  Sums low;
  int first;
  int chunks;
  int last_rows;

  /// The tiles [ranges(work), ranges(work + 1)), chunk by chunk (so that a chunk's columns are reused from cache by
  /// all of them); each tile's chunks in order.
  KOKKOS_INLINE_FUNCTION void operator()(int work) const {
    int const tile_end = ranges(work + 1);
    for (int chunk = 0; chunk < chunks; ++chunk)
      for (int tile = ranges(work); tile < tile_end; ++tile) add_chunk(tile, chunk);
  }

  /// high/low(tile) += the sum over chunk `chunk`.
  KOKKOS_INLINE_FUNCTION void add_chunk(int tile, int chunk) const {
    using scalar_type = typename Data::non_const_value_type;
    int const columns = static_cast<int>(data.extent(1));
    auto const stride = static_cast<std::size_t>(data.stride(1));
    scalar_type const* left[left_columns];
    scalar_type const* right[right_columns];
    for (int a = 0; a < left_columns; ++a) {
      int const column = tiles(tile, 0) * left_columns + a;
      left[a] = data.data() + stride * static_cast<std::size_t>(column < columns ? column : columns - 1);
    }
    for (int b = 0; b < right_columns; ++b) {
      int const column = tiles(tile, 1) * right_columns + b;
      right[b] = data.data() + stride * static_cast<std::size_t>(column < columns ? column : columns - 1);
    }
    DoubleDouble sums[left_columns][right_columns];
    for (int a = 0; a < left_columns; ++a)
      for (int b = 0; b < right_columns; ++b) sums[a][b] = DoubleDouble{high(tile, a, b), low(tile, a, b)};
    int const begin = first + chunk * gram_chunk_rows;
    int const rows = chunk + 1 == chunks ? last_rows : gram_chunk_rows;
    double chunk_sums[left_columns][right_columns];
    chunk_sum(left, right, begin, rows, chunk_sums);
    for (int a = 0; a < left_columns; ++a)
      for (int b = 0; b < right_columns; ++b) sums[a][b].add(chunk_sums[a][b]);
    for (int a = 0; a < left_columns; ++a)
      for (int b = 0; b < right_columns; ++b) {
        high(tile, a, b) = sums[a][b].hi;
        low(tile, a, b) = sums[a][b].lo;
      }
  }

  /// out(a, b) = the sum over rows [begin, begin + rows) of left[a][i] right[b][i]: row i into lane
  /// (i - begin) mod Lanes, the lanes then added in order.
  template <class Scalar>
  KOKKOS_INLINE_FUNCTION static void chunk_sum(Scalar const* const* left, Scalar const* const* right, int begin,
                                               int rows, double (&out)[left_columns][right_columns]) {
    int const blocked_rows = rows - rows % Lanes;
    double partial[left_columns][right_columns][Lanes] = {};
    int row = 0;
#if KS_SIMD_DOUBLES && !KS_DEVICE_COMPILATION_PASS
    if constexpr (Lanes == simd_doubles && Lanes > 1) {
      // the same sums with the tile of lanes held in registers
      simd_double registers[left_columns][right_columns] = {};
      for (; row < blocked_rows; row += Lanes) {
        int const i = begin + row;
        simd_double right_values[right_columns];
        for (int b = 0; b < right_columns; ++b) {
          right_values[b] = load_as_doubles(right[b] + i);
          keep_in_register(right_values[b]);
        }
        for (int a = 0; a < left_columns; ++a) {
          simd_double left_values = load_as_doubles(left[a] + i);
          keep_in_register(left_values);
          for (int b = 0; b < right_columns; ++b) registers[a][b] += left_values * right_values[b];
        }
      }
      std::memcpy(partial, registers, sizeof partial);
    }
#endif
    for (; row < blocked_rows; row += Lanes) {
      int const i = begin + row;
      for (int a = 0; a < left_columns; ++a)
        for (int b = 0; b < right_columns; ++b)
          for (int lane = 0; lane < Lanes; ++lane)
            partial[a][b][lane] += static_cast<double>(left[a][i + lane]) * static_cast<double>(right[b][i + lane]);
    }
    for (int lane = 0; lane < rows - blocked_rows; ++lane) {
      int const i = begin + blocked_rows + lane;
      for (int a = 0; a < left_columns; ++a)
        for (int b = 0; b < right_columns; ++b)
          partial[a][b][lane] += static_cast<double>(left[a][i]) * static_cast<double>(right[b][i]);
    }
    for (int a = 0; a < left_columns; ++a)
      for (int b = 0; b < right_columns; ++b) {
        double sum = partial[a][b][0];
        for (int lane = 1; lane < Lanes; ++lane) sum += partial[a][b][lane];
        out[a][b] = sum;
      }
  }
};

/// Rows of `data` [begin, end), all columns, in a contiguous host View (through a contiguous copy in data's space,
/// because a strided View cannot be copied between memory spaces).
template <class ExecutionSpace, class Data>
Kokkos::View<typename Data::non_const_value_type**, Kokkos::LayoutLeft, Kokkos::HostSpace> rows_on_host(
    ExecutionSpace const& space, Data const& data, int begin, int end) {
  using scalar_type = typename Data::non_const_value_type;
  Kokkos::View<scalar_type**, Kokkos::LayoutLeft, typename Data::memory_space> contiguous(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::gram::rows"), end - begin, data.extent(1));
  Kokkos::deep_copy(space, contiguous, Kokkos::subview(data, Kokkos::make_pair(begin, end), Kokkos::ALL));
  space.fence();
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), contiguous);
}

/// \brief gram[a + k b] = sum_i data(i, a) data(i, b) over the local rows of all ranks (collective): F^T F, k x k
/// column-major, the same double on every rank and on any rank count and thread count (the chunks and their order
/// of summation are fixed by the global row positions alone). The reduction over the ranks is charged to
/// Phase::reductions of `timings` (nullptr: not timed).
/// Cost: N k^2 / 2 multiply-adds in register tiles (3.6e10 to 3.9e10/s at N = 20000, k = 2000 on 2 Zen 4 threads:
/// 80 to 90 % of OpenBLAS's dsyrk); the rows of at most one chunk per rank travel to an earlier rank; k (k + 1) / 2
/// double-doubles are reduced over the ranks. Memory: k^2 doubles of tile sums and that reduction.
template <class ExecutionSpace, class Data>
std::vector<double> reproducible_gram(ExecutionSpace const& space, Communicator const& communicator, Data const& data,
                                      PhaseTimings* timings = nullptr) {
  using scalar_type = typename Data::non_const_value_type;
  using memory_space = typename Data::memory_space;
  constexpr int lanes = gram_row_lanes_v<ExecutionSpace>;
  constexpr int tile_left = gram_tile_left, tile_right = gram_tile_right;
  int const columns = static_cast<int>(data.extent(1));
  int const local_rows = static_cast<int>(data.extent(0));
  auto const sizes = [&] {
    ScopedPhase timed(timings, Phase::reductions);
    return communicator.gather_from_all(static_cast<std::int64_t>(local_rows));
  }();
  std::vector<std::int64_t> offsets(sizes.size() + 1, 0);
  for (std::size_t r = 0; r < sizes.size(); ++r) offsets[r + 1] = offsets[r] + sizes[r];
  auto const plan = gram_chunk_plan(offsets, communicator.rank());

  // The rows of chunks that started on earlier ranks go to their owners, row by row (so that what arrives from
  // several later ranks, concatenated in rank order, is the rows in global order); this rank's straddling chunk is
  // its own last rows followed by what arrives.
  std::vector<int> send_counts(sizes.size(), 0);
  std::vector<double> outgoing;
  for (std::size_t s = 0; s < sizes.size(); ++s) {
    int const begin = plan.sends[2 * s], end = plan.sends[2 * s + 1];
    if (end <= begin) continue;
    auto const rows = rows_on_host(space, data, begin, end);
    for (int i = 0; i < end - begin; ++i)
      for (int j = 0; j < columns; ++j) outgoing.push_back(static_cast<double>(rows(i, j)));
    send_counts[s] = (end - begin) * columns;
  }
  auto const incoming = [&] {
    ScopedPhase timed(timings, Phase::reductions);
    return communicator.exchange_with_all(outgoing, send_counts);
  }();
  Kokkos::View<scalar_type**, Kokkos::LayoutLeft, memory_space> straddle;
  if (plan.straddle_rows > 0) {
    int const own = local_rows - plan.straddle_begin;
    auto const own_rows = rows_on_host(space, data, plan.straddle_begin, local_rows);
    Kokkos::View<scalar_type**, Kokkos::LayoutLeft, Kokkos::HostSpace> rows("kernelsolve::gram::straddle",
                                                                            plan.straddle_rows, columns);
    for (int j = 0; j < columns; ++j) {
      for (int i = 0; i < own; ++i) rows(i, j) = own_rows(i, j);
      for (int i = own; i < plan.straddle_rows; ++i)
        rows(i, j) = static_cast<scalar_type>(
            incoming[static_cast<std::size_t>(i - own) * static_cast<std::size_t>(columns) + j]);
    }
    straddle = Kokkos::create_mirror_view_and_copy(memory_space(), rows);
  }

  // The tiles of the lower triangle (some a >= b), in blocks of about gram_block_columns^2 columns (a-tile major
  // within a block). A host thread takes a block and passes over its tiles chunk by chunk, finding the block's
  // columns of the chunk in L2; a GPU thread takes one tile.
  int const left_tiles = (columns + tile_left - 1) / tile_left;
  int const right_tiles = (columns + tile_right - 1) / tile_right;
  constexpr int block_left = gram_block_columns / tile_left, block_right = gram_block_columns / tile_right;
  std::vector<int> tile_list;
  std::vector<int> range_list{0};  // the work items' first tiles, and the end
  for (int a_block = 0; a_block < left_tiles; a_block += block_left)
    for (int b_block = 0; b_block < right_tiles; b_block += block_right) {
      for (int a = a_block; a < std::min(a_block + block_left, left_tiles); ++a)
        for (int b = b_block; b < std::min(b_block + block_right, right_tiles); ++b)
          if (b * tile_right <= a * tile_left + tile_left - 1) {
            tile_list.push_back(a);
            tile_list.push_back(b);
            if (lanes == 1) range_list.push_back(static_cast<int>(tile_list.size() / 2));
          }
      if (lanes > 1 && static_cast<int>(tile_list.size() / 2) > range_list.back())
        range_list.push_back(static_cast<int>(tile_list.size() / 2));
    }
  int const tile_count = static_cast<int>(tile_list.size() / 2);
  int const work_count = static_cast<int>(range_list.size()) - 1;
  Kokkos::View<int*, memory_space> ranges(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::gram::ranges"),
                                          range_list.size());
  Kokkos::deep_copy(space, ranges,
                    Kokkos::View<int const*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
                        range_list.data(), range_list.size()));
  Kokkos::View<int* [2], Kokkos::LayoutRight, memory_space> tiles(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::gram::tiles"), tile_count);
  Kokkos::deep_copy(
      space, tiles,
      Kokkos::View<int const* [2], Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
          tile_list.data(), tile_count));
  using Sums = Kokkos::View<double* [tile_left][tile_right], Kokkos::LayoutRight, memory_space>;
  Sums high("kernelsolve::gram::high", tile_count), low("kernelsolve::gram::low", tile_count);

  auto const add_chunks = [&](auto const& rows, int first, int chunks, int last_rows) {
    using Functor = GramChunkTiles<lanes, std::decay_t<decltype(rows)>, decltype(tiles), decltype(ranges), Sums>;
    // dynamic: the blocks on the diagonal hold half the tiles of the others
    Kokkos::parallel_for("kernelsolve::reproducible_gram::chunks",
                         Kokkos::RangePolicy<ExecutionSpace, Kokkos::Schedule<Kokkos::Dynamic>>(space, 0, work_count),
                         Functor{rows, tiles, ranges, high, low, first, chunks, last_rows});
  };
  if (tile_count > 0) {
    if (plan.local_chunks > 0) add_chunks(data, plan.owned_begin, plan.local_chunks, plan.last_local_rows);
    if (plan.straddle_rows > 0) add_chunks(straddle, 0, 1, plan.straddle_rows);
  }
  auto const high_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), high);
  auto const low_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), low);

  // This rank's double-doubles of the pairs a >= b (packed by a), summed over the ranks in rank order.
  auto const packed = [](int a, int b) { return static_cast<std::size_t>(a) * (a + 1) / 2 + b; };
  std::vector<double> hi_lo(2 * packed(columns, 0), 0.0);
  for (int t = 0; t < tile_count; ++t)
    for (int a = 0; a < tile_left; ++a)
      for (int b = 0; b < tile_right; ++b) {
        int const row = tile_list[2 * t] * tile_left + a, column = tile_list[2 * t + 1] * tile_right + b;
        if (row >= columns || column > row) continue;
        hi_lo[2 * packed(row, column)] = high_host(t, a, b);
        hi_lo[2 * packed(row, column) + 1] = low_host(t, a, b);
      }
  {
    ScopedPhase timed(timings, Phase::reductions);
    communicator.sum_double_doubles_in_rank_order(hi_lo);
  }
  std::vector<double> gram(static_cast<std::size_t>(columns) * static_cast<std::size_t>(columns));
  for (int a = 0; a < columns; ++a)
    for (int b = 0; b <= a; ++b) {
      double const value = hi_lo[2 * packed(a, b)] + hi_lo[2 * packed(a, b) + 1];
      gram[static_cast<std::size_t>(a) + static_cast<std::size_t>(columns) * b] = value;
      gram[static_cast<std::size_t>(b) + static_cast<std::size_t>(columns) * a] = value;
    }
  return gram;
}

}  // namespace detail
}  // namespace kernelsolve
