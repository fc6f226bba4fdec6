// How far a kernel reaches: the distance at which it falls to a given fraction of k(0), what the Schwarz
// preconditioner's overlap and the cutoff products' radius are chosen from.
#pragma once

#include <cmath>
#include <limits>

namespace kernelsolve {
namespace detail {

/// \brief The distance r at which a radial kernel falls to fraction * k(0): the smallest r with
/// k(r^2) <= fraction k(0) found by doubling and bisection (+infinity when the kernel never falls that far).
template <class Kernel>
double kernel_reach(Kernel const& kernel, double fraction) {
  using scalar_type = typename Kernel::value_type;
  double const at_zero = static_cast<double>(kernel(scalar_type(0)));
  auto const below = [&](double r2) {
    return static_cast<double>(kernel(static_cast<scalar_type>(r2))) <= fraction * at_zero;
  };
  double low = 0, high = 1;
  while (!below(high)) {
    if (high > 1e300) return std::numeric_limits<double>::infinity();
    low = high;
    high *= 2;
  }
  for (int step = 0; step < 200 && high - low > 1e-14 * high; ++step) {
    double const middle = 0.5 * (low + high);
    (below(middle) ? high : low) = middle;
  }
  return std::sqrt(high);
}

}  // namespace detail
}  // namespace kernelsolve
