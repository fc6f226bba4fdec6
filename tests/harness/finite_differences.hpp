// Independent references for the gradient tests: L = <e, (K + alpha I)^{-1} b> by dense double solves, and its
// central finite differences with respect to every coordinate of the points.
#pragma once

#include <kernelsolve/reference/dense.hpp>

#include <cstdint>
#include <random>

namespace kernelsolve::test {

/// rows x columns standard normal values (the seed's e = torch.randn), the same on every rank.
inline reference::HostMatrix normal_matrix(std::int64_t rows, std::int64_t columns, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::normal_distribution<double> normal;
  reference::HostMatrix values(rows, columns);
  for (auto& value : values.values) value = normal(generator);
  return values;
}

/// L = <e, (K(points, points) + alpha I)^{-1} b> by a dense double Cholesky solve.
inline double dense_objective(reference::RadialFunction const& kernel, reference::HostMatrix const& points,
                              reference::HostMatrix const& b, reference::HostMatrix const& e, double alpha) {
  auto const c =
      reference::solve_symmetric_positive_definite(reference::kernel_matrix(kernel, points, points, alpha), b);
  double sum = 0;
  for (std::size_t k = 0; k < c.values.size(); ++k) sum += e.values[k] * c.values[k];
  return sum;
}

/// dL/dx(m, d) by central differences of step h; `objective(x)` evaluates L at the points x.
template <class Objective>
reference::HostMatrix finite_difference_gradient(reference::HostMatrix x, Objective const& objective, double h) {
  reference::HostMatrix gradient(x.rows, x.columns);
  for (std::int64_t m = 0; m < x.rows; ++m) {
    for (std::int64_t d = 0; d < x.columns; ++d) {
      double const saved = x(m, d);
      x(m, d) = saved + h;
      double const plus = objective(x);
      x(m, d) = saved - h;
      double const minus = objective(x);
      x(m, d) = saved;
      gradient(m, d) = (plus - minus) / (2 * h);
    }
  }
  return gradient;
}

}  // namespace kernelsolve::test
