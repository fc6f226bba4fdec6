// Dense double-precision references: explicit kernel matrices, brute-force products, LAPACK Cholesky solves.
#include <kernelsolve/error.hpp>
#include <kernelsolve/reference/dense.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

extern "C" void dposv_(char const* uplo, int const* n, int const* nrhs, double* a, int const* lda, double* b,
                       int const* ldb, int* info);

namespace kernelsolve {
namespace reference {
namespace {

/// |a_i - b_j|^2 for rows of two matrices with the same number of columns.
double squared_distance(HostMatrix const& a, std::int64_t i, HostMatrix const& b, std::int64_t j) {
  double sum = 0;
  for (std::int64_t d = 0; d < a.columns; ++d) sum += (a(i, d) - b(j, d)) * (a(i, d) - b(j, d));
  return sum;
}

}  // namespace

HostMatrix kernel_matrix(RadialFunction const& kernel, HostMatrix const& targets, HostMatrix const& sources,
                         double ridge) {
  KS_REQUIRE_EQUAL_EXTENTS("targets.columns", targets.columns, "sources.columns", sources.columns);
  HostMatrix matrix(targets.rows, sources.rows);
  for (std::int64_t i = 0; i < targets.rows; ++i) {
    for (std::int64_t j = 0; j < sources.rows; ++j) {
      matrix(i, j) = kernel(squared_distance(targets, i, sources, j)) + (i == j ? ridge : 0.0);
    }
  }
  return matrix;
}

HostMatrix multiply(HostMatrix const& a, HostMatrix const& b) {
  KS_REQUIRE_EQUAL_EXTENTS("a.columns", a.columns, "b.rows", b.rows);
  HostMatrix out(a.rows, b.columns);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t k = 0; k < a.columns; ++k)
      for (std::int64_t j = 0; j < b.columns; ++j) out(i, j) += a(i, k) * b(k, j);
  return out;
}

HostMatrix solve_symmetric_positive_definite(HostMatrix a, HostMatrix const& b) {
  KS_REQUIRE_EQUAL_EXTENTS("a.rows", a.rows, "a.columns", a.columns);
  KS_REQUIRE_EQUAL_EXTENTS("a.rows", a.rows, "b.rows", b.rows);
  int const n = static_cast<int>(a.rows);
  int const right_hand_sides = static_cast<int>(b.columns);
  // a is symmetric, so its row-major storage is also its column-major storage; b must be made column-major.
  std::vector<double> column_major(b.values.size());
  for (std::int64_t i = 0; i < b.rows; ++i)
    for (std::int64_t j = 0; j < b.columns; ++j) column_major[static_cast<std::size_t>(j * b.rows + i)] = b(i, j);
  int info = 0;
  int const leading = n > 0 ? n : 1;
  dposv_("L", &n, &right_hand_sides, a.values.data(), &leading, column_major.data(), &leading, &info);
  if (info != 0) {
    throw std::runtime_error("kernelsolve::reference::solve_symmetric_positive_definite: LAPACK dposv failed, info = " +
                             std::to_string(info) + (info > 0 ? " (matrix not positive definite)" : ""));
  }
  HostMatrix x(b.rows, b.columns);
  for (std::int64_t i = 0; i < b.rows; ++i)
    for (std::int64_t j = 0; j < b.columns; ++j) x(i, j) = column_major[static_cast<std::size_t>(j * b.rows + i)];
  return x;
}

HostMatrix solve_gradient_wrt_points(RadialFunction const& derivative, HostMatrix const& points,
                                     HostMatrix const& adjoint, HostMatrix const& solution) {
  KS_REQUIRE_EQUAL_EXTENTS("adjoint.rows", adjoint.rows, "points.rows", points.rows);
  KS_REQUIRE_EQUAL_EXTENTS("solution.rows", solution.rows, "points.rows", points.rows);
  KS_REQUIRE_EQUAL_EXTENTS("adjoint.columns", adjoint.columns, "solution.columns", solution.columns);
  HostMatrix gradient(points.rows, points.columns);
  for (std::int64_t m = 0; m < points.rows; ++m) {
    for (std::int64_t j = 0; j < points.rows; ++j) {
      double weight = 0;
      for (std::int64_t c = 0; c < adjoint.columns; ++c) {
        weight += adjoint(m, c) * solution(j, c) + solution(m, c) * adjoint(j, c);
      }
      double const slope = -2 * derivative(squared_distance(points, m, points, j)) * weight;
      for (std::int64_t d = 0; d < points.columns; ++d) gradient(m, d) += slope * (points(m, d) - points(j, d));
    }
  }
  return gradient;
}

double relative_error(HostMatrix const& a, HostMatrix const& b) {
  KS_REQUIRE_EQUAL_EXTENTS("a.values.size()", a.values.size(), "b.values.size()", b.values.size());
  double difference = 0;
  double reference = 0;
  for (std::size_t k = 0; k < a.values.size(); ++k) {
    difference += (a.values[k] - b.values[k]) * (a.values[k] - b.values[k]);
    reference += b.values[k] * b.values[k];
  }
  return std::sqrt(difference) / std::sqrt(reference);
}

}  // namespace reference
}  // namespace kernelsolve
