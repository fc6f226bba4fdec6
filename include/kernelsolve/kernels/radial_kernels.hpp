// The built-in radial kernels as device-callable functors: Gaussian<Scalar>, Laplacian<Scalar>, ... (one per line of
// kernel_family_list.hpp, each in families/), with the run-time names of kernel_family.hpp.
#pragma once

#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/kernels/radial_kernel.hpp>

namespace kernelsolve {

/// \brief dg/dsigma for g = g_from_sigma(family, sigma) = c / sigma^2: -2 g / sigma. Turns dL/dg into dL/dsigma.
inline double g_derivative_of_sigma(KernelFamily family, double sigma) {
  return -2.0 * g_from_sigma(family, sigma) / sigma;
}

/// \brief dg/dsigma = -1 / sigma^3 for the Gaussian's g = 1 / (2 sigma^2).
inline double gaussian_g_derivative_of_sigma(double sigma) {
  return g_derivative_of_sigma(KernelFamily::gaussian, sigma);
}

}  // namespace kernelsolve
