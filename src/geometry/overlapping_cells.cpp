// The kd-tree cells and their overlapping blocks (geometry/overlapping_cells.hpp).
#include <kernelsolve/error.hpp>
#include <kernelsolve/geometry/overlapping_cells.hpp>

#include "kd_tree.hpp"

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace kernelsolve {

OverlappingCells overlapping_cells(double const* points, std::int64_t point_count, int dimension,
                                   std::int64_t cell_points, double overlap, std::int64_t max_block_points) {
  KS_USER_REQUIRE(point_count >= 1, "need at least one point, got ", point_count);
  KS_USER_REQUIRE(dimension >= 1, "the dimension must be >= 1, got ", dimension);
  KS_USER_REQUIRE(cell_points >= 1, "the points per cell must be >= 1, got ", cell_points);
  KS_USER_REQUIRE(overlap >= 0, "the overlap must be >= 0, got ", overlap);  // NaN fails too
  KS_USER_REQUIRE(max_block_points >= cell_points, "the most points of a block (", max_block_points,
                  ") must be >= the points per cell (", cell_points, ")");

  detail::KdTree tree(points, point_count, dimension, cell_points);
  auto const& offsets = tree.offsets();
  auto const cells = static_cast<std::int64_t>(offsets.size()) - 1;
  std::vector<detail::Box> boxes(static_cast<std::size_t>(cells));
  for (std::int64_t c = 0; c < cells; ++c)
    boxes[static_cast<std::size_t>(c)] =
        tree.box(offsets[static_cast<std::size_t>(c)], offsets[static_cast<std::size_t>(c) + 1]);

  // Per cell, the points within the overlap of its box: those of the cells whose box is that close, then capped.
  double const reach2 = overlap * overlap;
  std::vector<std::vector<std::int64_t>> blocks(static_cast<std::size_t>(cells));
  std::vector<std::int64_t> in_reach(static_cast<std::size_t>(cells));
  auto const& order = tree.order();
  Kokkos::parallel_for(
      "kernelsolve::overlapping_cells::grow", Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, cells),
      [&](std::int64_t c) {
        auto const& box = boxes[static_cast<std::size_t>(c)];
        std::vector<std::pair<double, std::int64_t>> near;  // (squared distance to the box, point), not in the core
        for (std::int64_t other = 0; other < cells; ++other) {
          if (other == c || detail::squared_distance(box, boxes[static_cast<std::size_t>(other)]) > reach2) continue;
          for (std::int64_t k = offsets[static_cast<std::size_t>(other)];
               k < offsets[static_cast<std::size_t>(other) + 1]; ++k) {
            auto const point = order[static_cast<std::size_t>(k)];
            double distance2 = 0;
            for (int d = 0; d < dimension; ++d) {
              double const x = tree.coordinate(point, d);
              double const gap =
                  std::max({0.0, box.low[static_cast<std::size_t>(d)] - x, x - box.high[static_cast<std::size_t>(d)]});
              distance2 += gap * gap;
            }
            if (distance2 <= reach2) near.emplace_back(distance2, point);
          }
        }
        auto const core_begin = order.begin() + offsets[static_cast<std::size_t>(c)];
        auto const core_end = order.begin() + offsets[static_cast<std::size_t>(c) + 1];
        auto const core = static_cast<std::int64_t>(core_end - core_begin);
        in_reach[static_cast<std::size_t>(c)] = core + static_cast<std::int64_t>(near.size());
        auto const room = static_cast<std::size_t>(max_block_points - core);
        if (near.size() > room) {  // the nearest first; ties by index
          std::nth_element(near.begin(), near.begin() + static_cast<std::ptrdiff_t>(room), near.end());
          near.resize(room);
        }
        auto& block = blocks[static_cast<std::size_t>(c)];
        block.assign(core_begin, core_end);
        for (auto const& entry : near) block.push_back(entry.second);
        std::sort(block.begin(), block.end());
      });

  OverlappingCells result;
  result.dimension = dimension;
  result.overlap = overlap;
  result.core_offsets.assign(offsets.begin(), offsets.end());
  result.core_points = order;
  result.block_offsets.push_back(0);
  for (auto const& block : blocks) {
    result.block_points.insert(result.block_points.end(), block.begin(), block.end());
    result.block_offsets.push_back(static_cast<std::int64_t>(result.block_points.size()));
  }
  result.points_in_reach = std::move(in_reach);
  return result;
}

}  // namespace kernelsolve
