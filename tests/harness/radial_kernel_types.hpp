// The six built-in kernels as a GoogleTest type list, for typed tests that run once per family.
#pragma once

#include <kernelsolve/kernels/radial_kernels.hpp>

#include <gtest/gtest.h>

namespace kernelsolve::test {

using DoubleRadialKernels = ::testing::Types<Gaussian<double>, Laplacian<double>, Matern32<double>, Matern52<double>,
                                             Cauchy<double>, InverseMultiquadric<double>>;

}  // namespace kernelsolve::test
