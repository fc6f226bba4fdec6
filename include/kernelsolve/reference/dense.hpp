// Dense double-precision references on the host, for checking the matrix-free results: the explicit kernel matrix,
// brute-force products and a direct (Cholesky, LAPACK) solve. O(N^2) memory: for tests and moderate N only.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace kernelsolve {
namespace reference {

/// \brief A row-major rows x columns matrix of doubles on the host.
struct HostMatrix {
  std::int64_t rows = 0;
  std::int64_t columns = 0;
  std::vector<double> values;  ///< values[i * columns + j]

  HostMatrix() = default;
  HostMatrix(std::int64_t row_count, std::int64_t column_count)
      : rows(row_count), columns(column_count), values(static_cast<std::size_t>(row_count * column_count), 0.0) {}
  double& operator()(std::int64_t i, std::int64_t j) { return values[static_cast<std::size_t>(i * columns + j)]; }
  double operator()(std::int64_t i, std::int64_t j) const { return values[static_cast<std::size_t>(i * columns + j)]; }
};

/// A kernel as a function of the squared distance, evaluated in double.
using RadialFunction = std::function<double(double squared_distance)>;

/// K(i, j) = kernel(|targets_i - sources_j|^2) + (i == j ? ridge : 0).
HostMatrix kernel_matrix(RadialFunction const& kernel, HostMatrix const& targets, HostMatrix const& sources,
                         double ridge = 0.0);

/// out = a * b.
HostMatrix multiply(HostMatrix const& a, HostMatrix const& b);

/// Solves a x = b for symmetric positive definite a by Cholesky (LAPACK dposv).
/// \throws std::runtime_error when a is not positive definite in floating point.
HostMatrix solve_symmetric_positive_definite(HostMatrix a, HostMatrix const& b);

/// dL/dx of L = <e, c>, c = (K(x, x) + alpha I)^{-1} b, from the adjoint a = (K + alpha I)^{-1} e and c:
/// dL/dx_m = -sum_j 2 k'(|x_m - x_j|^2) (a_m . c_j + c_m . a_j) (x_m - x_j), with derivative = k'(r2).
HostMatrix solve_gradient_wrt_points(RadialFunction const& derivative, HostMatrix const& points,
                                     HostMatrix const& adjoint, HostMatrix const& solution);

/// ||a - b||_F / ||b||_F.
double relative_error(HostMatrix const& a, HostMatrix const& b);

}  // namespace reference
}  // namespace kernelsolve
