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

/// Coordinates of the gradient reduced together for a run-time dimension (D > max_static_dimension); the rest of D
/// is done in further passes, each recomputing the distances (D multiply-adds per pair). Measured on Zen 4
/// (AVX-512, docs/performance/dimension.md): 8 coordinates per pass ran D = 10 1.6x and D = 100 2.4x faster than 3;
/// 16 spilled the lane sums and ran 5x slower than 8.
inline constexpr int max_coordinates_per_pass = 8;

/// For one target row i and the coordinates d = first_coordinate + w, w < Coordinates:
///   gradient(i, d) = sum_j 2 k'(r2_ij) (u_i . v_j) (t_i,d - s_j,d)      (dB/dt_i,d)
///   parameter(i)   = sum_j dk/dg(r2_ij) (u_i . v_j)                      (row i's part of dB/dg; WithParameter only)
/// over the sources j of the ranges that source_ranges.for_each_range(i, f) hands to f(begin, end), as in RowProduct.
/// Columns > 0 fixes Dv at compile time (0: read at run time). Why both are template parameters: a run-time loop
/// over the columns or a run-time branch inside the source loop keeps the compiler from vectorizing it.
template <int Dimension, int Coordinates, int Columns, bool WithParameter, int Lanes, class Kernel, class Targets,
          class Sources, class TargetWeights, class SourceWeights, class Gradient, class Parameter,
          class SourceRanges = AllSources>
struct RowGradient {
  using scalar_type = typename Kernel::value_type;
  static constexpr int width = Coordinates + (WithParameter ? 1 : 0);

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

  /// The coordinate of pass position w: first_coordinate + w, clamped to D - 1 (a pass wider than D sums the last
  /// coordinate more than once, to the same bits).
  KOKKOS_FORCEINLINE_FUNCTION int coordinate(int w) const {
    return first_coordinate + w < dimension ? first_coordinate + w : dimension - 1;
  }

  // Force-inlined into the caller's row loop (Clang keeps it out of line otherwise).
  KOKKOS_FORCEINLINE_FUNCTION void operator()(int i) const {
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
    scalar_type sums[width];
    lane_sums.sums(sums);
    for (int w = 0; w < Coordinates; ++w) gradient(i, coordinate(w)) = sums[w];
    if constexpr (WithParameter) parameter(i) = sums[Coordinates];
  }
};

/// The coordinates of a gradient pass, the one width compiled per dimension: a compile-time dimension
/// (<= max_static_dimension) is one pass over all its coordinates; a run-time dimension takes passes of
/// max_coordinates_per_pass, the last moved back to end at D (or, for D below the width, its last positions clamped
/// to D - 1), so that a few coordinates are summed twice, in the same order and to the same bits, instead of
/// compiling every narrower width too (each width is a few dozen loops).
static_assert(max_coordinates_per_pass >= max_static_dimension);
template <int Dimension>
inline constexpr int pass_coordinates_v = Dimension > 0 ? Dimension : max_coordinates_per_pass;

/// The gradient sums of RowGradient over the sources that source_ranges keeps per row (AllSources, or a cutoff
/// pattern's TileSourceRanges), in passes of pass_coordinates_v coordinates. Called through
/// row_gradient, which hands it LoopMatrix / LoopVector operands where it can.
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
  dispatch_dimension(dimension, [&](auto dimension_constant) {
    dispatch_columns([&](auto columns_constant) {
      for (int pass_end = pass_coordinates_v<decltype(dimension_constant)::value>;
           pass_end < dimension + pass_coordinates_v<decltype(dimension_constant)::value>;
           pass_end += pass_coordinates_v<decltype(dimension_constant)::value>) {
        int const first =
            std::max(0, std::min(pass_end, dimension) - pass_coordinates_v<decltype(dimension_constant)::value>);
        auto const launch = [&](auto with_parameter) {
          using Functor =
              RowGradient<decltype(dimension_constant)::value, pass_coordinates_v<decltype(dimension_constant)::value>,
                          decltype(columns_constant)::value, decltype(with_parameter)::value, Lanes, Kernel, Targets,
                          Sources, TargetWeights, SourceWeights, Gradient, Parameter, SourceRanges>;
          Kokkos::parallel_for("kernelsolve::kernel_gradient::rows",
                               Kokkos::RangePolicy<ExecutionSpace>(space, 0, target_count),
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
