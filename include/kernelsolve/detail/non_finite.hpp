// Counting NaN and Inf entries of a rank-2 View on its execution space: the input checks of the operator and solver.
#pragma once

#include <Kokkos_Core.hpp>

namespace kernelsolve {
namespace detail {

/// Number of entries of the rank-2 View `values` that are NaN or +-Inf. Runs on `space`, returns on the host.
template <class ExecutionSpace, class View>
long long count_non_finite(ExecutionSpace const& space, View const& values) {
  long long count = 0;
  int const columns = static_cast<int>(values.extent(1));
  // count = sum_i #{c : values(i, c) is not finite}; x - x is 0 for finite x and NaN for NaN and Inf.
  Kokkos::parallel_reduce(
      "kernelsolve::count_non_finite", Kokkos::RangePolicy<ExecutionSpace>(space, 0, values.extent(0)),
      KOKKOS_LAMBDA(std::size_t i, long long& partial) {
        for (int c = 0; c < columns; ++c) {
          auto const value = values(i, c);
          if (!(value - value == 0)) ++partial;
        }
      },
      count);
  return count;
}

}  // namespace detail
}  // namespace kernelsolve
