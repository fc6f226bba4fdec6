// The built-in kernels (every line of kernel_family_list.hpp) as a GoogleTest type list, for typed tests that run
// once per family.
#pragma once

#include <kernelsolve/kernels/visit_kernel.hpp>

#include <gtest/gtest.h>

#include <tuple>

namespace kernelsolve::test {

template <class Tuple>
struct gtest_types_of;
template <class... Kernels>
struct gtest_types_of<std::tuple<Kernels...>> {
  using type = ::testing::Types<Kernels...>;
};

using DoubleRadialKernels = gtest_types_of<builtin_kernel_types<double>>::type;

}  // namespace kernelsolve::test
