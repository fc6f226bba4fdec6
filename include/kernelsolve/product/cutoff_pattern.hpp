// Cutoff (block-sparse) kernel products: targets and sources in tiles of consecutive rows with bounding boxes, and
// for each target tile the ranges of source rows of the tiles that the kernel may reach above a truncation tolerance.
#pragma once

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_reach.hpp>
#include <kernelsolve/kernels/kernel_traits.hpp>
#include <kernelsolve/product/cutoff_summary.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace kernelsolve {

namespace detail {

/// The source ranges of the target tiles, host side (src/product/cutoff_tiles.cpp).
struct TileRanges {
  std::vector<int> offsets;  ///< target tile t (from the first one): ranges [offsets[t], offsets[t + 1])
  std::vector<int> begins, ends;
  std::int64_t kept_pairs = 0;
  std::vector<double> dropped_row_sums;  ///< one per bound given to cutoff_tile_ranges
};

/// The tiles of rows [first_row, first_row + rows) of the target points against all source tiles: a target tile's
/// box covers all its rows of `targets` (also those outside the range, so the pattern of a row depends on the points
/// only, not on which rows a call covers). Pairs of tiles whose boxes are >= cutoff_radius apart are dropped and add
/// count * bounds[b](nearest r2) to the tile's dropped row sum b. Points column-major (points[d * count + i]).
TileRanges cutoff_tile_ranges(double const* targets, std::int64_t target_count, std::int64_t first_row,
                              std::int64_t rows, double const* sources, std::int64_t source_count, int dimension,
                              double cutoff_radius, std::vector<std::function<double(double)>> const& bounds);

/// \brief sup_{p >= r} f(p) for r >= from: f sampled on a geometric grid from `from` (64 points per doubling, up to
/// 2^48 from), the suffix maxima kept, and f(r) itself taken in, so that it is exact where f decreases beyond r (the
/// radial families' derivatives beyond their mode); beyond the grid f is taken as <= its last sample (decayed).
class TailSupremum {
 public:
  TailSupremum(std::function<double(double)> f, double from);
  double operator()(double r) const;

 private:
  std::function<double(double)> f_;
  double from_;
  std::vector<double> suffix_maxima_;  ///< [k] = max of f over the samples k, k + 1, ...
};

/// The points of a View as column-major host doubles.
template <class Points>
std::vector<double> column_major_doubles(Points const& points) {
  auto const host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), points);
  std::size_t const count = host.extent(0);
  std::vector<double> values(count * host.extent(1));
  for (std::size_t d = 0; d < host.extent(1); ++d)
    for (std::size_t i = 0; i < count; ++i) values[d * count + i] = static_cast<double>(host(i, d));
  return values;
}

/// The sources a row of a cutoff product reduces over: the ranges of its target tile (RowProduct's SourceRanges).
template <class MemorySpace>
struct TileSourceRanges {
  Kokkos::View<int const*, MemorySpace> offsets, begins, ends;
  int first_row = 0;   ///< the tiling's row of the product's target 0
  int first_tile = 0;  ///< first_row / cutoff_tile_rows

  template <class Function>
  KOKKOS_FORCEINLINE_FUNCTION void for_each_range(int row, Function const& function) const {
    int const tile = (first_row + row) / cutoff_tile_rows - first_tile;
    for (int range = offsets(tile); range < offsets(tile + 1); ++range) function(begins(range), ends(range));
  }
  /// Whether rows first .. last reduce over the same ranges: whether they are in the same tile.
  KOKKOS_FORCEINLINE_FUNCTION bool same_ranges(int first, int last) const {
    return (first_row + first) / cutoff_tile_rows == (first_row + last) / cutoff_tile_rows;
  }
};

template <class MemorySpace>
Kokkos::View<int const*, MemorySpace> device_copy(char const* label, std::vector<int> const& values) {
  Kokkos::View<int*, MemorySpace> view(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)),
                                       values.size());
  Kokkos::deep_copy(view,
                    Kokkos::View<int const*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(values.data(), values.size()));
  return view;
}

}  // namespace detail

/// \brief Which source tiles each target tile of a cutoff product reduces over (make_cutoff_pattern), in MemorySpace.
template <class MemorySpace>
class CutoffPattern {
 public:
  CutoffPattern() = default;  ///< no rows, no allocation
  CutoffPattern(detail::TileRanges const& ranges, std::int64_t first_row, std::int64_t rows, std::int64_t source_rows,
                CutoffSummary const& summary)
      : ranges_{detail::device_copy<MemorySpace>("kernelsolve::CutoffPattern::offsets", ranges.offsets),
                detail::device_copy<MemorySpace>("kernelsolve::CutoffPattern::begins", ranges.begins),
                detail::device_copy<MemorySpace>("kernelsolve::CutoffPattern::ends", ranges.ends),
                static_cast<int>(first_row), static_cast<int>(first_row / cutoff_tile_rows)},
        rows_(rows),
        source_rows_(source_rows),
        summary_(summary) {}

  /// Target rows of the product (the pattern's rows [first_row, first_row + rows) of the tiled targets).
  [[nodiscard]] std::int64_t rows() const { return rows_; }
  [[nodiscard]] std::int64_t source_rows() const { return source_rows_; }
  [[nodiscard]] CutoffSummary const& summary() const { return summary_; }
  [[nodiscard]] detail::TileSourceRanges<MemorySpace> const& source_ranges() const { return ranges_; }

 private:
  detail::TileSourceRanges<MemorySpace> ranges_{};
  std::int64_t rows_ = 0;
  std::int64_t source_rows_ = 0;
  CutoffSummary summary_;
};

namespace detail {

/// \brief Why `truncation` is not one make_cutoff_pattern takes for Kernel, or nothing: (0, 1), and also 0 for a
/// kernel with support_radius() (then only the pairs beyond the support are dropped, exactly).
template <class Kernel>
std::optional<std::string> invalid_truncation_for(double truncation) {
  if (has_support_radius<Kernel>::value && truncation == 0) return std::nullopt;
  return invalid_truncation(truncation);
}

/// The same for an optional tolerance: nothing given is valid (no truncation).
template <class Kernel>
std::optional<std::string> invalid_truncation_for(std::optional<double> const& truncation) {
  return truncation ? invalid_truncation_for<Kernel>(*truncation) : std::nullopt;
}

}  // namespace detail

/// \brief The cutoff pattern of rows [first_row, first_row + rows) of `tiled_targets` against `sources` (host work,
/// O(target tiles x source tiles) box tests). Tiles are consecutive rows: sort the points spatially first
/// (geometry/spatial_order.hpp), or the boxes are large and little is skipped (the result is right either way).
/// The summary bounds what the product drops and, for a differentiable kernel, what the gradient sums drop
/// (cutoff_summary.hpp).
/// \param tiled_targets all rows the target tiles are cut from (an operator's N points: every rank then gets the
///                      same pattern for its rows whatever its split, so results are the same on every rank count).
/// \param truncation    in (0, 1): a tile pair is dropped when the kernel over its boxes is <= truncation k(0); a
///                      kernel with support_radius() also drops, exactly, the pairs beyond it, and takes 0: only
///                      those (the exact product).
/// \throws InvalidArgument for a truncation outside (0, 1), DimensionMismatch when D differs.
template <class MemorySpace, class Kernel, class TiledTargets, class Sources>
CutoffPattern<MemorySpace> make_cutoff_pattern(Kernel const& kernel, TiledTargets const& tiled_targets,
                                               std::int64_t first_row, std::int64_t rows, Sources const& sources,
                                               double truncation) {
  static_assert(is_decreasing_kernel<Kernel>::value || has_support_radius<Kernel>::value,
                "make_cutoff_pattern: the kernel must decrease with distance (static constexpr bool "
                "decreasing_with_distance = true, as the built-in families) or declare support_radius()");
  using scalar_type = typename Kernel::value_type;
  if (auto const problem = detail::invalid_truncation_for<Kernel>(truncation))
    throw InvalidArgument("kernelsolve::make_cutoff_pattern: " + *problem);
  KS_REQUIRE_EQUAL_EXTENTS("tiled_targets.extent(1)", tiled_targets.extent(1), "sources.extent(1)", sources.extent(1));
  auto const target_count = static_cast<std::int64_t>(tiled_targets.extent(0));
  KS_USER_REQUIRE(first_row >= 0 && rows >= 0 && first_row + rows <= target_count, "target rows [", first_row, ", ",
                  first_row + rows, ") are not within the ", target_count, " tiled targets");
  double radius = std::numeric_limits<double>::infinity();
  bool exact = false;
  if constexpr (is_decreasing_kernel<Kernel>::value) {
    if (truncation > 0) radius = detail::kernel_reach(kernel, truncation);
  }
  if constexpr (has_support_radius<Kernel>::value) {
    auto const support = static_cast<double>(kernel.support_radius());
    KS_USER_REQUIRE(support > 0, "the kernel's support radius must be > 0, got ", support);
    exact = support <= radius;
    radius = std::min(radius, support);
  }
  // Bounds of the dropped terms at the boxes' nearest r2 (none beyond the support: k and its derivatives are 0).
  auto const at = [](double r2) { return static_cast<scalar_type>(r2); };
  std::vector<std::function<double(double)>> bounds{
      [&kernel, exact, at](double r2) { return exact ? 0.0 : static_cast<double>(kernel(at(r2))); }};
  if constexpr (is_differentiable_kernel<Kernel>::value) {
    if (!exact && std::isfinite(radius)) {
      detail::TailSupremum const slope(
          [&kernel, at](double r) { return 2 * r * std::abs(static_cast<double>(kernel.derivative(at(r * r)))); },
          radius);
      bounds.emplace_back([slope](double r2) { return slope(std::sqrt(r2)); });
      if constexpr (has_parameter_derivative<Kernel>::value) {
        detail::TailSupremum const parameter(
            [&kernel, at](double r) { return std::abs(static_cast<double>(kernel.parameter_derivative(at(r * r)))); },
            radius);
        bounds.emplace_back([parameter](double r2) { return parameter(std::sqrt(r2)); });
      }
    }
  }
  auto const targets_host = detail::column_major_doubles(tiled_targets);
  auto const sources_host = detail::column_major_doubles(sources);
  auto const source_count = static_cast<std::int64_t>(sources.extent(0));
  auto const ranges =
      detail::cutoff_tile_ranges(targets_host.data(), target_count, first_row, rows, sources_host.data(), source_count,
                                 static_cast<int>(sources.extent(1)), radius, bounds);
  CutoffSummary summary;
  summary.truncation = truncation;
  summary.cutoff_radius = radius;
  summary.dropped_row_sum = ranges.dropped_row_sums[0];
  if (bounds.size() > 1) summary.dropped_gradient_row_sum = ranges.dropped_row_sums[1];
  if (bounds.size() > 2) summary.dropped_parameter_row_sum = ranges.dropped_row_sums[2];
  summary.exact = exact;
  summary.kept_pairs = ranges.kept_pairs;
  summary.pairs = rows * source_count;
  summary.source_ranges = static_cast<std::int64_t>(ranges.begins.size());
  return CutoffPattern<MemorySpace>(ranges, first_row, rows, source_count, summary);
}

/// \brief The pattern that keeps every source for rows [first_row, first_row + rows): one range [0, source_rows) per
/// tile, i.e. the full product (bitwise: a single range takes the lanes of kernel_product without a pattern). What
/// an untruncated operator uses, so that it compiles one product loop, not two.
template <class MemorySpace>
CutoffPattern<MemorySpace> make_full_pattern(std::int64_t first_row, std::int64_t rows, std::int64_t source_rows) {
  detail::TileRanges ranges;
  ranges.offsets.push_back(0);
  if (rows > 0) {
    for (std::int64_t t = first_row / cutoff_tile_rows; t <= (first_row + rows - 1) / cutoff_tile_rows; ++t) {
      ranges.begins.push_back(0);
      ranges.ends.push_back(static_cast<int>(source_rows));
      ranges.offsets.push_back(static_cast<int>(ranges.begins.size()));
    }
  }
  CutoffSummary summary;
  summary.cutoff_radius = std::numeric_limits<double>::infinity();
  summary.exact = true;
  summary.kept_pairs = summary.pairs = rows * source_rows;
  summary.source_ranges = static_cast<std::int64_t>(ranges.begins.size());
  return CutoffPattern<MemorySpace>(ranges, first_row, rows, source_rows, summary);
}

/// \brief The cutoff pattern of all `targets` against `sources` (make_cutoff_pattern above with every row).
template <class MemorySpace, class Kernel, class Targets, class Sources>
CutoffPattern<MemorySpace> make_cutoff_pattern(Kernel const& kernel, Targets const& targets, Sources const& sources,
                                               double truncation) {
  return make_cutoff_pattern<MemorySpace>(kernel, targets, 0, static_cast<std::int64_t>(targets.extent(0)), sources,
                                          truncation);
}

/// \brief make_cutoff_pattern at `truncation`, or make_full_pattern without one. A kernel that can not be cut (it
/// declares neither decreasing_with_distance nor support_radius()) gets the full pattern either way: the exact product.
template <class MemorySpace, class Kernel, class TiledTargets, class Sources>
CutoffPattern<MemorySpace> make_pattern(Kernel const& kernel, TiledTargets const& tiled_targets, std::int64_t first_row,
                                        std::int64_t rows, Sources const& sources,
                                        std::optional<double> const& truncation) {
  if constexpr (is_decreasing_kernel<Kernel>::value || has_support_radius<Kernel>::value) {
    if (truncation)
      return make_cutoff_pattern<MemorySpace>(kernel, tiled_targets, first_row, rows, sources, *truncation);
  }
  return make_full_pattern<MemorySpace>(first_row, rows, static_cast<std::int64_t>(sources.extent(0)));
}

}  // namespace kernelsolve
