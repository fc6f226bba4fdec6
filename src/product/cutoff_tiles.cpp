// The host geometry of cutoff products: the bounding boxes of tiles of consecutive rows, and for each target tile
// the source tiles within the cutoff radius, merged into contiguous source ranges.
#include <kernelsolve/product/cutoff_pattern.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

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
                              double cutoff_radius, std::vector<std::function<double(double)>> const& bounds) {
  TileRanges ranges;
  ranges.offsets.push_back(0);
  ranges.dropped_row_sums.assign(bounds.size(), 0.0);
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
    std::vector<double> dropped(bounds.size(), 0.0);
    std::int64_t kept_rows = 0;
    for (std::int64_t s = 0; s < source_tiles; ++s) {
      auto const source_box = static_cast<std::size_t>(s) * dimensions;
      double const distance_squared =
          box_distance_squared(&target_boxes.lower[box], &target_boxes.upper[box], &source_boxes.lower[source_box],
                               &source_boxes.upper[source_box], dimension);
      std::int64_t const begin = s * cutoff_tile_rows;
      std::int64_t const end = std::min(begin + cutoff_tile_rows, source_count);
      if (distance_squared >= radius_squared) {
        for (std::size_t b = 0; b < bounds.size(); ++b)
          dropped[b] += static_cast<double>(end - begin) * bounds[b](distance_squared);
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
    for (std::size_t b = 0; b < bounds.size(); ++b)
      ranges.dropped_row_sums[b] = std::max(ranges.dropped_row_sums[b], dropped[b]);
  }
  return ranges;
}

namespace {
constexpr int samples_per_doubling = 64;
constexpr int doublings = 48;
double sample_radius(double from, int k) {
  return from * std::exp2(static_cast<double>(k) / samples_per_doubling);
}
}  // namespace

TailSupremum::TailSupremum(std::function<double(double)> f, double from)
    : f_(std::move(f)), from_(from), suffix_maxima_(samples_per_doubling * doublings + 1, 0.0) {
  double maximum = 0;
  for (int k = static_cast<int>(suffix_maxima_.size()) - 1; k >= 0; --k) {
    double const value = f_(sample_radius(from_, k));
    if (value > maximum) maximum = value;  // a NaN sample (overflow far out) is left out
    suffix_maxima_[static_cast<std::size_t>(k)] = maximum;
  }
}

double TailSupremum::operator()(double r) const {
  if (!(r > from_)) return suffix_maxima_.front();
  // The samples beyond r: k > log2(r / from) * samples_per_doubling.
  double const position = std::log2(r / from_) * samples_per_doubling;
  auto const next = static_cast<std::size_t>(std::floor(position)) + 1;
  double const beyond = next < suffix_maxima_.size() ? suffix_maxima_[next] : 0.0;
  double const here = f_(r);
  return std::max(beyond, here > 0 ? here : 0.0);
}

}  // namespace kernelsolve::detail
