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
        for (int lane = 0; lane < Lanes; ++lane) {
          Scalar terms[Width];
          body(block + lane, terms);
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
        body(j, terms);
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

/// Independent source lanes per row: simd_unroll registers of the compilation target on CPUs (simd_width.hpp); GPUs
/// vectorize across rows instead.
template <class ExecutionSpace, class Scalar>
inline constexpr int source_lanes_v = is_host_execution_space_v<ExecutionSpace> ? simd_lanes_v<Scalar> : 1;

/// Right-hand-side columns reduced together: each needs Lanes registers, so four keep the loop in registers.
inline constexpr int max_columns_per_pass = 4;

/// out(i, first_column + c) = sum_j k(|x_i - y_j|^2) w(j, first_column + c) for c < Columns, one row i per call,
/// over the sources j of the ranges that source_ranges.for_each_range(i, f) hands to f(begin, end): AllSources, or
/// the tiles a cutoff product keeps (cutoff_pattern.hpp). Dimension > 0 fixes D at compile time (the inner distance
/// loop unrolls); 0 reads it at run time.
template <int Dimension, int Columns, int Lanes, class Kernel, class Targets, class Sources, class Weights, class Out,
          class SourceRanges = AllSources>
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

  // Force-inlined into the caller's row loop (Clang keeps it out of line otherwise).
  KOKKOS_FORCEINLINE_FUNCTION void operator()(int i) const {
    scalar_type target[Dimension > 0 ? Dimension : 1] = {};
    load_target<Dimension>(targets, i, target);
    LaneSums<Lanes, scalar_type, Columns> lane_sums;
    source_ranges.for_each_range(i, [&](int begin, int end) KS_FORCEINLINE_LAMBDA {
      lane_sums.add(begin, end, [&](int j, scalar_type(&terms)[Columns]) KS_FORCEINLINE_LAMBDA {
        scalar_type const k = kernel(squared_distance<Dimension>(targets, sources, dimension, target, i, j));
        for (int c = 0; c < Columns; ++c) terms[c] = k * weights(j, first_column + c);
      });
    });
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

/// out = K(targets, sources) weights over the sources that source_ranges keeps per row (RowProduct), in passes of up
/// to max_columns_per_pass weight columns.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out,
          class SourceRanges>
void row_product(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                 Weights const& weights, Out const& out, SourceRanges const& source_ranges) {
  using scalar_type = typename Kernel::value_type;
  constexpr int lanes = source_lanes_v<ExecutionSpace, scalar_type>;
  int const dimension = static_cast<int>(targets.extent(1));
  int const column_count = static_cast<int>(weights.extent(1));
  int const target_count = static_cast<int>(targets.extent(0));
  dispatch_dimension(dimension, [&](auto dimension_constant) {
    for (int first_column = 0; first_column < column_count; first_column += max_columns_per_pass) {
      dispatch_count<max_columns_per_pass>(column_count - first_column, [&](auto columns_constant) {
        using Functor = RowProduct<decltype(dimension_constant)::value, decltype(columns_constant)::value, lanes,
                                   Kernel, Targets, Sources, Weights, Out, SourceRanges>;
        Kokkos::parallel_for("kernelsolve::kernel_product::rows",
                             Kokkos::RangePolicy<ExecutionSpace>(space, 0, target_count),
                             Functor{kernel, targets, sources, weights, out, first_column, dimension, source_ranges});
      });
    }
  });
}

/// out = K(targets, sources) weights over all sources.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out>
void row_product(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                 Weights const& weights, Out const& out) {
  row_product(space, kernel, targets, sources, weights, out, AllSources{static_cast<int>(sources.extent(0))});
}

}  // namespace detail
}  // namespace kernelsolve
