// The gradient of the kernel bilinear form B = sum_ij k(|t_i - s_j|^2) (u_i . v_j) with respect to the targets t,
// as one parallel loop over target rows, each reducing over its sources (all, or the tiles of a cutoff pattern) with
// the lane-blocked sums of row_product.
#pragma once

#include <kernelsolve/kernels/kernel_traits.hpp>
#include <kernelsolve/product/detail/row_product.hpp>

#include <algorithm>
#include <type_traits>

namespace kernelsolve {
namespace detail {

/// Coordinates of the gradient reduced together, their lane sums in registers (RowGradient::row), for a run-time
/// dimension on GPUs, and on CPUs up to this D; the rest of D is done in further passes, each recomputing the
/// distances (D multiply-adds per pair). Measured on Zen 4 (AVX-512) with that loop: 8 coordinates per pass ran
/// D = 10 1.6x and D = 100 2.4x faster than 3; 16 spilled the lane sums and ran 5x slower than 8.
inline constexpr int max_coordinates_per_pass = 8;

/// Coordinates per pass on CPUs beyond max_coordinates_per_pass (RowGradient::rows): a group of rows computes a
/// piece's distances and slopes once and then walks the coordinates one at a time over the piece's sources, each
/// coordinate's lane sums in L1, so that the distances are computed once per 32 coordinates instead of once per 8.
/// Measured on Zen 4 (AVX-512, 2 threads, docs/performance/dimension.md): D = 10 1.5x, D = 100 5x and D = 784 40x
/// faster than passes of 8 in registers; D = 5 20 % slower, hence the threshold.
inline constexpr int max_walked_coordinates_per_pass = 32;

/// For one target row i and the coordinates d = first_coordinate + w, w < Coordinates:
///   gradient(i, d) = sum_j 2 k'(r2_ij) (u_i . v_j) (t_i,d - s_j,d)      (dB/dt_i,d)
///   parameter(i)   = sum_j dk/dg(r2_ij) (u_i . v_j)                      (row i's part of dB/dg; WithParameter only)
/// over the sources j of the ranges that source_ranges.for_each_range(i, f) hands to f(begin, end), as in RowProduct.
/// Columns > 0 fixes Dv at compile time (0: read at run time). Why both are template parameters: a run-time loop
/// over the columns or a run-time branch inside the source loop keeps the compiler from vectorizing it.
/// Walk (a run-time dimension on CPUs, Lanes > 1): groups of rows walk the coordinates (rows()), else one row at a
/// time with all the pass's coordinates in registers (row()); both add the same terms to the same lane sums.
template <int Dimension, int Coordinates, int Columns, bool WithParameter, int Lanes, bool Walk, class Kernel,
          class Targets, class Sources, class TargetWeights, class SourceWeights, class Gradient, class Parameter,
          class SourceRanges = AllSources>
struct RowGradient {
  using scalar_type = typename Kernel::value_type;
  static constexpr int width = Coordinates + (WithParameter ? 1 : 0);
  static_assert(!Walk || (Dimension == 0 && Lanes > 1), "walking the coordinates needs a run-time D and lanes");

  Kernel kernel;
  Targets targets;
  Sources sources;
  TargetWeights target_weights;
  SourceWeights source_weights;
  Gradient gradient;
  Parameter parameter;  // written only WithParameter
  int first_coordinate;
  int dimension;
  SourceRanges source_ranges;

  /// Rows per call: a group of distance_group_rows_v sharing each piece's distance tiles when walking (as in
  /// RowProduct::group), else one.
  static constexpr int group_rows = Walk ? distance_group_rows_v<scalar_type> : 1;
  /// Sources per piece when walking: half a LaneSums chunk, so that a piece on their grid lies within one chunk.
  static constexpr int piece_sources = 8 * Lanes;
  static_assert(LaneSums<Lanes, scalar_type, width>::chunk_sources % piece_sources == 0);

  /// The coordinate of pass position w: first_coordinate + w, clamped to D - 1 (a pass in registers wider than D
  /// sums the last coordinate more than once, to the same bits).
  KOKKOS_FORCEINLINE_FUNCTION int coordinate(int w) const {
    return first_coordinate + w < dimension ? first_coordinate + w : dimension - 1;
  }

  /// The positions this pass stores: Coordinates (in registers), or, walking, those of [first_coordinate, D) up to
  /// Coordinates (a run-time count: no coordinate twice).
  KOKKOS_FORCEINLINE_FUNCTION int coordinates_in_pass() const {
    if constexpr (Walk) {
      return dimension - first_coordinate < Coordinates ? dimension - first_coordinate : Coordinates;
    } else {
      return Coordinates;
    }
  }

  // Force-inlined into the caller's row loop (Clang keeps it out of line otherwise).
  KOKKOS_FORCEINLINE_FUNCTION void operator()(int index) const {
    if constexpr (!Walk) {
      row(index);
    } else {
      // A group of rows shares its distance tiles when they reduce over the same ranges; else (the last rows, or a
      // group across two cutoff tiles) row by row, with the same bits.
      int const first = index * group_rows;
      int const count = static_cast<int>(targets.extent(0));
      if (first + group_rows <= count && source_ranges.same_ranges(first, first + group_rows - 1)) {
        rows<group_rows>(first);
      } else {
        for (int i = first; i < count && i < first + group_rows; ++i) rows<1>(i);
      }
    }
  }

  /// Row i, the lane sums of all the pass's coordinates in registers.
  KOKKOS_FORCEINLINE_FUNCTION void row(int i) const {
    scalar_type target[Dimension > 0 ? Dimension : 1] = {};
    load_target<Dimension>(targets, i, target);
    int const columns = Columns > 0 ? Columns : static_cast<int>(target_weights.extent(1));
    scalar_type target_weight[Columns > 0 ? Columns : 1] = {};
    if constexpr (Columns > 0) {
      for (int c = 0; c < Columns; ++c) target_weight[c] = target_weights(i, c);
    }
    LaneSums<Lanes, scalar_type, width> lane_sums;
    // The terms of source j from its squared distance r2.
    auto const terms_of = [&](int j, scalar_type r2, scalar_type(&terms)[width]) KS_FORCEINLINE_LAMBDA {
      scalar_type weight = 0;  // u_i . v_j
      if constexpr (Columns > 0) {
        for (int c = 0; c < Columns; ++c) weight += target_weight[c] * source_weights(j, c);
      } else {
        for (int c = 0; c < columns; ++c) weight += target_weights(i, c) * source_weights(j, c);
      }
      scalar_type const slope = 2 * kernel.derivative(r2) * weight;
      for (int w = 0; w < Coordinates; ++w) {
        int const d = coordinate(w);
        terms[w] = slope * (targets(i, d) - sources(j, d));
      }
      if constexpr (WithParameter) terms[Coordinates] = kernel.parameter_derivative(r2) * weight;
    };
    source_ranges.for_each_range(i, [&](int begin, int end) KS_FORCEINLINE_LAMBDA {
      add_row_terms<Dimension, Lanes>(lane_sums, targets, sources, dimension, target, i, begin, end, terms_of);
    });
    finish(i, lane_sums);
  }

  /// Rows first .. first + Rows - 1 (Rows > 1: they reduce over the same ranges), walking the coordinates with the
  /// terms and lane sums of row(): each piece of a range lies within one LaneSums chunk (pieces on the grid of
  /// piece_sources from the range's lane origin), so that adding a coordinate's terms over the piece, lane by lane,
  /// adds the same terms to the same lane sums in the same order as row() does source by source.
  template <int Rows>
  KOKKOS_FORCEINLINE_FUNCTION void rows(int first) const {
    int const columns = static_cast<int>(target_weights.extent(1));
    LaneSums<Lanes, scalar_type, width> lane_sums[Rows];
    scalar_type const unused_target[1] = {};
    source_ranges.for_each_range(first, [&](int begin, int end) KS_FORCEINLINE_LAMBDA {
      int const origin = begin % Lanes;
      int piece_begin = begin;
      while (piece_begin < end) {
        int const grid_end = origin + ((piece_begin - origin) / piece_sources + 1) * piece_sources;
        int const piece_end = grid_end < end ? grid_end : end;
        int const length = piece_end - piece_begin;
        int const blocked = length - length % Lanes;
        scalar_type r2[Rows][piece_sources];
        for (int offset = 0; offset < blocked; offset += Lanes) {
          if constexpr (Rows > 1) {
            squared_distances_of_rows<Rows, Lanes>(targets, sources, dimension, first, piece_begin + offset,
                                                   &r2[0][offset], piece_sources);
          } else {
            scalar_type block[Lanes];
            squared_distances_of_block<Lanes>(targets, sources, dimension, first, piece_begin + offset, block);
            for (int lane = 0; lane < Lanes; ++lane) r2[0][offset + lane] = block[lane];
          }
        }
        for (int offset = blocked; offset < length; ++offset)
          for (int r = 0; r < Rows; ++r)
            r2[r][offset] =
                squared_distance<0>(targets, sources, dimension, unused_target, first + r, piece_begin + offset);
        for (int r = 0; r < Rows; ++r) {
          int const i = first + r;
          // the slopes 2 k'(r2) (u_i . v_j) (and the parameter terms) of the piece, then its terms coordinate by
          // coordinate: slope (t_id - s_jd), as row() computes them
          scalar_type slopes[piece_sources];
          scalar_type parameter_terms[WithParameter ? piece_sources : 1];
          auto const slope_of = [&](int offset) KS_FORCEINLINE_LAMBDA {
            int const j = piece_begin + offset;
            scalar_type weight = 0;
            if constexpr (Columns > 0) {
              for (int c = 0; c < Columns; ++c) weight += target_weights(i, c) * source_weights(j, c);
            } else {
              for (int c = 0; c < columns; ++c) weight += target_weights(i, c) * source_weights(j, c);
            }
            slopes[offset] = 2 * kernel.derivative(r2[r][offset]) * weight;
            if constexpr (WithParameter) parameter_terms[offset] = kernel.parameter_derivative(r2[r][offset]) * weight;
          };
          for (int offset = 0; offset < blocked; offset += Lanes) {
            KS_VECTORIZE_LANES
            for (int lane = 0; lane < Lanes; ++lane) slope_of(offset + lane);
          }
          for (int offset = blocked; offset < length; ++offset) slope_of(offset);
          auto& sums = lane_sums[r];
          sums.enter_chunk(piece_begin, origin);
          int const first_lane = (piece_begin - origin) % Lanes;  // 0 but for a piece begun mid-block (never)
          int const walked = coordinates_in_pass();
          for (int w = 0; w < width; ++w) {
            if (w >= walked && w < Coordinates) continue;
            scalar_type local[Lanes];
            for (int lane = 0; lane < Lanes; ++lane) local[lane] = sums.chunk[w][lane];
            if (w < Coordinates) {
              int const d = coordinate(w);
              scalar_type const t = targets(i, d);
              for (int offset = 0; offset < blocked; offset += Lanes) {
                KS_VECTORIZE_LANES
                for (int lane = 0; lane < Lanes; ++lane)
                  local[lane] += slopes[offset + lane] * (t - sources(piece_begin + offset + lane, d));
              }
              for (int offset = blocked; offset < length; ++offset)
                local[(first_lane + offset) % Lanes] += slopes[offset] * (t - sources(piece_begin + offset, d));
            } else {
              for (int offset = 0; offset < length; ++offset)
                local[(first_lane + offset) % Lanes] += parameter_terms[WithParameter ? offset : 0];
            }
            for (int lane = 0; lane < Lanes; ++lane) sums.chunk[w][lane] = local[lane];
          }
        }
        piece_begin = piece_end;
      }
    });
    for (int r = 0; r < Rows; ++r) finish(first + r, lane_sums[r]);
  }

  /// Row i's sums to gradient (and parameter).
  KOKKOS_FORCEINLINE_FUNCTION void finish(int i, LaneSums<Lanes, scalar_type, width>& lane_sums) const {
    scalar_type sums[width];
    lane_sums.sums(sums);
    for (int w = 0; w < coordinates_in_pass(); ++w) gradient(i, coordinate(w)) = sums[w];
    if constexpr (WithParameter) parameter(i) = sums[Coordinates];
  }
};

/// The gradient sums of RowGradient over the sources that source_ranges keeps per row (AllSources, or a cutoff
/// pattern's TileSourceRanges), one width compiled per way: a compile-time dimension (<= max_static_dimension) is
/// one pass over all its coordinates; a run-time one on CPUs above max_coordinates_per_pass takes passes of up to
/// max_walked_coordinates_per_pass walked coordinates; otherwise passes of max_coordinates_per_pass in registers,
/// the last moved back to end at D (or, for D below the width, its last positions clamped to D - 1), so that a few
/// coordinates are summed twice, in the same order and to the same bits, instead of compiling every narrower width
/// too (each width is a few dozen loops). Called through row_gradient, which hands it LoopMatrix / LoopVector
/// operands where it can.
static_assert(max_coordinates_per_pass >= max_static_dimension);
template <int Lanes, class ExecutionSpace, class Kernel, class Targets, class Sources, class TargetWeights,
          class SourceWeights, class Gradient, class Parameter, class SourceRanges>
void row_gradient_loops(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets,
                        Sources const& sources, TargetWeights const& target_weights,
                        SourceWeights const& source_weights, Gradient const& gradient, Parameter const& parameter,
                        SourceRanges const& source_ranges) {
  int const dimension = static_cast<int>(targets.extent(1));
  int const column_count = static_cast<int>(target_weights.extent(1));
  int const target_count = static_cast<int>(targets.extent(0));
  bool const wants_parameter = has_parameter_derivative<Kernel>::value && parameter.extent(0) > 0;
  // Dv <= max_columns_per_pass is compiled as a constant (the weight loop unrolls); more columns are read at run time.
  auto const dispatch_columns = [&](auto&& body) {
    if (column_count > max_columns_per_pass) {
      body(std::integral_constant<int, 0>{});
    } else {
      dispatch_count<max_columns_per_pass>(column_count, body);
    }
  };
  // The passes of one way: `width` coordinates each, walked or in registers.
  auto const passes = [&](auto dimension_constant, auto columns_constant, auto width_constant, auto walk_constant) {
    constexpr int width = decltype(width_constant)::value;
    constexpr bool walk = decltype(walk_constant)::value;
    for (int pass_end = width; pass_end < dimension + width; pass_end += width) {
      // walked passes take [pass_end - width, min(pass_end, D)); passes in registers end at D
      int const first = walk ? pass_end - width : std::max(0, std::min(pass_end, dimension) - width);
      auto const launch = [&](auto with_parameter) {
        using Functor = RowGradient<decltype(dimension_constant)::value, width, decltype(columns_constant)::value,
                                    decltype(with_parameter)::value, Lanes, walk, Kernel, Targets, Sources,
                                    TargetWeights, SourceWeights, Gradient, Parameter, SourceRanges>;
        Kokkos::parallel_for("kernelsolve::kernel_gradient::rows",
                             Kokkos::RangePolicy<ExecutionSpace>(
                                 space, 0, (target_count + Functor::group_rows - 1) / Functor::group_rows),
                             Functor{kernel, targets, sources, target_weights, source_weights, gradient, parameter,
                                     first, dimension, source_ranges});
      };
      // The parameter derivative, when wanted, rides along with the first pass over the coordinates.
      if constexpr (has_parameter_derivative<Kernel>::value) {
        if (wants_parameter && first == 0) {
          launch(std::true_type{});
          continue;
        }
      }
      launch(std::false_type{});
    }
  };
  dispatch_dimension(dimension, [&](auto dimension_constant) {
    dispatch_columns([&](auto columns_constant) {
      if constexpr (decltype(dimension_constant)::value > 0) {
        passes(dimension_constant, columns_constant, dimension_constant, std::false_type{});
      } else {
        if constexpr (Lanes > 1) {
          if (dimension > max_coordinates_per_pass) {
            passes(dimension_constant, columns_constant, std::integral_constant<int, max_walked_coordinates_per_pass>{},
                   std::true_type{});
            return;
          }
        }
        passes(dimension_constant, columns_constant, std::integral_constant<int, max_coordinates_per_pass>{},
               std::false_type{});
      }
    });
  });
}

/// The gradient sums over the sources that source_ranges keeps per row: row_gradient_loops on LoopMatrix /
/// LoopVector operands when they convert to them (the instantiations precompiled_loops.hpp may name), else on the
/// operands as given.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class TargetWeights, class SourceWeights,
          class Gradient, class Parameter, class SourceRanges>
void row_gradient(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                  TargetWeights const& target_weights, SourceWeights const& source_weights, Gradient const& gradient,
                  Parameter const& parameter, SourceRanges const& source_ranges) {
  using scalar_type = typename Kernel::value_type;
  using memory_space = typename Gradient::memory_space;
  if constexpr (converts_to_loop_view_v<Targets, memory_space> && converts_to_loop_view_v<Sources, memory_space> &&
                converts_to_loop_view_v<TargetWeights, memory_space> &&
                converts_to_loop_view_v<SourceWeights, memory_space> &&
                converts_to_loop_view_v<Gradient, memory_space> && converts_to_loop_view_v<Parameter, memory_space>) {
    using Input = LoopMatrix<scalar_type const, memory_space>;
    row_gradient_loops<source_lanes_v<ExecutionSpace, scalar_type>>(
        space, kernel, Input(targets), Input(sources), Input(target_weights), Input(source_weights),
        LoopMatrix<scalar_type, memory_space>(gradient), LoopVector<scalar_type, memory_space>(parameter),
        source_ranges);
  } else {
    row_gradient_loops<source_lanes_v<ExecutionSpace, scalar_type>>(space, kernel, targets, sources, target_weights,
                                                                    source_weights, gradient, parameter, source_ranges);
  }
}

/// The gradient sums over all sources.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class TargetWeights, class SourceWeights,
          class Gradient, class Parameter>
void row_gradient(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                  TargetWeights const& target_weights, SourceWeights const& source_weights, Gradient const& gradient,
                  Parameter const& parameter) {
  row_gradient(space, kernel, targets, sources, target_weights, source_weights, gradient, parameter,
               AllSources{static_cast<int>(sources.extent(0))});
}

}  // namespace detail
}  // namespace kernelsolve
