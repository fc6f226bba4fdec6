// The host geometry of cutoff products: the bounding boxes of tiles of consecutive rows, and for each target tile
// the source tiles within the cutoff radius, merged into contiguous source ranges.
#include <kernelsolve/product/cutoff_pattern.hpp>

#include <algorithm>
#include <limits>

namespace kernelsolve::detail {

namespace {

/// lower[t * D + d], upper[t * D + d]: the box of the rows of tile t (rows [64 t, 64 t + 64) clipped to count).
struct TileBoxes {
  std::vector<double> lower, upper;
};

TileBoxes tile_boxes(double const* points, std::int64_t count, int dimension, std::int64_t first_tile,
                     std::int64_t end_tile) {
  auto const dimensions = static_cast<std::size_t>(dimension);
  auto const tiles = static_cast<std::size_t>(end_tile - first_tile);
  TileBoxes boxes{std::vector<double>(tiles * dimensions, std::numeric_limits<double>::infinity()),
                  std::vector<double>(tiles * dimensions, -std::numeric_limits<double>::infinity())};
  for (std::size_t t = 0; t < tiles; ++t) {
    std::int64_t const begin = (first_tile + static_cast<std::int64_t>(t)) * cutoff_tile_rows;
    std::int64_t const end = std::min<std::int64_t>(begin + cutoff_tile_rows, count);
    for (std::size_t d = 0; d < dimensions; ++d) {
      double const* coordinate = points + d * static_cast<std::size_t>(count);
      for (std::int64_t i = begin; i < end; ++i) {
        boxes.lower[t * dimensions + d] = std::min(boxes.lower[t * dimensions + d], coordinate[i]);
        boxes.upper[t * dimensions + d] = std::max(boxes.upper[t * dimensions + d], coordinate[i]);
      }
    }
  }
  return boxes;
}

/// The squared distance between the nearest points of two boxes.
double box_distance_squared(double const* lower_a, double const* upper_a, double const* lower_b, double const* upper_b,
                            int dimension) {
  double sum = 0;
  for (int d = 0; d < dimension; ++d) {
    double const gap = std::max({0.0, lower_b[d] - upper_a[d], lower_a[d] - upper_b[d]});
    sum += gap * gap;
  }
  return sum;
}

}  // namespace

TileRanges cutoff_tile_ranges(double const* targets, std::int64_t target_count, std::int64_t first_row,
                              std::int64_t rows, double const* sources, std::int64_t source_count, int dimension,
                              double cutoff_radius, std::function<double(double)> const& bound) {
  TileRanges ranges;
  ranges.offsets.push_back(0);
  if (rows == 0) return ranges;
  std::int64_t const first_tile = first_row / cutoff_tile_rows;
  std::int64_t const end_tile = (first_row + rows - 1) / cutoff_tile_rows + 1;
  std::int64_t const source_tiles = (source_count + cutoff_tile_rows - 1) / cutoff_tile_rows;
  auto const target_boxes = tile_boxes(targets, target_count, dimension, first_tile, end_tile);
  auto const source_boxes = tile_boxes(sources, source_count, dimension, 0, source_tiles);
  double const radius_squared = cutoff_radius * cutoff_radius;
  auto const dimensions = static_cast<std::size_t>(dimension);
  for (std::int64_t t = first_tile; t < end_tile; ++t) {
    auto const box = static_cast<std::size_t>(t - first_tile) * dimensions;
    // The rows of this tile that the product computes.
    std::int64_t const covered =
        std::min((t + 1) * cutoff_tile_rows, first_row + rows) - std::max(t * cutoff_tile_rows, first_row);
    double dropped = 0;
    std::int64_t kept_rows = 0;
    for (std::int64_t s = 0; s < source_tiles; ++s) {
      auto const source_box = static_cast<std::size_t>(s) * dimensions;
      double const distance_squared =
          box_distance_squared(&target_boxes.lower[box], &target_boxes.upper[box], &source_boxes.lower[source_box],
                               &source_boxes.upper[source_box], dimension);
      std::int64_t const begin = s * cutoff_tile_rows;
      std::int64_t const end = std::min(begin + cutoff_tile_rows, source_count);
      if (distance_squared >= radius_squared) {
        dropped += static_cast<double>(end - begin) * bound(distance_squared);
        continue;
      }
      kept_rows += end - begin;
      // Adjacent kept tiles make one range: fewer, longer runs of the vectorized loop.
      if (static_cast<int>(ranges.begins.size()) > ranges.offsets.back() && ranges.ends.back() == begin) {
        ranges.ends.back() = static_cast<int>(end);
      } else {
        ranges.begins.push_back(static_cast<int>(begin));
        ranges.ends.push_back(static_cast<int>(end));
      }
    }
    ranges.offsets.push_back(static_cast<int>(ranges.begins.size()));
    ranges.kept_pairs += covered * kept_rows;
    ranges.dropped_row_sum = std::max(ranges.dropped_row_sum, dropped);
  }
  return ranges;
}

}  // namespace kernelsolve::detail
