// What a cutoff (block-sparse) kernel product keeps and the bound on what it drops, and its tile size: plain
// values, apart from the Kokkos pattern (cutoff_pattern.hpp) so that the run-time facade can report them.
#pragma once

#include <cstdint>

namespace kernelsolve {

/// Rows per tile of a cutoff product. A multiple of every host SIMD lane count (simd_width.hpp), so that the sources
/// of a kept range take the same lanes as in the full product: dropping tiles where a compact kernel is exactly 0
/// changes no bit, and the tiles are whole SIMD blocks. 64 points of a spatially sorted set span a few spacings.
inline constexpr int cutoff_tile_rows = 64;

/// \brief What a cutoff pattern keeps, and the bound on what it drops.
///
/// A target tile skips a source tile when k is <= truncation k(0) at the boxes' nearest points (the kernel decreases
/// with distance: is_decreasing_kernel), or when the boxes are a declared support radius apart (has_support_radius:
/// k is 0 there, exactly). So every dropped entry is <= truncation k(0), and per row
///   |((K - K_cutoff) w)_i| <= dropped_row_sum max_j |w_j|,  dropped_row_sum = max_i sum_{dropped j} bound(i, j)
/// with bound(i, j) = k(nearest r2 of their tiles' boxes) <= truncation k(0). When targets and sources are the same
/// points tiled the same way (an operator), K - K_cutoff is symmetric and ||K - K_cutoff||_2 <= dropped_row_sum.
struct CutoffSummary {
  double truncation = 0;           ///< the tolerance relative to k(0)
  double cutoff_radius = 0;        ///< tile pairs whose boxes are at least this far apart are dropped
  double dropped_row_sum = 0;      ///< see above; 0 when only exact zeros are dropped
  bool exact = false;              ///< only pairs beyond the support radius (where k is exactly 0) are dropped
  std::int64_t kept_pairs = 0;     ///< target x source pairs evaluated per product
  std::int64_t pairs = 0;          ///< target x source pairs of the full product
  std::int64_t source_ranges = 0;  ///< contiguous source ranges over all target tiles
};

}  // namespace kernelsolve
