// The Gaussian (RBF) kernel k(x, y) = exp(-g |x - y|^2), the kernel of the KeOps KernelSolve example.
// It is one of the radial kernels of radial_kernels.hpp; this header stays for code that needs only it.
#pragma once

#include <kernelsolve/kernels/radial_kernels.hpp>
