// From a kernel chosen at run time (KernelSpec: family + g) to the compile-time functor the products need.
#pragma once

#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>

#include <tuple>
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
#define KERNELSOLVE_VISIT_CASE(name, Functor) \
  case KernelFamily::name:                    \
    return std::forward<Function>(function)(Functor<Scalar>::from_g(g));
    KERNELSOLVE_KERNEL_FAMILIES(KERNELSOLVE_VISIT_CASE)
#undef KERNELSOLVE_VISIT_CASE
  }
  KS_USER_REQUIRE(false, "unknown kernel family ", static_cast<int>(spec.family));
  return std::forward<Function>(function)(Gaussian<Scalar>::from_g(g));  // not reached
}

/// \brief The built-in functors in precision Scalar as a std::tuple type, in the order of the list (typed tests and
/// benchmarks iterate over it).
#define KERNELSOLVE_FUNCTOR_TUPLE(name, Functor) std::tuple<Functor<Scalar>>{},
template <class Scalar>
using builtin_kernel_types =
    decltype(std::tuple_cat(KERNELSOLVE_KERNEL_FAMILIES(KERNELSOLVE_FUNCTOR_TUPLE) std::tuple<>{}));
#undef KERNELSOLVE_FUNCTOR_TUPLE

}  // namespace kernelsolve
