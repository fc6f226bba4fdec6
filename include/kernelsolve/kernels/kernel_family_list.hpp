// The one list of the built-in kernel families. A family is its header in families/ and one line here: the enum,
// names, aliases, formulas, visit_kernel, the run-time library's translation units, the precompiled loops, the test
// type lists, the vectorization probes, the benchmarks and the help texts all follow this list (CMake reads it too:
// keep one `X(enum name, functor template)` entry per line, each line starting with two spaces and X).
#pragma once

#include <kernelsolve/kernels/families/cauchy.hpp>
#include <kernelsolve/kernels/families/gaussian.hpp>
#include <kernelsolve/kernels/families/inverse_multiquadric.hpp>
#include <kernelsolve/kernels/families/laplacian.hpp>
#include <kernelsolve/kernels/families/matern32.hpp>
#include <kernelsolve/kernels/families/matern52.hpp>
#include <kernelsolve/kernels/families/wendland_c2.hpp>

/// X(enum name, functor template) for each family, in the order of KernelFamily; the profile is
/// detail::<functor template>Profile.
// clang-format off
#define KERNELSOLVE_KERNEL_FAMILIES(X) \
  X(gaussian, Gaussian) \
  X(laplacian, Laplacian) \
  X(matern32, Matern32) \
  X(matern52, Matern52) \
  X(cauchy, Cauchy) \
  X(inverse_multiquadric, InverseMultiquadric) \
  X(wendland_c2, WendlandC2)
// clang-format on
