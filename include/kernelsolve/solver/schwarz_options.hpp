// The options of the overlapping additive Schwarz preconditioner and the summary of what its setup built: plain
// structs without Kokkos, for option parsers, reports and the run-time facade.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kernelsolve {

/// \brief How the Schwarz preconditioner cuts the points into cells and grows them into blocks.
struct SchwarzOptions {
  /// Most points of a cell before the overlap (kd-tree leaves hold between half of it and all of it).
  std::int64_t cell_points = 512;
  /// The distance each cell is grown by; nothing: where the kernel falls to overlap_kernel_fraction of k(0).
  std::optional<double> overlap;
  /// The default overlap's kernel value, relative to k(0): exp(-3) = 0.05 is sqrt(3) = 1.7 length scales of the
  /// Gaussian exp(-|x - y|^2 / l^2). Measured on terrain interpolation (docs/design/schwarz.md): more overlap
  /// removes at most a third of the iterations (one-level Schwarz plateaus at 15-25) for 2-10x the setup.
  double overlap_kernel_fraction = 4.9787068367863944e-2;
  /// Most points of a block (core + overlap): the nearest are kept when more are within the overlap. A block costs
  /// b^3 / 3 flops to factor and b^2 entries of the operator's precision to keep (float32 for a float32 operator).
  std::int64_t max_block_points = 1000;
  /// Bytes per rank the block factors may take.
  double memory_budget_bytes = 2.0 * (1 << 30);
};

/// \brief What the setup built (cells and blocks are the same on every rank; the factor bytes are of this rank).
struct SchwarzSummary {
  std::int64_t cells = 0;             ///< of all the points
  std::int64_t local_cells = 0;       ///< cells whose block meets this rank's rows (factored here)
  double mean_block_points = 0;       ///< over all cells
  std::int64_t max_block_points = 0;  ///< over all cells
  std::int64_t capped_blocks = 0;     ///< cells with more points within the overlap than max_block_points
  double mean_points_in_reach = 0;    ///< before the cap: the kernel's reach in points
  double overlap = 0;                 ///< the distance used
  std::string overlap_reason;         ///< given, or the kernel fraction it came from
  double shift = 0;                   ///< blocks K_cc + shift I: alpha, or a small multiple of k(0) when alpha = 0
  double factor_bytes = 0;            ///< the most over the ranks
  int factor_entry_bytes = 8;         ///< 4: float32 factors (of a float32 operator), 8: float64
  double setup_seconds = 0;           ///< wall time of the setup on rank 0's clock
};

}  // namespace kernelsolve
