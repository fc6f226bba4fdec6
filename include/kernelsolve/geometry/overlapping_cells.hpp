// Spatial cells of a point set for domain-decomposition preconditioners: the leaves of a kd-tree (compact cells of
// about the same number of points) and each cell grown by an overlap distance into a block of the points near it.
#pragma once

#include <cstdint>
#include <vector>

namespace kernelsolve {

/// \brief A cover of N points by overlapping blocks: cell c owns the core points core(c) (a partition of 0..N-1)
/// and its block holds the core and every point within `overlap` of the core's bounding box (at most
/// max_block_points of them: the nearest, when more are that close). Indices are global rows, ascending per cell.
///
/// The cells are the leaves of a kd-tree (median splits across the widest extent until a leaf holds at most
/// cell_points points, so leaves hold between cell_points / 2 and cell_points), in tree order: they depend on the
/// points only, not on how the rows are split over ranks. Building costs O(N log N) for the tree and, for the
/// overlap, one box test per pair of cells plus one distance per point of every nearby cell.
struct OverlappingCells {
  int dimension = 0;
  double overlap = 0;                      ///< the distance the cells were grown by
  std::vector<std::int64_t> core_offsets;  ///< cells() + 1 offsets into core_points
  std::vector<std::int64_t> core_points;
  std::vector<std::int64_t> block_offsets;  ///< cells() + 1 offsets into block_points
  std::vector<std::int64_t> block_points;
  /// Points within the overlap of each cell before the cap (>= the block size; larger where the cap cut).
  std::vector<std::int64_t> points_in_reach;

  [[nodiscard]] std::int64_t cells() const { return static_cast<std::int64_t>(core_offsets.size()) - 1; }
  [[nodiscard]] std::int64_t block_size(std::int64_t cell) const {
    return block_offsets[static_cast<std::size_t>(cell) + 1] - block_offsets[static_cast<std::size_t>(cell)];
  }
  [[nodiscard]] std::int64_t core_size(std::int64_t cell) const {
    return core_offsets[static_cast<std::size_t>(cell) + 1] - core_offsets[static_cast<std::size_t>(cell)];
  }
};

/// \brief The overlapping cells of N points in dimension D.
/// \param points column-major N x D (points[d * N + i] is coordinate d of point i), finite.
/// \param cell_points most points of a cell's core, >= 1.  \param overlap distance >= 0 (may be +infinity).
/// \param max_block_points most points of a block, >= cell_points.
/// \throws InvalidArgument for a parameter out of range.
OverlappingCells overlapping_cells(double const* points, std::int64_t point_count, int dimension,
                                   std::int64_t cell_points, double overlap, std::int64_t max_block_points);

}  // namespace kernelsolve
