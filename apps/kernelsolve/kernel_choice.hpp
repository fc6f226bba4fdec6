// From the kernel options (--kernel, --formula, --sigma, --gamma, --param) to one validated kernel.
#pragma once

#include "options.hpp"

#include <kernelsolve/kernels/kernel_family.hpp>

#include <string>

namespace kernelsolve::app {

/// The kernel a run uses, and how the user asked for it.
struct KernelChoice {
  KernelSpec spec;      ///< family and g (> 0)
  double sigma = 0.0;   ///< the length scale of g (sigma_from_g)
  std::string formula;  ///< the --formula text, empty for --kernel
};

/// \brief Resolves the options. With --formula, the formula's parameters take --param values; a parameter named g
/// that is not given takes --gamma, else 1 / (2 sigma^2) (the KeOps seed's g).
/// \throws InvalidArgument for an unknown kernel, a malformed or unsupported formula, sigma <= 0 or g <= 0.
KernelChoice choose_kernel(KernelOptions const& options);

}  // namespace kernelsolve::app
