// The kernel product as one parallel loop over target rows, each row reducing over all sources in registers.
// On host spaces the source loop is split into independent lanes that the compiler turns into SIMD code.
#pragma once

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/simd_width.hpp>

#include <algorithm>
#include <type_traits>
#include <utility>

namespace kernelsolve {
namespace detail {

/// The Width sums of a row, sum_j term_w(j) over the source ranges added to it, in independent lanes that the
/// compiler vectorizes and in two levels, so that float32 rounding grows far slower than in one running sum.
///
/// Lanes: source j goes to lane (j - origin) % Lanes (origin = begin % Lanes: 0 for every range a row gets here, whose
/// begins are 0 or multiples of the 64-row tiles), the sources of a lane in increasing order.
/// Levels: the sources are grouped into chunks of chunk_lanes terms per lane on a fixed grid of j; a chunk's terms are
/// summed apart and added to the running lane sums when the row moves past the chunk. The running sum of a lane then
/// takes a few hundred chunk sums at N = 1e5 instead of thousands of terms: what limits float32 products is that
/// rounding (the inner solves of mixed precision gained only 1e-3 per outer step with one level).
/// The order of the additions depends only on the sources added, so equal inputs give equal bits on any partition of
/// the rows; a range skipped where the terms are exactly 0 (a compact kernel's cutoff) changes no bit, since the chunk
/// state carries over from range to range.
template <int Lanes, class Scalar, int Width>
struct LaneSums {
  static constexpr int lanes = Lanes;
  static constexpr int width = Width;
  static constexpr int chunk_lanes = 16;  ///< terms per lane in a chunk
  static constexpr int chunk_sources = chunk_lanes * Lanes;

  Scalar running[Width][Lanes] = {};
  Scalar chunk[Width][Lanes] = {};
  int current_chunk = 0;

  KOKKOS_FORCEINLINE_FUNCTION void flush() {
    for (int w = 0; w < Width; ++w)
      for (int lane = 0; lane < Lanes; ++lane) {
        running[w][lane] += chunk[w][lane];
        chunk[w][lane] = 0;
      }
  }

  /// Moves to the chunk that holds source j (the running sums take the chunk before) and returns where it ends.
  KOKKOS_FORCEINLINE_FUNCTION int enter_chunk(int j, int origin) {
    int const chunk_index = (j - origin) / chunk_sources;
    if (chunk_index != current_chunk) {
      flush();
      current_chunk = chunk_index;
    }
    return origin + (chunk_index + 1) * chunk_sources;
  }

  /// Adds term_w(j) for the sources j in [begin, end), where body(j, terms) writes the Width terms of source j.
  /// Force-inlined: Clang otherwise keeps it as a call of its own, so the loop is not where the row functor is.
  template <class Body>
  KOKKOS_FORCEINLINE_FUNCTION void add(int begin, int end, Body const& body) {
    add_prepared(
        begin, end, [](int, Scalar(&)[Lanes]) KS_FORCEINLINE_LAMBDA {},
        [](int) KS_FORCEINLINE_LAMBDA { return Scalar(0); },
        [&](int j, Scalar, Scalar(&terms)[Width]) KS_FORCEINLINE_LAMBDA { body(j, terms); });
  }

  /// add() for terms of a value per source that is cheaper to compute for Lanes sources at once (the distances of a
  /// run-time dimension): prepare(block, values) writes the values of sources block .. block + Lanes - 1, single(j)
  /// the value of one source with the same bits, and body(j, value, terms) the Width terms of source j.
  template <class Prepare, class Single, class Body>
  KOKKOS_FORCEINLINE_FUNCTION void add_prepared(int begin, int end, Prepare const& prepare, Single const& single,
                                                Body const& body) {
    int const origin = begin % Lanes;
    int const blocked_end = end - (end - begin) % Lanes;
    int block = begin;
    while (block < blocked_end) {
      int const chunk_end = enter_chunk(block, origin);
      int const stop = blocked_end < chunk_end ? blocked_end : chunk_end;
      // The lanes in a local array, which the compiler keeps in registers: Clang does not vectorize the cheap
      // kernels (Cauchy) with the sums in the struct, which it must then load and store at every block.
      Scalar local[Width][Lanes];
      for (int w = 0; w < Width; ++w)
        for (int lane = 0; lane < Lanes; ++lane) local[w][lane] = chunk[w][lane];
      for (; block < stop; block += Lanes) {
        Scalar values[Lanes] = {};
        prepare(block, values);
        for (int lane = 0; lane < Lanes; ++lane) {
          Scalar terms[Width];
          body(block + lane, values[lane], terms);
          for (int w = 0; w < Width; ++w) local[w][lane] += terms[w];
        }
      }
      for (int w = 0; w < Width; ++w)
        for (int lane = 0; lane < Lanes; ++lane) chunk[w][lane] = local[w][lane];
    }
    if (blocked_end < end) {
      // Fewer than Lanes sources: all in the chunk of blocked_end (a chunk holds a whole number of lane blocks).
      enter_chunk(blocked_end, origin);
      for (int j = blocked_end; j < end; ++j) {
        Scalar terms[Width];
        body(j, single(j), terms);
        for (int w = 0; w < Width; ++w) chunk[w][j - blocked_end] += terms[w];
      }
    }
  }

  /// sums[w] = the sum over the lanes of lane w's chunks, in lane order.
  KOKKOS_FORCEINLINE_FUNCTION void sums(Scalar (&out)[Width]) {
    flush();
    for (int w = 0; w < Width; ++w) {
      Scalar sum = 0;
      for (int lane = 0; lane < Lanes; ++lane) sum += running[w][lane];
      out[w] = sum;
    }
  }
};

/// The sources a row of the product reduces over: all of them, [0, count).
struct AllSources {
  int count;
  template <class Function>
  KOKKOS_FORCEINLINE_FUNCTION void for_each_range(int /*row*/, Function const& function) const {
    function(0, count);
  }
  /// Whether rows first .. last reduce over the same ranges (always).
  KOKKOS_FORCEINLINE_FUNCTION bool same_ranges(int /*first*/, int /*last*/) const { return true; }
};

/// The sources of `ranges` in [begin, end): one piece of a product summed piece by piece as its sources arrive
/// (DistributedOperator's overlapped gather). Pieces that begin and end on the LaneSums chunk grid
/// (phase_alignment_v) give the bits of one pass over all ranges: each lane takes the same terms in the same order
/// and the same chunk sums.
template <class SourceRanges>
struct SourcePhase {
  SourceRanges ranges;
  int begin;
  int end;
  template <class Function>
  KOKKOS_FORCEINLINE_FUNCTION void for_each_range(int row, Function const& function) const {
    ranges.for_each_range(row, [&](int range_begin, int range_end) KS_FORCEINLINE_LAMBDA {
      int const clipped_begin = range_begin > begin ? range_begin : begin;
      int const clipped_end = range_end < end ? range_end : end;
      if (clipped_begin < clipped_end) function(clipped_begin, clipped_end);
    });
  }
  KOKKOS_FORCEINLINE_FUNCTION bool same_ranges(int first, int last) const { return ranges.same_ranges(first, last); }
};

/// A row's lane sums start at 0 and end in out: the whole product in one call.
struct NoCarry {
  template <class Sums>
  KOKKOS_FORCEINLINE_FUNCTION void resume(int /*row*/, int /*first_column*/, Sums& /*sums*/) const {}
  /// Whether the sums were kept for a next phase (then out is not written).
  template <class Sums>
  KOKKOS_FORCEINLINE_FUNCTION bool keep(int /*row*/, int /*first_column*/, Sums& /*sums*/) const {
    return false;
  }
};

/// The running lane sums of every row carried from the phase before (resume) to the phase after (keep): rows x
/// columns x Lanes values, in the memory of the product.
template <class Running>
struct CarryBetweenPhases {
  Running running;
  bool resume_sums;  ///< false for the first phase: the sums start at 0
  bool keep_sums;    ///< false for the last phase: the sums go to out
  template <class Sums>
  KOKKOS_FORCEINLINE_FUNCTION void resume(int row, int first_column, Sums& sums) const {
    if (!resume_sums) return;
    for (int w = 0; w < Sums::width; ++w)
      for (int lane = 0; lane < Sums::lanes; ++lane) sums.running[w][lane] = running(row, first_column + w, lane);
  }
  template <class Sums>
  KOKKOS_FORCEINLINE_FUNCTION bool keep(int row, int first_column, Sums& sums) const {
    if (!keep_sums) return false;
    sums.flush();  // the phase ends on the chunk grid: the flush of the next chunk's entry, done here
    for (int w = 0; w < Sums::width; ++w)
      for (int lane = 0; lane < Sums::lanes; ++lane) running(row, first_column + w, lane) = sums.running[w][lane];
    return true;
  }
};

/// target[d] = targets(i, d) when the dimension is a compile-time constant (else the distance reads targets).
template <int Dimension, class Targets, class Scalar>
KOKKOS_INLINE_FUNCTION void load_target(Targets const& targets, int i, Scalar* target) {
  if constexpr (Dimension > 0) {
    for (int d = 0; d < Dimension; ++d) target[d] = targets(i, d);
  }
}

/// |x_i - y_j|^2, with x_i preloaded in `target` when Dimension > 0 (the loop unrolls), else of run-time dimension.
template <int Dimension, class Targets, class Sources, class Scalar>
KOKKOS_INLINE_FUNCTION Scalar squared_distance(Targets const& targets, Sources const& sources, int dimension,
                                               Scalar const* target, int i, int j) {
  Scalar sum = 0;
  if constexpr (Dimension > 0) {
    for (int d = 0; d < Dimension; ++d) {
      Scalar const difference = target[d] - sources(j, d);
      sum += difference * difference;
    }
  } else {
    for (int d = 0; d < dimension; ++d) {
      Scalar const difference = targets(i, d) - sources(j, d);
      sum += difference * difference;
    }
  }
  return sum;
}

/// \brief values[r * row_stride + l] = |x_(first_row + r) - y_(block + l)|^2 for Rows target rows and the Lanes
/// sources from `block` on, of a run-time dimension: the coordinates in the outer loop, and each coordinate's Lanes
/// source values (one contiguous load of column-major sources) loaded once for all Rows rows (a register tile, the
/// shape of a GEMM micro-kernel). Each distance takes the operations of squared_distance<0> for one source, in the
/// same order: a pair gets the same bits in a group of rows, in a row alone (squared_distances_of_block) or as a
/// single source.
/// Host compilers with GNU vector types (GCC, Clang) get the tile as SIMD registers: GCC keeps a two-dimensional
/// array of lanes in memory (a load and a store per multiply-add), named vector types it keeps in registers.
template <int Rows, int Lanes, class Targets, class Sources, class Scalar>
KOKKOS_FORCEINLINE_FUNCTION void squared_distances_of_rows(Targets const& targets, Sources const& sources,
                                                           int dimension, int first_row, int block, Scalar* values,
                                                           int row_stride) {
#if KS_HAVE_VECTOR_TYPES
  constexpr int per_register = simd_register_bytes / static_cast<int>(sizeof(Scalar));
  if constexpr (Lanes % per_register == 0) {
    typedef Scalar register_type __attribute__((vector_size(simd_register_bytes)));
    constexpr int registers = Lanes / per_register;
    register_type sums[Rows][registers];
    KS_UNROLL
    for (int r = 0; r < Rows; ++r) {
      KS_UNROLL
      for (int k = 0; k < registers; ++k) sums[r][k] = register_type{};
    }
    for (int d = 0; d < dimension; ++d) {
      register_type source[registers];
      if constexpr (std::is_same_v<typename Sources::array_layout, Kokkos::LayoutLeft>) {
        __builtin_memcpy(&source, &sources(block, d), sizeof source);  // Lanes contiguous values (column-major)
      } else {
        Scalar gathered[Lanes];
        for (int lane = 0; lane < Lanes; ++lane) gathered[lane] = sources(block + lane, d);
        __builtin_memcpy(&source, gathered, sizeof source);
      }
      KS_UNROLL
      for (int r = 0; r < Rows; ++r) {
        Scalar const target = targets(first_row + r, d);
        KS_UNROLL
        for (int k = 0; k < registers; ++k) {
          register_type const difference = target - source[k];
          sums[r][k] += difference * difference;
        }
      }
    }
    KS_UNROLL
    for (int r = 0; r < Rows; ++r)
      for (int k = 0; k < registers; ++k)
        __builtin_memcpy(values + r * row_stride + k * per_register, &sums[r][k], sizeof sums[r][k]);
  } else  // NOLINT(readability-misleading-indentation): the plain loop below is this branch's body
#endif
  {
    Scalar sums[Rows][Lanes];
    for (int r = 0; r < Rows; ++r)
      for (int lane = 0; lane < Lanes; ++lane) sums[r][lane] = 0;
    for (int d = 0; d < dimension; ++d) {
      for (int r = 0; r < Rows; ++r) {
        Scalar const target = targets(first_row + r, d);
        KS_VECTORIZE_LANES
        for (int lane = 0; lane < Lanes; ++lane) {
          Scalar const difference = target - sources(block + lane, d);
          sums[r][lane] += difference * difference;
        }
      }
    }
    for (int r = 0; r < Rows; ++r)
      for (int lane = 0; lane < Lanes; ++lane) values[r * row_stride + lane] = sums[r][lane];
  }
}

/// \brief values[l] = |x_i - y_(block + l)|^2 for the Lanes sources from `block` on, of a run-time dimension: a row
/// alone (the rows of a cutoff tile, the last rows of a product, the gradient's rows). squared_distances_of_rows with
/// Rows = 1 computes the same bits, and ran D = 100 about 20 % slower in a row alone (Zen 4): the lanes vectorized
/// by OpenMP's simd construct keep the sums in fewer registers than the vector-type tile.
template <int Lanes, class Targets, class Sources, class Scalar>
KOKKOS_FORCEINLINE_FUNCTION void squared_distances_of_block(Targets const& targets, Sources const& sources,
                                                            int dimension, int i, int block, Scalar (&values)[Lanes]) {
  Scalar sums[Lanes];
  for (int lane = 0; lane < Lanes; ++lane) sums[lane] = 0;
  for (int d = 0; d < dimension; ++d) {
    Scalar const target = targets(i, d);
    KS_VECTORIZE_LANES
    for (int lane = 0; lane < Lanes; ++lane) {
      Scalar const difference = target - sources(block + lane, d);
      sums[lane] += difference * difference;
    }
  }
  for (int lane = 0; lane < Lanes; ++lane) values[lane] = sums[lane];
}

/// \brief Adds row i's terms over the sources [begin, end) to its lane sums, terms_of(j, r2, terms) making the
/// Sums::width terms of source j from its squared distance r2: for a compile-time dimension the distance loop
/// unrolls inside the lane loop, which vectorizes; for a run-time one the distances of a block of lanes come first,
/// coordinate by coordinate (squared_distances_of_rows). `target`: row i's coordinates for a compile-time dimension.
template <int Dimension, int Lanes, class Sums, class Targets, class Sources, class Scalar, class TermsOf>
KOKKOS_FORCEINLINE_FUNCTION void add_row_terms(Sums& lane_sums, Targets const& targets, Sources const& sources,
                                               int dimension, Scalar const* target, int i, int begin, int end,
                                               TermsOf const& terms_of) {
  if constexpr (Dimension > 0) {
    lane_sums.add(begin, end, [&](int j, Scalar(&terms)[Sums::width]) KS_FORCEINLINE_LAMBDA {
      terms_of(j, squared_distance<Dimension>(targets, sources, dimension, target, i, j), terms);
    });
  } else {
    lane_sums.add_prepared(
        begin, end,
        [&](int block, Scalar(&r2)[Lanes])
            KS_FORCEINLINE_LAMBDA { squared_distances_of_block<Lanes>(targets, sources, dimension, i, block, r2); },
        [&](int j) KS_FORCEINLINE_LAMBDA { return squared_distance<0>(targets, sources, dimension, target, i, j); },
        terms_of);
  }
}

/// Target rows whose distances a product of a run-time dimension computes together on host spaces
/// (squared_distances_of_rows): the source coordinates are read once per group instead of once per row. Measured
/// on Zen 4 (AVX-512, docs/performance/dimension.md): 16 rows of doubles stream half the source bytes of 8 and ran
/// D = 784 2.2x and D = 10 1.1x faster, their tile spilling a few registers; floats ran 1.2-1.7x slower with 16
/// rows than with 8.
template <class Scalar>
inline constexpr int distance_group_rows_v = sizeof(Scalar) >= 8 ? 16 : 8;

/// Independent source lanes per row: simd_unroll registers of the compilation target on CPUs (simd_width.hpp); GPUs
/// vectorize across rows instead.
template <class ExecutionSpace, class Scalar>
inline constexpr int source_lanes_v = is_host_execution_space_v<ExecutionSpace> ? simd_lanes_v<Scalar> : 1;

/// Where the pieces of a product summed piece by piece (SourcePhase) must begin and end: on the chunk grid.
template <class ExecutionSpace, class Scalar>
inline constexpr int phase_alignment_v = LaneSums<source_lanes_v<ExecutionSpace, Scalar>, Scalar, 1>::chunk_sources;

/// Right-hand-side columns reduced together: each needs Lanes registers, so four keep the loop in registers.
inline constexpr int max_columns_per_pass = 4;

/// out(i, first_column + c) = sum_j k(|x_i - y_j|^2) w(j, first_column + c) for c < Columns, one row i per call,
/// over the sources j of the ranges that source_ranges.for_each_range(i, f) hands to f(begin, end): AllSources, or
/// the tiles a cutoff product keeps (cutoff_pattern.hpp). Dimension > 0 fixes D at compile time (the inner distance
/// loop unrolls); 0 reads it at run time.
/// Carry: NoCarry, or CarryBetweenPhases for a product summed in phases (SourcePhase).
template <int Dimension, int Columns, int Lanes, class Kernel, class Targets, class Sources, class Weights, class Out,
          class SourceRanges = AllSources, class Carry = NoCarry>
struct RowProduct {
  using scalar_type = typename Kernel::value_type;

  Kernel kernel;
  Targets targets;
  Sources sources;
  Weights weights;
  Out out;
  int first_column;
  int dimension;
  SourceRanges source_ranges;
  Carry carry = {};

  /// Rows per call: a group of distance_group_rows_v for a run-time dimension on host spaces, else one.
  static constexpr int group_rows = Dimension == 0 && Lanes > 1 ? distance_group_rows_v<scalar_type> : 1;
  /// Sources per piece of a group's ranges, whose distances the group keeps (group_rows x piece: L1-sized).
  static constexpr int piece_sources = 8 * Lanes;

  // Force-inlined into the caller's row loop (Clang keeps it out of line otherwise).
  KOKKOS_FORCEINLINE_FUNCTION void operator()(int index) const {
    if constexpr (group_rows == 1) {
      row(index);
    } else {
      // A group of rows shares its distance tiles when they reduce over the same ranges; else (the last rows, or
      // a group across two cutoff tiles) row by row, with the same bits.
      int const first = index * group_rows;
      int const count = static_cast<int>(targets.extent(0));
      if (first + group_rows <= count && source_ranges.same_ranges(first, first + group_rows - 1)) {
        group(first);
      } else {
        for (int i = first; i < count && i < first + group_rows; ++i) row(i);
      }
    }
  }

  /// The terms of source j from its squared distance r2.
  KOKKOS_FORCEINLINE_FUNCTION void terms_of(int j, scalar_type r2, scalar_type (&terms)[Columns]) const {
    scalar_type const k = kernel(r2);
    for (int c = 0; c < Columns; ++c) terms[c] = k * weights(j, first_column + c);
  }

  /// Row i alone.
  KOKKOS_FORCEINLINE_FUNCTION void row(int i) const {
    scalar_type target[Dimension > 0 ? Dimension : 1] = {};
    load_target<Dimension>(targets, i, target);
    LaneSums<Lanes, scalar_type, Columns> lane_sums;
    carry.resume(i, first_column, lane_sums);
    source_ranges.for_each_range(i, [&](int begin, int end) KS_FORCEINLINE_LAMBDA {
      add_row_terms<Dimension, Lanes>(lane_sums, targets, sources, dimension, target, i, begin, end,
                                      [&](int j, scalar_type r2, scalar_type(&terms)[Columns])
                                          KS_FORCEINLINE_LAMBDA { terms_of(j, r2, terms); });
    });
    finish(i, lane_sums);
  }

  /// Rows first .. first + group_rows - 1, which reduce over the same ranges: each piece of the ranges gets the
  /// distances of all rows in one register-tiled pass over the coordinates (squared_distances_of_rows), then each
  /// row's lane sums take them as row() would (pieces of whole lane blocks: the same lanes and chunks).
  KOKKOS_FORCEINLINE_FUNCTION void group(int first) const {
    LaneSums<Lanes, scalar_type, Columns> lane_sums[group_rows];
    for (int r = 0; r < group_rows; ++r) carry.resume(first + r, first_column, lane_sums[r]);
    scalar_type const unused_target[1] = {};
    source_ranges.for_each_range(first, [&](int begin, int end) KS_FORCEINLINE_LAMBDA {
      for (int piece_begin = begin; piece_begin < end; piece_begin += piece_sources) {
        int const length = end - piece_begin < piece_sources ? end - piece_begin : piece_sources;
        int const blocked = length - length % Lanes;
        scalar_type r2[group_rows][piece_sources];
        for (int offset = 0; offset < blocked; offset += Lanes)
          squared_distances_of_rows<group_rows, Lanes>(targets, sources, dimension, first, piece_begin + offset,
                                                       &r2[0][offset], piece_sources);
        for (int offset = blocked; offset < length; ++offset)
          for (int r = 0; r < group_rows; ++r)
            r2[r][offset] =
                squared_distance<0>(targets, sources, dimension, unused_target, first + r, piece_begin + offset);
        for (int r = 0; r < group_rows; ++r) {
          lane_sums[r].add_prepared(
              piece_begin, piece_begin + length,
              [&](int block, scalar_type(&values)[Lanes]) KS_FORCEINLINE_LAMBDA {
                for (int lane = 0; lane < Lanes; ++lane) values[lane] = r2[r][block - piece_begin + lane];
              },
              [&](int j) KS_FORCEINLINE_LAMBDA { return r2[r][j - piece_begin]; },
              [&](int j, scalar_type value, scalar_type(&terms)[Columns])
                  KS_FORCEINLINE_LAMBDA { terms_of(j, value, terms); });
        }
      }
    });
    for (int r = 0; r < group_rows; ++r) finish(first + r, lane_sums[r]);
  }

  /// Row i's sums to out, or kept for the next phase.
  template <class Sums>
  KOKKOS_FORCEINLINE_FUNCTION void finish(int i, Sums& lane_sums) const {
    if (carry.keep(i, first_column, lane_sums)) return;
    scalar_type sums[Columns];
    lane_sums.sums(sums);
    for (int c = 0; c < Columns; ++c) out(i, first_column + c) = sums[c];
  }
};

/// Calls body(std::integral_constant<int, C>) with C = min(count, Max), for count >= 1: the compile-time width of
/// a pass over `count` columns or coordinates.
template <int Max, class Body>
void dispatch_count(int count, Body&& body) {
  if constexpr (Max == 1) {
    body(std::integral_constant<int, 1>{});
  } else if (count >= Max) {
    body(std::integral_constant<int, Max>{});
  } else {
    dispatch_count<Max - 1>(count, body);
  }
}

/// Largest dimension D compiled as a constant (the distance loop unrolls); larger D is read at run time.
inline constexpr int max_static_dimension = 3;

/// Calls body(std::integral_constant<int, D>) for D <= max_static_dimension, and with 0 (run-time D) otherwise.
template <class Body>
void dispatch_dimension(int dimension, Body&& body) {
  if (dimension > max_static_dimension) {
    body(std::integral_constant<int, 0>{});
  } else {
    dispatch_count<max_static_dimension>(dimension, body);
  }
}

/// The one View type the product and gradient loops are compiled for whenever the operands allow it: column-major
/// matrices (and vectors) of the loops' memory space. Each loop is a few dozen instantiations (dimension x columns),
/// so compiling it once per kernel instead of once per combination of the callers' View types (HostSpace or
/// Device<OpenMP, HostSpace>, const or not, managed or not) is most of the build time of every translation unit
/// that solves; it also lets precompiled_loops.hpp name the instantiations that the library compiles once.
template <class Scalar, class MemorySpace>
using LoopMatrix = Kokkos::View<Scalar**, Kokkos::LayoutLeft, MemorySpace>;
template <class Scalar, class MemorySpace>
using LoopVector = Kokkos::View<Scalar*, Kokkos::LayoutLeft, MemorySpace>;

/// Whether View converts to LoopMatrix / LoopVector<value, MemorySpace> without a copy or a change of meaning:
/// the same memory space, column-major (any layout for a contiguous vector), not atomic.
template <class View, class MemorySpace>
inline constexpr bool converts_to_loop_view_v =
    Kokkos::is_view<View>::value&& std::is_same_v<typename View::memory_space, MemorySpace> &&
    !View::memory_traits::is_atomic &&
    (std::is_same_v<typename View::array_layout, Kokkos::LayoutLeft> ||
     (View::rank == 1 && std::is_same_v<typename View::array_layout, Kokkos::LayoutRight>));

/// out = K(targets, sources) weights over the sources that source_ranges keeps per row (RowProduct), in passes of up
/// to max_columns_per_pass weight columns; carry: the running sums between the phases of a product in pieces.
/// Called through row_product, which hands it LoopMatrix operands where it can. Lanes (source_lanes_v of the
/// caller's compilation target) is a template parameter so that a caller compiled for another SIMD width (other
/// -march flags) names another function than the precompiled one, instead of one whose running sums it lays out
/// differently.
template <int Lanes, class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out,
          class SourceRanges, class Carry>
void row_product_loops(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets,
                       Sources const& sources, Weights const& weights, Out const& out,
                       SourceRanges const& source_ranges, Carry const& carry) {
  int const dimension = static_cast<int>(targets.extent(1));
  int const column_count = static_cast<int>(weights.extent(1));
  int const target_count = static_cast<int>(targets.extent(0));
  dispatch_dimension(dimension, [&](auto dimension_constant) {
    for (int first_column = 0; first_column < column_count; first_column += max_columns_per_pass) {
      dispatch_count<max_columns_per_pass>(column_count - first_column, [&](auto columns_constant) {
        using Functor = RowProduct<decltype(dimension_constant)::value, decltype(columns_constant)::value, Lanes,
                                   Kernel, Targets, Sources, Weights, Out, SourceRanges, Carry>;
        int const calls = (target_count + Functor::group_rows - 1) / Functor::group_rows;
        Kokkos::parallel_for(
            "kernelsolve::kernel_product::rows", Kokkos::RangePolicy<ExecutionSpace>(space, 0, calls),
            Functor{kernel, targets, sources, weights, out, first_column, dimension, source_ranges, carry});
      });
    }
  });
}

/// out = K(targets, sources) weights over the sources that source_ranges keeps per row: row_product_loops on
/// LoopMatrix operands when they convert to it (the instantiations precompiled_loops.hpp may name), else on the
/// operands as given.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out,
          class SourceRanges, class Carry = NoCarry>
void row_product(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                 Weights const& weights, Out const& out, SourceRanges const& source_ranges, Carry const& carry = {}) {
  using scalar_type = typename Kernel::value_type;
  using memory_space = typename Out::memory_space;
  if constexpr (converts_to_loop_view_v<Targets, memory_space> && converts_to_loop_view_v<Sources, memory_space> &&
                converts_to_loop_view_v<Weights, memory_space> && converts_to_loop_view_v<Out, memory_space>) {
    using Input = LoopMatrix<scalar_type const, memory_space>;
    row_product_loops<source_lanes_v<ExecutionSpace, scalar_type>>(
        space, kernel, Input(targets), Input(sources), Input(weights), LoopMatrix<scalar_type, memory_space>(out),
        source_ranges, carry);
  } else {
    row_product_loops<source_lanes_v<ExecutionSpace, scalar_type>>(space, kernel, targets, sources, weights, out,
                                                                   source_ranges, carry);
  }
}

/// out = K(targets, sources) weights over all sources.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out>
void row_product(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                 Weights const& weights, Out const& out) {
  row_product(space, kernel, targets, sources, weights, out, AllSources{static_cast<int>(sources.extent(0))});
}

}  // namespace detail
}  // namespace kernelsolve
