// y = (L L^T)^{-1} y for one dense block's lower Cholesky factor L, the factor in float or double and the values in
// double: the two triangular solves of a Schwarz block, written so that the host loops vectorize and a float32
// factor is read as float32 (half the bytes of the memory-bound solves) yet every operation is in double.
#pragma once

#include <kernelsolve/detail/simd_width.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>

namespace kernelsolve {
namespace detail {

/// Independent partial sums of the dot products in the transposed solve: two registers of doubles on the host
/// (each a chain of its own, then added in lane order, the same order on every run and rank count), one on a device
/// thread.
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
inline constexpr int block_solve_lanes = 1;
#else
inline constexpr int block_solve_lanes = 2 * simd_register_bytes / int(sizeof(double));
#endif

/// \brief y = (L L^T)^{-1} y in place, y b x columns column-major in double, L the b x b lower Cholesky factor
/// (column-major; only the lower triangle is read) in FactorScalar. Both solves walk the columns of L, which are
/// contiguous: the forward one as axpys (y(j+1:) -= y(j) L(j+1:, j)), the backward one as dots
/// (y(j) = (y(j) - L(j+1:, j) . y(j+1:)) / L(j, j)). L is read twice per column of y.
template <class FactorScalar>
KOKKOS_INLINE_FUNCTION void cholesky_block_solve(FactorScalar const* factor, std::int64_t b, double* y,
                                                 std::int64_t columns) {
  for (std::int64_t c = 0; c < columns; ++c) {
    double* values = y + c * b;
    for (std::int64_t j = 0; j < b; ++j) {  // L z = y
      FactorScalar const* column = factor + j * b;
      double const value = values[j] / static_cast<double>(column[j]);
      values[j] = value;
      for (std::int64_t t = j + 1; t < b; ++t) values[t] -= value * static_cast<double>(column[t]);
    }
    for (std::int64_t j = b - 1; j >= 0; --j) {  // L^T x = z
      FactorScalar const* column = factor + j * b;
      double partial[block_solve_lanes] = {};
      std::int64_t t = j + 1;
      for (; t + block_solve_lanes <= b; t += block_solve_lanes)
        for (int lane = 0; lane < block_solve_lanes; ++lane)
          partial[lane] += static_cast<double>(column[t + lane]) * values[t + lane];
      double dot = 0;
      for (int lane = 0; lane < block_solve_lanes; ++lane) dot += partial[lane];
      for (; t < b; ++t) dot += static_cast<double>(column[t]) * values[t];
      values[j] = (values[j] - dot) / static_cast<double>(column[j]);
    }
  }
}

}  // namespace detail
}  // namespace kernelsolve
