// What a cutoff (block-sparse) kernel product keeps and the bound on what it drops, and its tile size: plain
// values, apart from the Kokkos pattern (cutoff_pattern.hpp) so that the run-time facade can report them.
#pragma once

#include <kernelsolve/error.hpp>

#include <cstdint>
#include <optional>
#include <string>

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
///
/// The gradient sums (kernel_gradient with a pattern) drop the same pairs; their terms have bounds of their own,
/// taken over the whole tail beyond the boxes' nearest distance r (the derivatives need not decrease from r on):
///   |dropped part of gradient(i, d)|  <= dropped_gradient_row_sum  max_j |u_i . v_j|,  bound sup_{p >= r} 2 |k'(p^2)|
///   p |dropped part of parameter(i)|    <= dropped_parameter_row_sum max_j |u_i . v_j|,  bound sup_{p >= r}
///   |dk/dg(p^2)|
/// (0 where the kernel has no such derivative, or only exact zeros are dropped).
struct CutoffSummary {
  double truncation = 0;                 ///< the tolerance relative to k(0)
  double cutoff_radius = 0;              ///< tile pairs whose boxes are at least this far apart are dropped
  double dropped_row_sum = 0;            ///< see above; 0 when only exact zeros are dropped
  double dropped_gradient_row_sum = 0;   ///< the same for the terms 2 k'(r2) (t - s) of the gradient sums
  double dropped_parameter_row_sum = 0;  ///< the same for the terms dk/dg(r2) of the parameter gradient
  bool exact = false;                    ///< only pairs beyond the support radius (where k is exactly 0) are dropped
  std::int64_t kept_pairs = 0;           ///< target x source pairs evaluated per product
  std::int64_t pairs = 0;                ///< target x source pairs of the full product
  std::int64_t source_ranges = 0;        ///< contiguous source ranges over all target tiles
};

namespace detail {

/// The rule a truncation tolerance breaks (it must be in (0, 1)), or nothing when it is valid.
inline std::optional<std::string> invalid_truncation(double truncation) {
  if (truncation > 0 && truncation < 1) return std::nullopt;
  return concatenate("the truncation tolerance must be in (0, 1), got ", truncation);
}

}  // namespace detail
}  // namespace kernelsolve
