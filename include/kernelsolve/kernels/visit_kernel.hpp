// From a kernel chosen at run time (KernelSpec: family + g) to the compile-time functor the products need.
#pragma once

#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>

#include <utility>

namespace kernelsolve {

/// \brief Calls function(kernel) with the functor of spec's family in precision Scalar (Gaussian<Scalar>, ...), and
/// returns what it returns (the same type for every family). Each family's code is compiled once per call site.
/// \throws InvalidArgument unless spec.g is finite and > 0.
template <class Scalar, class Function>
decltype(auto) visit_kernel(KernelSpec const& spec, Function&& function) {
  validate(spec);
  auto const g = static_cast<Scalar>(spec.g);
  switch (spec.family) {
    case KernelFamily::gaussian:
      return std::forward<Function>(function)(Gaussian<Scalar>::from_g(g));
    case KernelFamily::laplacian:
      return std::forward<Function>(function)(Laplacian<Scalar>::from_g(g));
    case KernelFamily::matern32:
      return std::forward<Function>(function)(Matern32<Scalar>::from_g(g));
    case KernelFamily::matern52:
      return std::forward<Function>(function)(Matern52<Scalar>::from_g(g));
    case KernelFamily::cauchy:
      return std::forward<Function>(function)(Cauchy<Scalar>::from_g(g));
    case KernelFamily::inverse_multiquadric:
      return std::forward<Function>(function)(InverseMultiquadric<Scalar>::from_g(g));
  }
  KS_USER_REQUIRE(false, "unknown kernel family ", static_cast<int>(spec.family));
  return std::forward<Function>(function)(Gaussian<Scalar>::from_g(g));  // not reached
}

}  // namespace kernelsolve
